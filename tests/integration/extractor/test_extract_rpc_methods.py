"""`strangler extract --style rpc` on a small shop written here: which views become `@rpc`
methods, why the others stay on the envelope, and what the generated methods answer when
the generated package is imported for real (in a child process)."""

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
    "shop/items.py": """
        from flask import Blueprint, jsonify, request

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
        """,
}

CALLS = """
import json, sys
from front.service import FrontService, build_app
from extracted_services.shared.errors import ErrorAnswer
service = FrontService()
service.app = build_app({})
answers = [service.list_items(query={"limit": "1"}), service.get_item(item_id=2, query={})]
try:
    service.get_item(item_id=7, query={})
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
    }
    manifest = tomllib.loads((services / "front" / "service.toml").read_text())
    assert manifest["protocol"] == {"http": "http", "get_item": "rpc", "list_items": "rpc"}


def test_the_readme_says_why_a_view_stays_transplant_only(services: Path) -> None:
    readme = (services / "front" / "README.md").read_text()

    assert (
        "- `GET /api/whoami` (shop/items.py:19): calls `shop.helpers.account`, which uses `session`"
        in readme
    )
    assert (
        "- `POST /api/items` (shop/items.py:24): answers 201: the proxy answers an RPC result"
        " with 200" in readme
    )
    assert (
        "- `GET /api/echo` (shop/items.py:34): uses `rpc` of shop.items, which rpc_methods.py"
        " imports from nameko.rpc" in readme
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
    ]
