"""Guards the `guards` fixture app does not show: a parent blueprint's hook guarding a nested
blueprint's routes, a project decorator factory raising `Forbidden` listed per method in
`method_decorators`, and a loader on an object the analyzer cannot identify."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer.reports.as_json import analysis_to_dict
from analyzer.usecases import AnalyzeOptions, analyze_project

APP = """\
from flask import Blueprint, Flask, abort
from flask_restful import Api, Resource
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from werkzeug.exceptions import Forbidden

from tokens import verifier

db = SQLAlchemy()
parent = Blueprint("parent", __name__, url_prefix="/p")
child = Blueprint("child", __name__, url_prefix="/c")


@parent.before_request
def members_only():
    abort(403)


@child.route("/x")
def x():
    return "x"


def permission(name):
    def decorator(view):
        def wrapper(*args, **kwargs):
            raise Forbidden()

        return wrapper

    return decorator


class Notes(Resource):
    method_decorators = {"post": [permission("write")]}

    def get(self):
        return []

    def post(self):
        return {}


@verifier.verify_token
def check_token(token):
    return db.session.execute(text("SELECT id FROM api_tokens WHERE token = :t"), {"t": token})


app = Flask(__name__, static_folder=None)
parent.register_blueprint(child)
app.register_blueprint(parent)
api = Api(app)
api.add_resource(Notes, "/notes")


@app.route("/open")
def open_page():
    return "open"
"""


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("guarded")
    (root / "app.py").write_text(APP)
    (root / "tokens.py").write_text("verifier = None\n")
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    found = analysis_to_dict(analyze_project(Path(root), options))
    return {r["endpoint"]: r for r in found["routes"]}


def test_a_parent_blueprints_hook_guards_its_nested_blueprints_routes(
    routes: dict[str, dict[str, Any]],
) -> None:
    assert routes["parent.child.x"]["guards"] == [
        {"name": "app:members_only", "kind": "hook", "file": "app.py", "line": 14}
    ]


def test_a_decorator_factory_listed_for_one_method_guards_the_resource(
    routes: dict[str, dict[str, Any]],
) -> None:
    assert routes["notes"]["guards"] == [
        {"name": "app:permission", "kind": "class-decorators", "file": "app.py", "line": 34}
    ]


def test_a_loader_on_an_unknown_object_runs_for_guarded_routes_only(
    routes: dict[str, dict[str, Any]],
) -> None:
    assert routes["parent.child.x"]["hook_reads"] == ["api_tokens"]
    assert routes["notes"]["hook_reads"] == ["api_tokens"]
    assert routes["open_page"]["guards"] == []
    assert routes["open_page"]["hook_reads"] == []


PROTECTED = """\
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.integrations.sqla_oauth2 import create_bearer_token_validator
from flask import Flask, request
from flask_jwt_extended import verify_jwt_in_request
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)


class Token(db.Model):
    __tablename__ = "tokens"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    user = db.relationship("User")


class Protector(ResourceProtector):
    def __call__(self, scopes=None):
        def wrapper(f):
            def decorated(*args, **kwargs):
                verify_jwt_in_request()
                token = self.acquire_token(scopes)
                return f(token.user, *args, **kwargs)

            return decorated

        return wrapper


class Validating(ResourceProtector):
    def validate_request(self, scopes, request, **kwargs):
        return Token.query.filter_by(value=request.headers.get("Authorization")).first()


class Tagger:
    def __call__(self, name):
        def wrapper(f):
            return f

        return wrapper


require_auth = Protector()
require_oauth = Validating()
library_oauth = ResourceProtector()
tagged = Tagger()
bearer = create_bearer_token_validator(db.session, Token)
require_auth.register_token_validator(bearer())
app = Flask(__name__)


@app.route("/mine")
@require_auth(scopes=["read"])
def mine(user):
    return "mine"


@app.route("/tokens")
@require_oauth("profile")
def tokens():
    return "tokens"


@app.route("/library")
@library_oauth("profile")
def library():
    return "library"


@app.route("/tagged")
@tagged("x")
def tagged_view():
    return "tagged"
"""


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("protected")
    (root / "app.py").write_text(PROTECTED)
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    found = analysis_to_dict(analyze_project(Path(root), options))
    return {r["endpoint"]: r for r in found["routes"]}


def test_a_project_object_called_as_a_decorator_guards_with_its_call_method(
    protected: dict[str, dict[str, Any]],
) -> None:
    mine = protected["mine"]
    assert mine["guards"] == [
        {"name": "app:Protector.__call__", "kind": "decorator", "file": "app.py", "line": 59}
    ]
    # the token Authlib's acquire_token returns is the model handed to its bearer validator
    # factory: its user relationship is read by the decorator
    assert mine["indirect"] == ["users"]
    assert {e["function"] for e in mine["evidence"]} == {
        "app:Protector.__call__.<locals>.wrapper.<locals>.decorated"
    }


def test_a_library_protector_guards_and_runs_the_methods_a_subclass_overrides(
    protected: dict[str, dict[str, Any]],
) -> None:
    name = "authlib.integrations.flask_oauth2.ResourceProtector.__call__"
    assert protected["tokens"]["guards"] == [
        {"name": name, "kind": "decorator", "file": "app.py", "line": 65}
    ]
    assert protected["tokens"]["reads"] == ["tokens"]
    assert protected["tokens"]["hook_reads"] == ["tokens"]
    assert protected["library"]["guards"] == [
        {"name": name, "kind": "decorator", "file": "app.py", "line": 71}
    ]


def test_a_project_object_that_refuses_nothing_is_no_guard(
    protected: dict[str, dict[str, Any]],
) -> None:
    assert protected["tagged_view"]["guards"] == []
    assert protected["tagged_view"]["reads"] == []
