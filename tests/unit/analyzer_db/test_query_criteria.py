"""Models named only in a query's criteria (anitya's `session.query(cls).filter(Project.id ==
Packages.project_id)`, ihatemoney's `Person.query.filter(...).filter(Project.id == ...)`,
FlaskBB's `Post.query.filter(Post.topic_id == Topic.id, Topic.forum_id == Forum.id)`): a
column in `filter`, `filter_by`, `where`, `order_by`, `group_by`, `having` or a join's ON
clause puts its table in the FROM list, so the query reads it. Expectations written by hand
from the code below: what a helper called in a criterion reads is the helper's, a class
CONSTANT is no column, a bulk delete or an `update(M)` writes its own table without reading
it, and the rows of a query stay its own model's (no eager loads of a criterion's model)."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

CRITERIA_APP = {
    "app.py": """
        import sqlalchemy as sa
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy import and_, func, select, update

        app = Flask(__name__)
        db = SQLAlchemy(app)

        class Project(db.Model):
            __tablename__ = "projects"
            KIND_DEFAULT = "plain"
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String)
            kind = db.Column(db.String)

        class Package(db.Model):
            __tablename__ = "packages"
            id = db.Column(db.Integer, primary_key=True)
            project_id = db.Column(db.Integer, db.ForeignKey("projects.id"))
            distro = db.Column(db.String)
            Name = db.Column(db.String)
            project = db.relationship("Project", lazy="joined")

        class Distro(db.Model):
            __tablename__ = "distros"
            name = db.Column(db.String, primary_key=True)
            rank = db.Column(db.Integer)

        class Flag(db.Model):
            __tablename__ = "flags"
            id = db.Column(db.Integer, primary_key=True)
            project_id = db.Column(db.Integer)

        CACHE = {}

        def cached_values(column):
            return CACHE.get(str(column), [])

        def search(session, distro):
            query = session.query(Project).filter(Project.id == Package.project_id)
            return query.filter(sa.func.lower(Package.distro) == sa.func.lower(distro)).all()

        @app.route("/projects/<distro>")
        def projects_in(distro):
            return str([p.id for p in search(db.session, distro)])

        @app.route("/ranked")
        def ranked():
            stmt = select(Package).where(and_(Package.distro == Distro.name, Distro.rank > 1))
            return str(len(db.session.scalars(stmt).all()))

        @app.route("/ordered")
        def ordered():
            return str(Project.query.order_by(func.lower(Distro.name).desc()).count())

        @app.route("/named/<name>")
        def named(name):
            return str(Project.query.filter(Package.Name == name).count())

        @app.route("/joined")
        def joined():
            query = db.session.query(Package).join(Project, Project.id == Distro.rank)
            return str(query.count())

        @app.route("/flagged")
        def flagged():
            return str(Project.query.filter(Project.id.in_(cached_values(Flag.project_id))).count())

        @app.route("/default")
        def default():
            return str(Project.query.filter(Project.kind == Package.KIND_DEFAULT).count())

        @app.route("/tagged/<name>")
        def tagged(name):
            return str(Project.query.filter(Project.labels.any(Distro.name == name)).count())

        @app.route("/purge/<distro>", methods=["POST"])
        def purge(distro):
            Package.query.filter(Package.distro == distro).delete()
            db.session.execute(update(Project).where(Project.name == distro).values(kind="x"))
            db.session.execute(Distro.__table__.delete().where(Distro.rank < 0))
            db.session.commit()
            return "purged"

        @app.route("/purge-named/<distro>", methods=["POST"])
        def purge_named(distro):
            Package.query.filter(Package.project_id == Project.id, Project.name == distro).delete()
            db.session.commit()
            return "purged"
    """,
}


def test_a_column_in_a_criterion_reads_its_table(tmp_path: Path) -> None:
    access = route_access(tmp_path, CRITERIA_APP)
    # filter through a helper, `sa.func.lower(...)` around the column
    assert access["projects_in"].reads == ("packages", "projects")
    # `where(and_(...))`; the rows are packages, whose joined `project` loads with them
    assert access["ranked"].reads == ("distros", "packages")
    assert access["ranked"].indirect == ("projects",)
    # `order_by(func.lower(M.x).desc())`; a column written like a class (`Package.Name`)
    assert access["ordered"].reads == ("distros", "projects")
    assert access["named"].reads == ("packages", "projects")
    assert access["named"].indirect == ()  # no package rows: no eager `project`
    # a join's ON clause
    assert access["joined"].reads == ("distros", "packages", "projects")


def test_what_is_no_column_of_a_criterion_reads_nothing(tmp_path: Path) -> None:
    access = route_access(tmp_path, CRITERIA_APP)
    # a column handed to a helper (which reads a cache) is no column of the criterion
    assert access["flagged"].reads == ("projects",)
    # a class CONSTANT of another model is a value, not a column
    assert access["default"].reads == ("projects",)
    # a relationship test's criterion is over its target: Project has no `labels`
    assert access["tagged"].reads == ("projects",)


def test_a_bulk_write_narrowed_by_criteria_reads_only_other_tables(tmp_path: Path) -> None:
    access = route_access(tmp_path, CRITERIA_APP)
    assert access["purge"].reads == ()
    assert access["purge"].writes == ("distros", "packages", "projects")
    assert access["purge_named"].reads == ("projects",)
    assert access["purge_named"].writes == ("packages",)
