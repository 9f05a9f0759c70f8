"""A branch taken only when an optional parameter is given (`if users: role.users = users`)
counts for the calls that pass it, not for those that leave it out."""

from __future__ import annotations

import textwrap
from pathlib import Path

from analyzer.usecases import AnalyzeOptions, analyze_project

APP = """
    from flask import Flask, request
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

    def create_team(name, people=None, note=""):
        team = Team(name=name)
        if people:
            team.people = people
        if note is not None:
            team.note = note
        db.session.add(team)
        db.session.commit()
        return team

    @app.route("/teams", methods=["POST"])
    def new_team():
        create_team(request.json["name"])
        return "made"

    @app.route("/teams/full", methods=["POST"])
    def new_full_team():
        create_team(request.json["name"], request.json["people"])
        return "made"

    @app.route("/teams/none", methods=["POST"])
    def new_team_without_people():
        create_team(request.json["name"], people=None)
        return "made"
"""


def test_an_optional_parameters_branch_counts_only_where_it_is_passed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    analysis = analyze_project(tmp_path, options)
    access = {endpoint: a for (_, _, endpoint), a in analysis.route_access.items()}
    assert access["new_team"].writes == ("teams",)
    assert access["new_team_without_people"].writes == ("teams",)
    assert set(access["new_full_team"].writes) == {"teams", "members"}
