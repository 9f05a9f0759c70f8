"""Serializers that read attributes by the names of the ORM mapper (`getattr(self, name)` over
`inspect(cls).all_orm_descriptors`, as zou's SerializerMixin does) read every relationship of
the model they run on, for the calls that choose those names (`serialize(relations=True)`);
a mixin classmethod returning its receiver's instance (`Team.get(id)`) types what helpers
return, so methods called on their results (`get_team_raw(id).serialize(...)`, `team =
get_team_raw(id); team.delete()`) are the model's.

Expected values are worked out by hand from the fixture's code, not copied from the analyzer.
"""

from __future__ import annotations

import ast
from pathlib import Path

from analyzer_projects import route_access

from analyzer.database.mapper_names import FunctionNode, MapperRead, mapper_reads

SERIALIZER = """
    from sqlalchemy.inspection import inspect

    from app.extensions import db

    class BaseMixin:
        @classmethod
        def get(cls, id):
            return db.session.get(cls, id)

        def delete(self):
            db.session.delete(self)
            db.session.commit()

    class SerializerMixin:
        @classmethod
        def _attribute_names(cls):
            cached = cls.__dict__.get("_names")
            if cached is None:
                names = tuple(inspect(cls).all_orm_descriptors.keys())
                plain = tuple(name for name in names if not name.startswith("_"))
                cached = (names, plain)
            return cached

        def serialize(self, relations=False):
            every, plain = self._attribute_names()
            names = every if relations else plain
            return {name: str(getattr(self, name)) for name in names}

        def columns(self):
            return {column.name: getattr(self, column.name) for column in self.__table__.columns}

        def relations(self):
            return {rel.key: getattr(self, rel.key) for rel in inspect(self).mapper.relationships}
"""

MODELS = """
    from app.extensions import db
    from app.mixins import BaseMixin, SerializerMixin

    members = db.Table(
        "members",
        db.Column("team_id", db.Integer, db.ForeignKey("teams.id")),
        db.Column("person_id", db.Integer, db.ForeignKey("people.id")),
    )

    class Person(db.Model, BaseMixin, SerializerMixin):
        __tablename__ = "people"
        id = db.Column(db.Integer, primary_key=True)

    class Team(db.Model, BaseMixin, SerializerMixin):
        __tablename__ = "teams"
        id = db.Column(db.Integer, primary_key=True)
        league_id = db.Column(db.Integer, db.ForeignKey("leagues.id"))
        people = db.relationship(Person, secondary=members)

    class League(db.Model, BaseMixin, SerializerMixin):
        __tablename__ = "leagues"
        id = db.Column(db.Integer, primary_key=True)
        teams = db.relationship(Team)

        def serialize(self, relations=False):
            data = super().serialize(relations=relations)
            data["type"] = "League"
            return data

        def present(self, relations=False):
            return self.serialize(relations=relations)
"""

SERVICES = """
    from app.models import Team

    def get_team_raw(team_id):
        team = Team.get(team_id)
        if team is None:
            raise LookupError(team_id)
        return team

    def get_team(team_id, relations=False):
        return get_team_raw(team_id).serialize(relations=relations)

    def delete_team(team_id):
        team = get_team_raw(team_id)
        for person in team.people:
            person.delete()
        team.delete()
"""

VIEWS = """
    from flask import Flask

    from app import services
    from app.models import League, Team

    app = Flask(__name__)

    @app.route("/teams/<int:team_id>")
    def team(team_id):
        return services.get_team(team_id)

    @app.route("/teams/<int:team_id>/full")
    def full_team(team_id):
        return services.get_team(team_id, relations=True)

    @app.route("/teams/<int:team_id>/columns")
    def team_columns(team_id):
        return Team.get(team_id).columns()

    @app.route("/teams/<int:team_id>/relations")
    def team_relations(team_id):
        team = services.get_team_raw(team_id)
        return team.relations()

    @app.route("/leagues/<int:league_id>")
    def league(league_id):
        return League.get(league_id).present()

    @app.route("/leagues/<int:league_id>/full")
    def full_league(league_id):
        return League.get(league_id).present(relations=True)

    @app.route("/teams/<int:team_id>", methods=["DELETE"])
    def remove_team(team_id):
        services.delete_team(team_id)
        return ""
"""


