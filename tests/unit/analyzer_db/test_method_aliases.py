"""A method bound to a second name in its class body (anitya's `get = by_id` under the
`by_id` classmethod, `db/models.py:549`): the class body's own names come first, as Python
looks them up there, so `Project.get(session, id)` runs `by_id` and reads its table. The
body's names stay the class body's: a method does not see them (a bare `by_id` in a method is
the module's). Expectations written by hand from the app below."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

ALIAS_APP = {
    "app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy import select

        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Distro(db.Model):
            __tablename__ = "distros"
            name = db.Column(db.String, primary_key=True)

        class Project(db.Model):
            __tablename__ = "projects"
            id = db.Column(db.Integer, primary_key=True)

            @classmethod
            def by_id(cls, session, project_id):
                return session.scalar(select(cls).filter_by(id=project_id))

            get = by_id

            def distro(self, name):
                return by_id(name)

        def by_id(name):
            return db.session.get(Distro, name)

        @app.route("/project/<int:project_id>")
        def project(project_id):
            found = Project.get(db.session, project_id)
            return str(found.id)

        @app.route("/project/<int:project_id>/distro/<name>")
        def project_distro(project_id, name):
            return str(Project(id=project_id).distro(name))

        def rows():
            return db.session.scalars(select(Distro)).all()

        def make_repository():
            class Repository:
                @staticmethod
                def rows():
                    return db.session.scalars(select(Project)).all()

                everything = rows

                @staticmethod
                def listing():
                    return rows()

            return Repository

        @app.route("/everything")
        def everything():
            return str(make_repository().everything())

        @app.route("/listing")
        def listing():
            return str(make_repository().listing())
    """,
}


def test_a_method_bound_to_another_name_in_its_class_body_runs_that_method(
    tmp_path: Path,
) -> None:
    access = route_access(tmp_path, ALIAS_APP)
    assert access["project"].reads == ("projects",)
    # the method's bare `by_id` is the module's function, not the class body's method
    assert access["project_distro"].reads == ("distros",)
    # the same in a class defined in a function: its methods see the function's names
    assert access["everything"].reads == ("projects",)
    assert access["listing"].reads == ("distros",)
