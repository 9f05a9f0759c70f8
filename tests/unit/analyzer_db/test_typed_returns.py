"""Types an annotation promises where the code alone does not tell: privacyidea's
`get_one_token(serial=...) -> TokenClass | None` builds its object from a class found in a
registry at run time, and `TokenClass.get_as_dict()` reads `self.token.get()`, the model its
constructor keeps (`self.token = db_token`), annotated only where a subclass hands it on."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

MODELS = """
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    card_groups = db.Table(
        "card_groups",
        db.Column("card_id", db.Integer, db.ForeignKey("cards.id")),
        db.Column("group_id", db.Integer, db.ForeignKey("groups.id")),
    )

    class Group(db.Model):
        __tablename__ = "groups"
        id = db.Column(db.Integer, primary_key=True)

    class Owner(db.Model):
        __tablename__ = "owners"
        id = db.Column(db.Integer, primary_key=True)

    class Card(db.Model):
        __tablename__ = "cards"
        id = db.Column(db.Integer, primary_key=True)
        groups = db.relationship(Group, secondary=card_groups)

        def group_ids(self):
            return [group.id for group in self.groups]
"""

# `kind_of(...)` returns a class from a registry filled at run time: not known statically
CARDS = """
    from typing import Optional

    from models import Card, Owner, db

    REGISTRY = {}

    def kind_of(name):
        return REGISTRY.get(name)

    class CardObject:
        def __init__(self, db_card):
            self.card = db_card

        def as_dict(self):
            return self.card.group_ids()

        def owner_count(self):
            return 0

    class PaperCard(CardObject):
        def __init__(self, db_card: Card):
            CardObject.__init__(self, db_card)

        def owner_count(self):
            return Owner.query.count()

    class PlasticCard(CardObject):
        def __init__(self, db_card):
            super().__init__(db_card)

    class Wallet:
        def __init__(self, card: "Optional[Card]"):
            self.card = card

        def groups(self):
            return self.card.group_ids()

    class Plain:
        def as_dict(self):
            return []

    def get_card(serial) -> "CardObject | None":
        row = db.session.get(Card, serial)
        made = kind_of(row.kind)
        return made(row)

    def plain_card(serial) -> CardObject:
        return Plain()

    def find_card(serial) -> Optional[Card]:
        return kind_of(serial)
"""

APP = """
    from flask import Flask

    from cards import Wallet, find_card, get_card, kind_of, plain_card

    app = Flask(__name__)

    @app.route("/card/<serial>")
    def card(serial):
        found = get_card(serial)
        return str(found.as_dict())

    @app.route("/owners/<serial>")
    def owners(serial):
        return str(get_card(serial).owner_count())

    @app.route("/plain/<serial>")
    def plain(serial):
        return str(plain_card(serial).as_dict())

    @app.route("/groups/<serial>")
    def groups(serial):
        found = find_card(serial)
        return str(found.groups)

    @app.route("/wallet/<serial>")
    def wallet(serial):
        return str(Wallet(kind_of(serial)).groups())
"""

FILES = {"models.py": MODELS, "cards.py": CARDS, "app.py": APP}


def test_a_return_annotation_types_what_the_call_returns(tmp_path: Path) -> None:
    access = route_access(tmp_path, FILES)
    # get_card() returns an object of a class found at run time; its annotation says a
    # CardObject, whose as_dict() runs on the card its constructor keeps: a Card, as the
    # annotated subclass PaperCard hands it on (the other subclasses say nothing against it)
    card = access["card"]
    assert card.reads == ("cards",)
    assert set(card.indirect) == {"card_groups", "groups"}
    assert card.writes == ()


def test_an_annotated_model_result_has_its_relationships(tmp_path: Path) -> None:
    access = route_access(tmp_path, FILES)
    # find_card() -> Optional[Card]: its groups are read through card_groups
    assert access["groups"].reads == ()
    assert set(access["groups"].indirect) == {"card_groups", "groups"}


def test_an_optional_annotated_constructor_parameter_types_the_attribute(tmp_path: Path) -> None:
    access = route_access(tmp_path, FILES)
    # Wallet's card is annotated "Optional[Card]": self.card.group_ids() is Card's
    assert set(access["wallet"].indirect) == {"card_groups", "groups"}


def test_the_annotated_class_method_runs_not_a_subclass_override(tmp_path: Path) -> None:
    access = route_access(tmp_path, FILES)
    # CardObject.owner_count() runs for the annotated class; PaperCard's override does not
    assert access["owners"].reads == ("cards",)


def test_what_the_code_returns_wins_over_the_annotation(tmp_path: Path) -> None:
    access = route_access(tmp_path, FILES)
    # plain_card() returns a Plain(), whatever its annotation says: Plain.as_dict() runs
    assert access["plain"].reads == ()
    assert access["plain"].indirect == ()
