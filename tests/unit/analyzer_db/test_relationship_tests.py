"""`M.rel.any(...)` / `M.rel.has(...)` in a filter is an EXISTS subquery over the
relationship's tables (the association table of a many-to-many one included)."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access, teams_and_people_app

APP = teams_and_people_app(
    """
    @app.route("/teams/with/<int:person_id>")
    def teams_with(person_id):
        return str(Team.query.filter(Team.people.any(id=person_id)).count())
"""
)


def test_a_relationship_test_reads_its_tables(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    assert access["teams_with"].reads == ("teams",)
    assert set(access["teams_with"].indirect) == {"people", "members"}


CONTAINS_APP = teams_and_people_app(
    """
    @app.route("/teams/of/<int:person_id>")
    def teams_of(person_id):
        person = Person.query.get(person_id)
        return str(Team.query.filter(Team.people.contains(person)).count())

    @app.route("/teams/named/<name>")
    def teams_named(name):
        return str(Team.query.filter(Team.name.contains(name)).count())
"""
)


def test_a_collection_contains_test_reads_its_tables(tmp_path: Path) -> None:
    """`M.rel.contains(obj)` (zou's `Task.assignees.contains(person)`) is a comparison over
    the relationship's association table; a column's `contains` (LIKE) reads nothing more."""
    access = route_access(tmp_path, {"app.py": CONTAINS_APP})
    assert set(access["teams_of"].reads) == {"teams", "people"}  # people: Person.query.get
    assert access["teams_of"].indirect == ("members",)
    assert access["teams_named"].reads == ("teams",)
    assert access["teams_named"].indirect == ()


LINK_MODEL_APP = """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from models import Task

    app = Flask(__name__)

    @app.route("/tasks/<int:task_id>/assignees")
    def assignees(task_id):
        task = Task.query.get(task_id)
        return str(len(task.assignees))
"""

LINK_MODELS = """
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    class TaskPersonLink(db.Model):
        __tablename__ = "task_person_link"
        task_id = db.Column(db.ForeignKey("task.id"), primary_key=True)
        person_id = db.Column(db.ForeignKey("person.id"), primary_key=True)

    class Person(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Task(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        assignees = db.relationship("Person", secondary=TaskPersonLink.__table__)
"""


def test_a_secondary_given_as_a_models_table_is_that_models_table(tmp_path: Path) -> None:
    """`relationship(..., secondary=Link.__table__)` (zou's association models) goes through
    the link model's table."""
    access = route_access(tmp_path, {"app.py": LINK_MODEL_APP, "models.py": LINK_MODELS})
    assert set(access["assignees"].indirect) == {"person", "task_person_link"}
