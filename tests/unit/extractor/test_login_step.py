"""Finding the monolith's login route and its credential fields, from source only."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import legacy_monolith
from analyzer.usecases import AnalyzeOptions, analyze_project
from extractor.login_step import LoginRoute, find_login

CLINIC = Path(__file__).parents[2] / "fixtures" / "extract_apps" / "clinic"


def login_of(root: Path) -> LoginRoute | None:
    return find_login(analyze_project(root, AnalyzeOptions(show_progress=False, use_cache=False)))


def app_tree(tmp_path: Path, views: str) -> Path:
    (tmp_path / "app.py").write_text(
        "from flask import Flask, request, session\napp = Flask(__name__)\n" + dedent(views)
    )
    return tmp_path


def test_the_sample_shop_logs_in_through_its_json_api() -> None:
    # legacy_monolith/accounts/views.py: json_body(), require_str(body, "email"),
    # body.get("password"), then _log_in() stores the user in the session
    root = Path(legacy_monolith.__file__).parent
    assert login_of(root) == LoginRoute("/api/accounts/login", False, ("email", "password"))


def test_a_flask_login_form_asks_for_its_credentials_not_remember_me() -> None:
    # clinic/auth/views.py: request.form.get("email"/"password"/"remember"), login_user()
    assert login_of(CLINIC) == LoginRoute("/auth/login", True, ("email", "password"))


def test_a_jwt_token_login_reading_the_json_body(tmp_path: Path) -> None:
    root = app_tree(
        tmp_path,
        """
        from flask_jwt_extended import create_access_token

        @app.post("/token")
        def token():
            data = request.get_json() or {}
            if data.get("username") == "a" and data["password"] == "b":
                return {"token": create_access_token(identity="a")}
            return {}, 401
        """,
    )
    assert login_of(root) == LoginRoute("/token", False, ("username", "password"))


def test_a_post_that_stores_in_the_session_without_a_secret_is_not_a_login(
    tmp_path: Path,
) -> None:
    root = app_tree(
        tmp_path,
        """
        @app.post("/theme")
        def theme():
            session["theme"] = request.form["name"]
            return "ok"

        @app.post("/signup")
        def signup():
            return {"user": request.form["username"], "password": request.form["password"]}
        """,
    )
    assert login_of(root) is None
