"""Models on a declarative base a library defines, outside the analyzed tree (anitya's
`from sqlalchemy_helpers import Base`, a `DeclarativeBase` subclass, then `class
Project(Base): __tablename__ = "projects"`, `db/models.py:191`): a class naming its own
table (`__tablename__`, `__table__`) on a base the analyzer cannot read is a SQLAlchemy
mapping, so its table is its own. A class on such a base that names no table is no model: its
columns alone do not say the base is declarative. Expectations written by hand from the app
below."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

LIBRARY_BASE_APP = {
    "models.py": """
        import sqlalchemy as sa
        from sqlalchemy_helpers import Base
        from some_forms import Form

        class Distro(Base):
            __tablename__ = "distros"
            name = sa.Column(sa.String(200), primary_key=True)

        class Project(Base):
            __tablename__ = "projects"
            id = sa.Column(sa.Integer, primary_key=True)
            distro_name = sa.Column(sa.String(200), sa.ForeignKey("distros.name"))
            distro = sa.orm.relationship("Distro")

        class Search(Form):
            pattern = sa.Column(sa.String(200))
    """,
    "app.py": """
        from flask import Flask
        from sqlalchemy_helpers.flask_ext import DatabaseExtension

        from models import Project, Search

        app = Flask(__name__)
        db = DatabaseExtension(app)

        @app.route("/projects/<int:project_id>")
        def project(project_id):
            found = db.session.query(Project).filter_by(id=project_id).first()
            return found.distro.name

        @app.route("/projects/<int:project_id>", methods=["DELETE"])
        def delete_project(project_id):
            db.session.delete(db.session.get(Project, project_id))
            db.session.commit()
            return "deleted"

        @app.route("/search")
        def search():
            return str(db.session.query(Search).all())
    """,
}


def test_a_model_naming_its_table_on_a_library_base_maps_to_it(tmp_path: Path) -> None:
    access = route_access(tmp_path, LIBRARY_BASE_APP)
    assert access["project"].reads == ("projects",)
    assert access["project"].indirect == ("distros",)  # `found.distro`, a relationship
    assert access["delete_project"].writes == ("projects",)
    assert access["search"].reads == ()
