"""Rows of a SQLAlchemy 2.0 statement kept in a local before it runs (privacyidea's
`stmt = select(CAConnector).where(...)`, then `db.session.scalars(stmt).all()`,
`db.session.scalar(stmt)` or `db.session.execute(stmt).scalar_one_or_none()`): instances of
the statement's model, whose relationships, changes and deletes count as on any loaded row."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

STATEMENT_APP = {
    "app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy import func, select

        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Connector(db.Model):
            __tablename__ = "caconnector"
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            caconfig = db.relationship("ConnectorConfig", lazy="dynamic")

        class ConnectorConfig(db.Model):
            __tablename__ = "caconnectorconfig"
            id = db.Column(db.Integer, primary_key=True)
            connector_id = db.Column(db.Integer, db.ForeignKey("caconnector.id"))

        class Realm(db.Model):
            __tablename__ = "realm"
            id = db.Column(db.Integer, primary_key=True)
            default = db.Column(db.Boolean)

        @app.route("/connectors/<name>")
        def connector(name):
            stmt = select(Connector).where(func.lower(Connector.name) == name.lower())
            connectors = db.session.scalars(stmt).all()
            return str([conf.id for conn in connectors for conf in conn.caconfig])

        @app.route("/connectors")
        def connectors(kind=None):
            stmt = select(Connector)
            if kind:
                stmt = stmt.filter(Connector.name == kind)
            for conn in db.session.scalars(stmt):
                for conf in conn.caconfig:
                    print(conf)
            return "listed"

        @app.route("/defaultrealm", methods=["DELETE"])
        def clear_default_realm():
            stmt = select(Realm).filter_by(default=True)
            existing = db.session.scalar(stmt)
            if existing:
                existing.default = False
            db.session.commit()
            return "cleared"

        @app.route("/realms/<int:realm_id>", methods=["DELETE"])
        def delete_realm(realm_id):
            stmt = select(Realm).where(Realm.id == realm_id)
            realm = db.session.execute(stmt).scalar_one_or_none()
            db.session.delete(realm)
            db.session.commit()
            return "deleted"
    """,
}


def test_the_rows_of_a_statement_kept_in_a_local_are_its_models(tmp_path: Path) -> None:
    access = route_access(tmp_path, STATEMENT_APP)
    # `conn.caconfig`: a relationship of a Connector row, whichever way the rows are run
    assert access["connector"].reads == ("caconnector",)
    assert access["connector"].indirect == ("caconnectorconfig",)
    assert access["connectors"].indirect == ("caconnectorconfig",)
    # a row changed and committed, a row deleted
    assert access["clear_default_realm"].writes == ("realm",)
    assert access["delete_realm"].writes == ("realm",)
