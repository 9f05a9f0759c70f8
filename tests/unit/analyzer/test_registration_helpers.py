"""Project helpers that register routes, followed through call cycles and pluggy hooks."""

from __future__ import annotations

from pathlib import Path

from analyzer.usecases import AnalyzeOptions, analyze_project

PARTS = """
from flask import Blueprint

root = Blueprint("root", __name__, url_prefix="/root")
leaf = Blueprint("leaf", __name__, url_prefix="/leaf")
root.add_url_rule("/", "index", lambda: "root")
leaf.add_url_rule("/", "index", lambda: "leaf")
BLUEPRINTS = {"root": root, "leaf": leaf}


def register_one(app, name):
    app.register_blueprint(BLUEPRINTS[name])
"""

# `attach` is decided first (it comes first) and meets `register_tree` while `attach` itself is
# undecided: `register_tree` must not be remembered as registering nothing.
TREE = """
from b_parts import register_one


def attach(app, name):
    register_tree(app, name)
    register_one(app, name)


def register_tree(app, name):
    if name == "root":
        attach(app, "leaf")
"""

APP = """
from flask import Flask

from a_tree import register_tree


def create_app():
    app = Flask(__name__, static_folder=None)
    register_tree(app, "root")
    return app
"""


def test_a_helper_on_a_call_cycle_still_registers(tmp_path: Path) -> None:
    for name, text in {"b_parts.py": PARTS, "a_tree.py": TREE, "c_app.py": APP}.items():
        (tmp_path / name).write_text(text)
    analysis = analyze_project(tmp_path, AnalyzeOptions(use_cache=False, show_progress=False))
    routes = {(r.app, r.rule, r.endpoint) for r in analysis.routes}
    assert routes == {
        ("c_app:create_app()", "/leaf/", "leaf.index"),
        (None, "/root/", "root.index"),  # register_tree("root") registers only the leaf
    }


PLUGGY_APP = """
import pluggy
from flask import Blueprint, Flask

hookimpl = pluggy.HookimplMarker("shop")
manager = pluggy.PluginManager("shop")
news = Blueprint("news", __name__)


@news.route("/news")
def latest():
    return "news"


@hookimpl
def shop_blueprints(app):
    app.register_blueprint(news, url_prefix="/shop")


def create_app():
    app = Flask(__name__, static_folder=None)
    manager.hook.shop_blueprints(app=app)
    return app
"""


def test_a_module_level_plugin_manager_runs_the_hook_implementations(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(PLUGGY_APP)
    analysis = analyze_project(tmp_path, AnalyzeOptions(use_cache=False, show_progress=False))
    assert {(r.app, r.rule, r.endpoint) for r in analysis.routes} == {
        ("shop:create_app()", "/shop/news", "news.latest")
    }
    assert analysis.diagnostics == ()
