"""Smaller route/hook styles, each written inline as a tiny project."""

from __future__ import annotations

import textwrap
from pathlib import Path

from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project


def analyze_sources(root: Path, sources: dict[str, str]) -> Analysis:
    for name, text in sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return analyze_project(root, AnalyzeOptions(use_cache=False, show_progress=False, workers=1))


def routes(analysis: Analysis) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(r.rule, r.endpoint, r.methods) for r in analysis.routes if r.kind != "static"}


def test_hooks_registered_by_call(tmp_path: Path) -> None:
    analysis = analyze_sources(
        tmp_path,
        {
            "app.py": """
                import sqlite3
                from flask import Flask
                from flask_login import LoginManager

                app = Flask(__name__)
                login = LoginManager(app)

                def load_user(user_id):
                    db = sqlite3.connect("x")
                    return db.execute("SELECT * FROM users WHERE id = ?", (user_id,))

                def close_db(error):
                    return None

                app.teardown_appcontext(close_db)
                login.user_loader(load_user)
            """
        },
    )
    hooks = {(h.kind, h.handler[1]) for h in analysis.hooks}
    assert hooks == {("teardown_appcontext", "close_db"), ("user_loader", "load_user")}
    loader = next(h for h in analysis.hooks if h.kind == "user_loader")
    assert analysis.hook_access[loader].reads == ("users",)
    assert routes(analysis) == set()


def test_restful_api_bound_later_with_init_app(tmp_path: Path) -> None:
    analysis = analyze_sources(
        tmp_path,
        {
            "extensions.py": """
                from flask_restful import Api
                api = Api(prefix="/api")
            """,
            "resources.py": """
                from flask_restful import Resource
                from extensions import api

                class Ping(Resource):
                    def get(self):
                        return "pong"

                api.add_resource(Ping, "/ping")
            """,
            "factory.py": """
                from flask import Flask
                from extensions import api
                import resources  # noqa: F401

                def create_app():
                    app = Flask(__name__)
                    api.init_app(app)
                    return app
            """,
        },
    )
    assert routes(analysis) == {("/api/ping", "ping", ("GET",))}


def test_view_function_without_a_view_name_is_diagnosed_not_guessed(tmp_path: Path) -> None:
    analysis = analyze_sources(
        tmp_path,
        {
            "app.py": """
                from flask import Flask
                app = Flask(__name__)
                handlers = {}
                app.add_url_rule("/x", view_func=handlers["x"])
            """
        },
    )
    assert routes(analysis) == set()
    assert "unresolved-view" in {d.kind for d in analysis.diagnostics}


def test_namespace_package_imports_resolve(tmp_path: Path) -> None:
    # no __init__.py anywhere: `app.views` is a namespace package import
    analysis = analyze_sources(
        tmp_path,
        {
            "app/web.py": """
                from flask import Flask
                from app.views import bp
                application = Flask(__name__)
                application.register_blueprint(bp, url_prefix="/v")
            """,
            "app/views.py": """
                from flask import Blueprint
                bp = Blueprint("views", __name__)

                @bp.route("/home")
                def home():
                    return "home"
            """,
        },
    )
    assert routes(analysis) == {("/v/home", "views.home", ("GET",))}
    assert [a.name for a in analysis.apps] == ["web:application"]


def test_settings_guarded_by_an_if_take_the_default_branch(tmp_path: Path) -> None:
    analysis = analyze_sources(
        tmp_path,
        {
            "settings.py": """
                VERSIONED = False
                CHECKED = some_call()
            """,
            "app.py": """
                from flask import Flask
                import settings

                app = Flask(__name__)

                def versioned(rule):
                    if settings.VERSIONED:
                        return "/v1" + rule
                    return rule

                def checked(rule):
                    if settings.CHECKED:
                        return "/checked" + rule
                    return rule

                app.add_url_rule(versioned("/a"), "a", lambda: "a")
                app.add_url_rule(checked("/b"), "b", lambda: "b")
            """,
        },
    )
    # an unknown test keeps the first informative return, as for any function
    assert routes(analysis) == {("/a", "a", ("GET",)), ("/checked/b", "b", ("GET",))}


def test_configuration_without_a_default_is_not_guessed(tmp_path: Path) -> None:
    analysis = analyze_sources(
        tmp_path,
        {
            "app.py": """
                import os
                from flask import Blueprint, Flask

                def view():
                    return "x"

                bp = Blueprint("bp", __name__)
                bp.add_url_rule("/x", "x", view)
                app = Flask(__name__)
                app.register_blueprint(bp, url_prefix=os.environ["PREFIX"])
                app.add_url_rule(app.config["RULE"], "y", view)
            """
        },
    )
    assert routes(analysis) == {("/x", "bp.x", ("GET",))}
    assert {d.kind for d in analysis.diagnostics} == {"dynamic-route"}


def test_settings_of_objects_that_are_not_an_app_config_are_ignored(tmp_path: Path) -> None:
    analysis = analyze_sources(
        tmp_path,
        {
            "app.py": """
                from flask import Flask

                class Client:
                    def __init__(self):
                        self.config = {}

                    def setup(self):
                        self.config.update(PREFIX="/client")

                app = Flask(__name__)
                app.add_url_rule(app.config.get("PREFIX", "/app") + "/x", "x", lambda: "x")
            """
        },
    )
    assert routes(analysis) == {("/app/x", "x", ("GET",))}
