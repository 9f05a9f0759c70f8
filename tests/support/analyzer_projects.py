"""Analyze a small project written into a temporary directory, without cache or workers."""

from __future__ import annotations

import textwrap
from pathlib import Path

from analyzer.resolution.results import Access, Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project

# teams and people, many-to-many through `members` (an app module's body: it needs `Flask`
# and `SQLAlchemy` imported before it)
_TEAMS_AND_PEOPLE = """
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
"""


def teams_and_people_app(body: str, flask_names: str = "Flask") -> str:
    """An app module: `flask_names` imported from flask, SQLAlchemy, teams and people
    (many-to-many through `members`), then `body` (dedented as they are)."""
    imports = f"""
    from flask import {flask_names}
    from flask_sqlalchemy import SQLAlchemy
"""
    return imports + _TEAMS_AND_PEOPLE + body


def id_only_models_app(models: tuple[str, ...], body: str, flask_names: str = "Flask") -> str:
    """An app module: `flask_names` imported from flask, SQLAlchemy, an app and its `db`, a
    model with only an `id` for each name in `models` (table: the name in lower case), then
    `body` (indented as the models are, eight spaces)."""
    declared = "".join(
        f"""
        class {name}(db.Model):
            id = db.Column(db.Integer, primary_key=True)
"""
        for name in models
    )
    return (
        f"""
        from flask import {flask_names}
        from flask_sqlalchemy import SQLAlchemy

        app = Flask(__name__)
        db = SQLAlchemy(app)
"""
        + declared
        + body
    )


def lowercase_declarative_base(body: str = "") -> str:
    """A models package's `__init__` (indented source): a scoped `db_session` and an
    `@as_declarative()` BaseModel naming each model's table by its lower-cased class name
    (timesketch's), with `body` (indented as a class body) in the class."""
    return (
        """
        from flask import abort
        from sqlalchemy import Column, Integer
        from sqlalchemy.ext.declarative import declared_attr
        from sqlalchemy.orm import as_declarative, scoped_session, sessionmaker

        db_session = scoped_session(sessionmaker())

        @as_declarative()
        class BaseModel:
            @declared_attr
            def __tablename__(self):
                return self.__name__.lower()

            id = Column(Integer, primary_key=True)
"""
        + body
    )


def analyze(path: Path) -> Analysis:
    return analyze_project(path, AnalyzeOptions(use_cache=False, show_progress=False, workers=1))


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def write_dedented(root: Path, files: dict[str, str]) -> Path:
    """`files` (path -> indented source) written under `root`, folders made as needed."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def by_endpoint(analysis: Analysis) -> dict[str, Access]:
    """Each route's table access, by its endpoint."""
    return {endpoint: access for (_, _, endpoint), access in analysis.route_access.items()}


def route_access(root: Path, files: dict[str, str]) -> dict[str, Access]:
    """The table access, by endpoint, of the project made of `files` (see write_dedented)."""
    return by_endpoint(analyze(write_dedented(root, files)))
