"""`M.rel.any(...)` / `M.rel.has(...)` in a filter is an EXISTS subquery over the
relationship's tables (the association table of a many-to-many one included)."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import TEAMS_AND_PEOPLE, route_access

APP = (
    """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
"""
    + TEAMS_AND_PEOPLE
    + """
    @app.route("/teams/with/<int:person_id>")
    def teams_with(person_id):
        return str(Team.query.filter(Team.people.any(id=person_id)).count())
"""
)


def test_a_relationship_test_reads_its_tables(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    assert access["teams_with"].reads == ("teams",)
    assert set(access["teams_with"].indirect) == {"people", "members"}