def _access(tmp_path: Path) -> dict:
    return route_access(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/mixins.py": SERIALIZER,
            "app/models.py": MODELS,
            "app/services.py": SERVICES,
            "app/views.py": VIEWS,
        },
    )


def test_a_serializer_over_the_mappers_names_reads_every_relationship_when_asked(
    tmp_path: Path,
) -> None:
    access = _access(tmp_path)
    # Team.get (BaseMixin.get: session.get(cls, id)) reads teams; serialize() keeps the plain
    # names (a filtered list: no relationship known to be in it)
    assert access["team"].reads == ("teams",)
    assert access["team"].indirect == ()
    # relations=True, handed on by get_team to serialize: Team.people, through members
    assert access["full_team"].reads == ("teams",)
    assert set(access["full_team"].indirect) == {"people", "members"}
    # the table's columns name no relationship
    assert access["team_columns"].reads == ("teams",)
    assert access["team_columns"].indirect == ()
    # the mapper's relationships, on what get_team_raw returns (Team.get's Team)
    assert set(access["team_relations"].indirect) == {"people", "members"}


def test_an_instance_a_helper_returns_from_a_mixin_classmethod_is_the_models(
    tmp_path: Path,
) -> None:
    """zou's `delete_chat_message`: `message = get_chat_message_raw(id)` holds
    `ChatMessage.get(id)`; its `delete()` and its attachments' write their tables."""
    removed = _access(tmp_path)["remove_team"]
    assert set(removed.writes) == {"teams", "people"}
    # `team.people` read (people, written too, so not "only indirect", and members)
    assert removed.indirect == ("members",)
    assert ("people", "read") in {(use.table, use.mode) for use in removed.evidence}


def test_a_serializer_reached_through_super_and_own_methods_keeps_its_guard(
    tmp_path: Path,
) -> None:
    """zou's `Entity.serialize` calls `super(Entity, self).serialize(relations=relations)`:
    League.present(relations) -> League.serialize(relations) -> the mixin's, each handing
    `relations` on; the call passing True reads League.teams, the one leaving it out does not."""
    access = _access(tmp_path)
    assert access["league"].reads == ("leagues",)
    assert access["league"].indirect == ()
    assert access["full_league"].reads == ("leagues",)
    assert access["full_league"].indirect == ("teams",)


def _reads(source: str) -> list[MapperRead]:
    tree = ast.parse(source)
    klass = tree.body[0]
    assert isinstance(klass, ast.ClassDef)
    methods = {n.name: n for n in klass.body if isinstance(n, ast.FunctionDef)}

    def method(name: str) -> FunctionNode | None:
        return methods.get(name)

    return mapper_reads(methods["to_dict"], "self", method)


def test_the_mapper_idioms_that_list_every_relationship() -> None:
    every = (
        "class M:\n"
        "    def to_dict(self, full=True):\n"
        "        a = {k: getattr(self, k) for k in inspect(self).attrs.keys()}\n"  # line 3
        "        for rel in self.__mapper__.relationships:\n"
        "            a[rel.key] = getattr(self, rel.key)\n"  # line 5
        "        for prop in class_mapper(type(self)).iterate_properties:\n"
        "            a[prop.key] = getattr(self, prop.key)\n"  # line 7
        "        names = [c.key for c in inspect(self.__class__).mapper.relationships]\n"
        "        return [getattr(self, n) for n in (names if not full else [])]\n"  # line 9
    )
    assert _reads(every) == [
        MapperRead(3),
        MapperRead(5),
        MapperRead(7),
        MapperRead(9, (("full", True),)),  # chosen when `full` is falsy
    ]


def test_columns_filtered_names_and_other_objects_list_no_relationship() -> None:
    none = (
        "class M:\n"
        "    def to_dict(self, other):\n"
        "        a = {c.name: getattr(self, c.name) for c in self.__table__.columns}\n"
        "        b = {k: getattr(self, k) for k in inspect(self).mapper.column_attrs}\n"
        "        keep = [k for k in inspect(self).attrs.keys() if k != 'x']\n"
        "        c = {k: getattr(self, k) for k in keep}\n"
        "        d = {k: getattr(other, k) for k in inspect(other).attrs.keys()}\n"
        "        return {k: getattr(self, k) for k in inspect.getmembers(self)}\n"
    )
    assert _reads(none) == []
