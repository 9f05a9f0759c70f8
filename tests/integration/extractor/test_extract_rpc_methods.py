"""`strangler extract --style rpc` on a small shop written here: which views become `@rpc`
methods (guarded ones too, when their guards check only headers), why the others stay on
the envelope, and what the generated methods answer when the generated package is
imported for real (in a child process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.commands import extract

SHOP = {
    "shop/__init__.py": """
        from flask import Flask, jsonify
        from werkzeug.exceptions import HTTPException


        def create_app():
            app = Flask(__name__)
            from shop.items import bp

            app.register_blueprint(bp)

            @app.errorhandler(HTTPException)
            def http_error(exc):
                return jsonify(error=exc.description), exc.code

            return app
        """,
    "shop/helpers.py": """
        from flask import abort, session

        ITEMS = {1: {"id": 1, "name": "pen"}, 2: {"id": 2, "name": "ink"}}


        def load(item_id):
            item = ITEMS.get(item_id)
            if item is None:
                abort(404, f"no item {item_id}")
            return item


        def account():
            return session.get("account")
        """,
    "shop/auth.py": """
        import functools

        from flask import abort, jsonify, request, session
        from flask_httpauth import HTTPTokenAuth

        token_auth = HTTPTokenAuth(scheme="Bearer")


        @token_auth.verify_token
        def verify_token(token):
            return {"t-ann": "ann"}.get(token)


        @token_auth.error_handler
        def token_refused(status):
            return jsonify(error="a valid token is required"), status


        def api_key_required(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                if request.headers.get("X-Api-Key") != "k1":
                    abort(401, "an API key is required")
                return view(*args, **kwargs)

            return wrapper


        def staff_required(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                if not session.get("staff"):
                    abort(403, "staff only")
                return view(*args, **kwargs)

            return wrapper
        """,
    "shop/items.py": """
        from flask import Blueprint, jsonify, request

        from shop.auth import api_key_required, staff_required, token_auth
        from shop.helpers import ITEMS, account, load

        bp = Blueprint("items", __name__, url_prefix="/api")


        @bp.get("/items/<int:item_id>")
        def get_item(item_id):
            return jsonify(load(item_id))


        @bp.get("/items")
        def list_items():
            limit = int(request.args.get("limit", 10))
            return {"items": list(ITEMS.values())[:limit]}


        @bp.get("/whoami")
        def whoami():
            return {"account": account()}


        @bp.post("/items")
        def add_item():
            item = request.get_json()
            return jsonify(item), 201


        def rpc(value):
            return {"value": value}


        @bp.get("/echo")
        def echo():
            return {"echo": rpc(1)}


        @bp.get("/stock/<int:item_id>")
        @api_key_required
        def stock(item_id):
            return {"id": item_id, "stock": 3}


        @bp.get("/mine")
        @token_auth.login_required
        def mine():
            return {"user": token_auth.current_user()}


        @bp.get("/takings")
        @staff_required
        def takings():
            return {"takings": 0}
        """,
}

CALLS = """
import json, sys
from front.service import FrontService, build_app
from extracted_services.shared.errors import ErrorAnswer
service = FrontService()
service.app = build_app({})
service.context_data = {}  # nameko injects the call's context data: none here
answers = [service.list_items(query={"limit": "1"}), service.get_item(item_id=2, query={})]
try:
    service.get_item(item_id=7, query={})
except ErrorAnswer as exc:
    answers.append([exc.status, exc.body])
service.context_data = {"auth_token": "Bearer t-ann", "x_api_key": "k1"}  # as the proxy sends
answers += [service.stock(item_id=1, query={}), service.mine(query={})]
service.context_data = {"auth_token": "Bearer t-bob", "x_api_key": "k2"}
for method in (service.stock, service.mine):
    try:
        method(**({"item_id": 1} if method == service.stock else {}), query={})
    except ErrorAnswer as exc:
        answers.append([exc.status, exc.body])
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for path, text in SHOP.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(textwrap.dedent(text).lstrip())
    into = tmp_path_factory.mktemp("services")
    result = CliRunner().invoke(
        extract,
        [str(source), "--service", "front", "--blueprint", "items", "--into", str(into),
         "--style", "rpc"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return into


def test_json_views_target_their_methods_and_the_others_the_envelope(services: Path) -> None:
    routes = tomllib.loads((services / "front" / "routes.toml").read_text())["route"]

    assert {(r["path"], r["methods"][0]): (r["target"], r["protocol"]) for r in routes} == {
        ("/api/items/<int:item_id>", "GET"): ("front.get_item", "rpc"),
        ("/api/items", "GET"): ("front.list_items", "rpc"),
        ("/api/whoami", "GET"): ("front.http", "http"),
        ("/api/items", "POST"): ("front.http", "http"),
        ("/api/echo", "GET"): ("front.http", "http"),
        ("/api/stock/<int:item_id>", "GET"): ("front.stock", "rpc"),
        ("/api/mine", "GET"): ("front.mine", "rpc"),
        ("/api/takings", "GET"): ("front.http", "http"),
    }
    manifest = tomllib.loads((services / "front" / "service.toml").read_text())
    assert manifest["protocol"] == {
        "http": "http", "get_item": "rpc", "list_items": "rpc", "stock": "rpc", "mine": "rpc",
    }  # fmt: skip


def test_a_route_passes_the_headers_its_method_reads_beyond_the_standard(services: Path) -> None:
    routes = tomllib.loads((services / "front" / "routes.toml").read_text())["route"]

    contexts = {r["path"]: r.get("context") for r in routes if r["protocol"] == "rpc"}
    assert contexts == {
        "/api/items/<int:item_id>": None,
        "/api/items": None,
        "/api/stock/<int:item_id>": ["header:X-Api-Key"],  # the project guard reads it
        "/api/mine": None,  # the token is in Authorization, which every call carries
    }


def test_the_readme_says_why_a_view_stays_transplant_only(services: Path) -> None:
    readme = (services / "front" / "README.md").read_text()

    assert (
        "- `GET /api/whoami` (shop/items.py:20): calls `shop.helpers.account`, which uses `session`"
        in readme
    )
    assert (
        "- `POST /api/items` (shop/items.py:25): answers 201: the proxy answers an RPC result"
        " with 200" in readme
    )
    assert (
        "- `GET /api/echo` (shop/items.py:35): uses `rpc` of shop.items, which rpc_methods.py"
        " has as `nameko.rpc:rpc`" in readme
    )
    assert (
        "- `GET /api/takings` (shop/items.py:52): guarded by `shop.auth:staff_required`: its"
        " code: `shop.auth.staff_required`, which uses `session`" in readme
    )
    assert "- `GET /api/items/<int:item_id>` -> `get_item`" in readme


def test_the_generated_methods_answer_as_the_views_do(services: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(services), str(Path.cwd())])}
    result = subprocess.run(
        [sys.executable, "-c", CALLS], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"items": [{"id": 1, "name": "pen"}]},
        {"id": 2, "name": "ink"},
        [404, {"error": "no item 7"}],  # the app's own error handler's answer
        {"id": 1, "stock": 3},  # the guards passed: the headers came along
        {"user": "ann"},
        [401, {"error": "an API key is required"}],  # the project guard's refusal
        [401, {"error": "a valid token is required"}],  # the token check's own answer
    ]
