"""Each codemod on a small module: the expected output written by hand, comments kept."""

from __future__ import annotations

from extractor.codemods.drop_routes import DropRequest, drop_routes
from extractor.codemods.rename_package import rename_package
from extractor.codemods.service_database import insert_database_settings
from extractor.codemods.unused_imports import remove_orphaned_imports

FACTORY = '''"""The app."""
from flask import Flask, jsonify  # web
from shop.orders.views import bp as orders_bp
from shop.reviews.views import bp as reviews_bp, stars
from shop.users.views import bp as users_bp

BLUEPRINTS = (
    users_bp,
    orders_bp,
    reviews_bp,
)


def create_app():
    app = Flask("shop")
    app.add_url_rule("/healthz", "healthz", healthz)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(orders_bp, url_prefix="/v2")  # again, elsewhere
    return app


def healthz():
    return jsonify(status="ok")
'''


def test_dropped_blueprints_views_and_registrations_leave_the_module() -> None:
    request = DropRequest(
        module="shop.app",
        is_package=False,
        blueprint_objects=frozenset({("shop.orders.views", "bp"), ("shop.users.views", "bp")}),
        functions=frozenset({"healthz"}),
        registration_lines=frozenset({16}),
    )
    code, dropped = drop_routes(FACTORY, request)
    assert (
        code
        == '''"""The app."""
from flask import Flask, jsonify  # web
from shop.reviews.views import bp as reviews_bp, stars

BLUEPRINTS = (
    reviews_bp,
)


def create_app():
    app = Flask("shop")
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
'''
    )
    assert dropped.names == {"orders_bp", "users_bp"}
    assert dropped.functions == ["healthz"]
    assert dropped.statements == [16, 19]


def test_a_tuple_left_with_one_blueprint_stays_a_tuple() -> None:
    source = "from shop.a import bp as a\nfrom shop.b import bp as b\nBPS = a, b\n"
    request = DropRequest("shop.app", False, blueprint_objects=frozenset({("shop.b", "bp")}))
    assert drop_routes(source, request)[0] == "from shop.a import bp as a\nBPS = (a,)\n"


def test_relative_imports_of_a_dropped_blueprint_are_found() -> None:
    source = "from .orders import bp\nfrom . import orders\nREGISTERED = [bp]\n"
    request = DropRequest("shop", True, blueprint_objects=frozenset({("shop.orders", "bp")}))
    assert drop_routes(source, request)[0] == "from . import orders\nREGISTERED = []\n"


def test_a_pair_naming_a_dropped_blueprint_goes_whole() -> None:
    source = """from .api import api as api_bp
from .main import main as main_bp

for blueprint, prefix in (
    (main_bp, None),
    (api_bp, "/api/v1"),
):
    app.register_blueprint(blueprint, url_prefix=prefix)
PREFIXES = [[main_bp, "/"], [api_bp, "/api"]]
"""
    request = DropRequest("clinic", True, blueprint_objects=frozenset({("clinic.main", "main")}))
    assert (
        drop_routes(source, request)[0]
        == """from .api import api as api_bp

for blueprint, prefix in (
    (api_bp, "/api/v1"),
):
    app.register_blueprint(blueprint, url_prefix=prefix)
PREFIXES = [[api_bp, "/api"]]
"""
    )


def test_a_dict_entry_keyed_or_valued_by_a_dropped_blueprint_goes() -> None:
    source = (
        "from shop.a import bp as a\nfrom shop.b import bp as b\n"
        'PREFIXES = {"/a": a, "/b": b}\nNAMES = {b: "b", a: "a"}\n'
    )
    request = DropRequest("shop.app", False, blueprint_objects=frozenset({("shop.b", "bp")}))
    assert drop_routes(source, request)[0] == (
        'from shop.a import bp as a\nPREFIXES = {"/a": a}\nNAMES = {a: "a"}\n'
    )


def test_only_imports_the_removed_code_used_go() -> None:
    imports = "import side_effect\nfrom flask import Flask, jsonify\n"
    before = imports + "def f():\n    return jsonify(1)\napp = Flask(__name__)\n"
    after = imports + "app = Flask(__name__)\n"
    assert remove_orphaned_imports(before, after) == (
        "import side_effect\nfrom flask import Flask\napp = Flask(__name__)\n"
    )


