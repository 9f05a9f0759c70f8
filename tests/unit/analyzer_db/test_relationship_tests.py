"""`M.rel.any(...)` / `M.rel.has(...)` in a filter is an EXISTS subquery over the
relationship's tables (the association table of a many-to-many one included)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from analyzer.usecases import AnalyzeOptions, analyze_project

APP = """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    db = SQLAlchemy(app)

    members = db.Table(
        "members",
        db.Column("team_id", db.Integer, db.ForeignKey("teams.id")),
        db.Column("person_id", db.Integer, db.ForeignKey("people.id")),
    )

    class Person(db.Model):
        __tablename__ = "people"
        id = db.Column(db.Integer, primary_key=True)

    class Team(db.Model):
        __tablename__ = "teams"
        id = db.Column(db.Integer, primary_key=True)
        people = db.relationship(Person, secondary=members)

    @app.route("/teams/with/<int:person_id>")
    def teams_with(person_id):
        return str(Team.query.filter(Team.people.any(id=person_id)).count())
"""


def test_a_relationship_test_reads_its_tables(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    analysis = analyze_project(tmp_path, options)
    access = {endpoint: a for (_, _, endpoint), a in analysis.route_access.items()}
    assert access["teams_with"].reads == ("teams",)
    assert set(access["teams_with"].indirect) == {"people", "members"}
