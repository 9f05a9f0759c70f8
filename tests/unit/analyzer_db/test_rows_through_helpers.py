"""Rows of a query passed through helpers that sort, page or slice it (anitya's `Project.all`
and `Project.search`: `cls.sort_projects(query, sort)` returns `items.order_by(...)` or the
sorted list, `_paginate_query(query, page)` returns `query.offset(...).limit(...)` or `query`),
then iterated by a view (`for project in Project.all(session)`, `[p.__json__() for p in
projects]`): each row is the model the helpers were handed, so its relationships and the
methods run on it count. Expectations written by hand from the code below; a factory of a
class that is no model (`Cache.load`) gives rows of nothing."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

HELPERS_APP = {
    "app.py": """
        import sqlalchemy as sa
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)

        def _paged(query, page):
            if page:
                query = query.offset((page - 1) * 20).limit(20)
            return query

        class Project(db.Model):
            __tablename__ = "projects"
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            packages = db.relationship("Package")
            versions = db.relationship("Version")

            def to_json(self):
                return {"name": self.name, "versions": [v.name for v in self.versions]}

            @classmethod
            def listed(cls, session, page=None, sort=None):
                query = cls.sorted_by(session.query(Project), sort)
                return _paged(query, page).all()

            @classmethod
            def found(cls, session, name, page=None):
                exact = session.query(cls).filter(cls.name == name)
                query = exact.distinct()
                query = cls.sorted_by(query, None)
                return _paged(query, page).all()

            @classmethod
            def sorted_by(cls, items, sort):
                if isinstance(items, sa.orm.Query):
                    return items.order_by(Project.name)
                items.sort(key=lambda project: project.name, reverse=sort == "desc")
                return items

        class Package(db.Model):
            __tablename__ = "packages"
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            project_id = db.Column(db.Integer, db.ForeignKey("projects.id"))

        class Version(db.Model):
            __tablename__ = "versions"
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            project_id = db.Column(db.Integer, db.ForeignKey("projects.id"))

        class Cache:
            @classmethod
            def load(cls, name):
                return []

        @app.route("/wiki")
        def wiki():
            lines = []
            for project in Project.listed(db.session):
                for package in project.packages:
                    lines.append(package.name)
            return "\\n".join(lines)

        @app.route("/projects")
        def projects():
            listed = Project.listed(db.session, page=1)
            return str([project.to_json() for project in listed])

        @app.route("/found/<name>")
        def found(name):
            return str([project.to_json() for project in Project.found(db.session, name)])

        @app.route("/cached/<name>")
        def cached(name):
            return str(sum(len(entry.packages) for entry in Cache.load(name)))
    """,
}


def test_rows_sorted_and_paged_by_helpers_keep_their_model(tmp_path: Path) -> None:
    access = route_access(tmp_path, HELPERS_APP)
    # `project.packages` on each row `listed` returns through `sorted_by` and `_paged`
    assert access["wiki"].reads == ("projects",)
    assert access["wiki"].indirect == ("packages",)
    # `to_json()` run on each row reads `self.versions`
    assert access["projects"].indirect == ("versions",)
    # rows of a query narrowed into another variable, then sorted and paged
    assert access["found"].reads == ("projects",)
    assert access["found"].indirect == ("versions",)


def test_rows_of_a_class_that_is_no_model_read_nothing(tmp_path: Path) -> None:
    access = route_access(tmp_path, HELPERS_APP)
    assert access["cached"].reads == ()
    assert access["cached"].indirect == ()
