"""Columns named like classes (privacyidea's `Key`, `Value`, `Type`): in `select(M.Key)` the
model is `M`, the first class-like name, whether `M` is imported by the module or by the
function itself (`from ..models import CustomUserAttribute` in `get_realm_delete_warnings`);
`M.Key` was taken for a model of its own and reported as unresolved. A column's query still
loads no rows, so the model's eager relationships are not read."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import analyze, by_endpoint, write_dedented

COLUMNS_APP = {
    "app/__init__.py": "",
    "app/models.py": """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()

        class Realm(db.Model):
            __tablename__ = "realm"
            id = db.Column(db.Integer, primary_key=True)

        class Attribute(db.Model):
            __tablename__ = "customuserattribute"
            id = db.Column(db.Integer, primary_key=True)
            Key = db.Column(db.String)
            realm_id = db.Column(db.Integer, db.ForeignKey("realm.id"))
            realm = db.relationship("Realm", lazy="joined")

        class Setting(db.Model):
            __tablename__ = "usersetting"
            id = db.Column(db.Integer, primary_key=True)
            Value = db.Column(db.String)
    """,
    "app/views.py": """
        from flask import Flask
        from sqlalchemy import select

        from app.models import Setting, db

        site = Flask(__name__)

        @site.route("/realms/<int:realm_id>/attributes")
        def attribute_keys(realm_id):
            from .models import Attribute

            stmt = select(Attribute.Key).where(Attribute.realm_id == realm_id).distinct()
            return str(sorted(db.session.scalars(stmt).all()))

        @site.route("/settings")
        def setting_values():
            return str(db.session.scalars(select(Setting.Value)).all())
    """,
}


def test_a_capitalized_column_belongs_to_the_model_before_it(tmp_path: Path) -> None:
    analysis = analyze(write_dedented(tmp_path, COLUMNS_APP))
    access = by_endpoint(analysis)
    assert access["attribute_keys"].reads == ("customuserattribute",)
    assert access["attribute_keys"].indirect == ()  # a column: no row, no eager `realm`
    assert access["setting_values"].reads == ("usersetting",)
    assert not [d for d in analysis.diagnostics if d.kind == "unresolved-model"]
