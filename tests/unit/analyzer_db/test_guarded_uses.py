"""A branch taken only when an optional parameter is given (`if users: role.users = users`)
counts for the calls that pass it, not for those that leave it out."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import TEAMS_AND_PEOPLE, route_access

APP = (
    """
    from flask import Flask, request
    from flask_sqlalchemy import SQLAlchemy
"""
    + TEAMS_AND_PEOPLE
    + """
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
)


def test_an_optional_parameters_branch_counts_only_where_it_is_passed(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    assert access["new_team"].writes == ("teams",)
    assert access["new_team_without_people"].writes == ("teams",)
    assert set(access["new_full_team"].writes) == {"teams", "members"}