def test_imports_of_the_monolith_move_under_the_service_package() -> None:
    source = """import os, shop.db  # both
import shop.settings as settings
from shop.reviews.views import bp
from . import sibling
from flask import Flask

app = Flask("shop")
other = Flask(__name__)
"""
    assert (
        rename_package(source, "svc", {"shop"})
        == """import os  # both
from svc import shop
import svc.shop.db
import svc.shop.settings as settings
from svc.shop.reviews.views import bp
from . import sibling
from flask import Flask

app = Flask("svc.shop")
other = Flask(__name__)
"""
    )


def test_the_service_database_is_set_right_before_extensions_read_it() -> None:
    source = """def create_app():
    app = Flask(__name__)
    app.config.from_object("shop.config")
    db.init_app(app)
    return app
"""
    code, inserted = insert_database_settings(source, "create_app", "svc.service_settings")
    assert inserted
    assert (
        code
        == """def create_app():
    app = Flask(__name__)
    app.config.from_object("shop.config")
    from svc.service_settings import database_settings  # strangler extract: its own database
    app.config.update(database_settings())
    db.init_app(app)
    return app
"""
    )


def test_a_helper_that_sets_up_the_extensions_gets_the_setting_before_its_call() -> None:
    source = """def create_app(config_object="clinic.settings"):
    app = Flask(__name__)
    app.config.from_object(config_object)
    register_blueprints(app)
    register_extensions(app)
    return app


def register_extensions(app):
    db.init_app(app)
"""
    code, inserted = insert_database_settings(source, "create_app", "svc.service_settings")
    assert inserted
    assert code.splitlines()[3:6] == [
        "    register_blueprints(app)",
        "    from svc.service_settings import database_settings"
        "  # strangler extract: its own database",
        "    app.config.update(database_settings())",
    ]
    assert code.splitlines()[6] == "    register_extensions(app)"


def test_a_module_level_app_gets_the_setting_before_sqlalchemy_app() -> None:
    source = "app = Flask(__name__)\ndb = SQLAlchemy(app)\n"
    code, inserted = insert_database_settings(source, None, "svc.settings")
    assert inserted
    assert code.splitlines()[1:3] == [
        "from svc.settings import database_settings  # strangler extract: its own database",
        "app.config.update(database_settings())",
    ]


def test_no_place_for_the_setting_is_reported() -> None:
    source = "def create_app():\n    return Flask(__name__)\n"
    assert insert_database_settings(source, "create_app", "svc.settings") == (source, False)


def test_views_made_in_a_blueprint_factory_go_unless_something_else_names_them() -> None:
    source = """def construct_blueprint(store):
    bp = Blueprint("tags", __name__)

    @bp.get("/tags")
    def tags():
        return store.tags()

    @bp.post("/tags/<uuid>/delete")
    def delete(uuid):
        return store.delete(uuid)

    def export(uuid):
        return store.export(uuid)

    bp.add_url_rule("/tags/<uuid>/export", view_func=export)
    return bp
"""
    wanted = {
        "construct_blueprint.<locals>.delete",
        "construct_blueprint.<locals>.export",  # undecorated, named by add_url_rule: stays
    }
    code, dropped = drop_routes(source, DropRequest("app.tags", False, functions=frozenset(wanted)))
    assert dropped.functions == ["construct_blueprint.<locals>.delete"]
    assert '@bp.post("/tags/<uuid>/delete")' not in code
    assert "def tags():" in code and "def export(uuid):" in code


def test_an_import_other_modules_take_from_this_one_stays() -> None:
    """changedetection.io's views import `login_optionally_required` from flask_app, which
    itself only imported it for views the extractor took out."""
    imports = "from .auth import login_optionally_required, other\n"
    before = imports + "@login_optionally_required\ndef view():\n    return other()\n"
    after = imports
    assert remove_orphaned_imports(before, after).strip() == ""
    assert remove_orphaned_imports(before, after, {"login_optionally_required"}) == (
        "from .auth import login_optionally_required\n"
    )
