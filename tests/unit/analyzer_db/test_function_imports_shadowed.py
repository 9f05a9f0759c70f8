"""A model imported inside a view by its absolute name (`from shop.models import Widget`)
in a module that binds the package's name to something else (`shop = Flask(__name__)`):
the import still names the package's module, so the view reads the model's table; an
attribute of the local object (`shop.config.get`) is still the object's, not a module's.
Expected values written by hand from the files below."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

SHADOWED_PACKAGE = {
    "shop/__init__.py": "",
    "shop/config.py": """
        DEBUG = False
    """,
    "shop/models.py": """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()

        class Widget(db.Model):
            __tablename__ = "widgets"
            id = db.Column(db.Integer, primary_key=True)

        class Gadget(db.Model):
            __tablename__ = "gadgets"
            id = db.Column(db.Integer, primary_key=True)
    """,
    "shop/web.py": """
        from flask import Flask

        shop = Flask(__name__)

        @shop.route("/widgets")
        def widgets():
            from shop.models import Widget
            return str(Widget.query.count())

        @shop.route("/gadgets", methods=["POST"])
        def add_gadget():
            import shop.models as models
            models.db.session.add(models.Gadget())
            models.db.session.commit()
            return "added"

        @shop.route("/debug")
        def debug():
            return str(shop.config.get("DEBUG"))
    """,
}


def test_a_function_import_names_the_package_module_even_when_the_module_shadows_it(
    tmp_path: Path,
) -> None:
    access = route_access(tmp_path, SHADOWED_PACKAGE)
    assert access["widgets"].reads == ("widgets",)
    assert access["add_gadget"].writes == ("gadgets",)
    assert (access["debug"].reads, access["debug"].writes) == ((), ())
