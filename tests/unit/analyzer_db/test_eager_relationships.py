"""A relationship declared `lazy="joined"` / `"selectin"` / `"subquery"` / `"immediate"` (or
`lazy=False`) is loaded whenever its model is: a route loading the model reads the
relationship's tables (the association table of a many-to-many one included), and the eager
relationships of what it loads in turn (zou's Chat.participants, Project.team,
EntityType.task_types; fittrackee's Equipment.equipment_type)."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

APP = """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import func, select, text

    app = Flask(__name__)
    db = SQLAlchemy(app)

    participants = db.Table(
        "chat_participant",
        db.Column("chat_id", db.ForeignKey("chat.id")),
        db.Column("person_id", db.ForeignKey("person.id")),
    )

    class Department(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Person(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        department_id = db.Column(db.ForeignKey("department.id"))
        department = db.relationship(Department, lazy=False)

    class Chat(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        participants = db.relationship("Person", secondary=participants, lazy="joined")

    class Message(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        chat_id = db.Column(db.ForeignKey("chat.id"))
        chat = db.relationship(Chat)
        files = db.relationship("Attachment", lazy="select")

    class Attachment(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        message_id = db.Column(db.ForeignKey("message.id"))

    @app.route("/chats/<int:chat_id>")
    def chat(chat_id):
        return str(Chat.query.get(chat_id).id)

    @app.route("/messages")
    def messages():
        return str(len(Message.query.all()))

    @app.route("/departments")
    def departments():
        return str(Department.query.count())

    @app.route("/chats/count")
    def chat_count():
        total = Chat.query.filter(Chat.id > 0).count()
        per_chat = db.session.query(func.count(Chat.id)).group_by(Chat.id).all()
        return str((total, per_chat))

    @app.route("/messages/of/chats")
    def messages_of_chats():
        return str(len(Message.query.join(Chat).all()))

    @app.route("/chats/raw")
    def raw_chats():
        chats = db.session.scalars(select(Chat).from_statement(text("SELECT * FROM chat")))
        return str(len(chats.all()))

    @app.route("/chats/selected")
    def selected_chats():
        return str(len(db.session.scalars(select(Chat)).all()))
"""


def test_loading_a_model_reads_its_eager_relationships(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    chat = access["chat"]
    assert set(chat.reads) | set(chat.indirect) == {
        "chat",
        "chat_participant",
        "person",
        "department",  # Person.department, lazy=False, loaded with the participants
    }
    assert set(chat.indirect) == {"chat_participant", "person", "department"}
    # lazy="select" (the default) and a plain many-to-one load nothing until used
    assert set(access["messages"].reads) | set(access["messages"].indirect) == {"message"}
    assert set(access["departments"].reads) | set(access["departments"].indirect) == {"department"}


def test_counting_or_joining_a_model_loads_none_of_its_rows(tmp_path: Path) -> None:
    """`.count()`, `query(func.count(M.id))`, a joined model and `select(M).from_statement(
    text)` (whose joined loaders read only what the statement selects) load nothing eagerly;
    `select(M)` run does."""
    access = route_access(tmp_path, {"app.py": APP})
    assert set(access["chat_count"].reads) | set(access["chat_count"].indirect) == {"chat"}
    joined = access["messages_of_chats"]
    assert set(joined.reads) | set(joined.indirect) == {"message", "chat"}
    assert set(access["raw_chats"].reads) | set(access["raw_chats"].indirect) == {"chat"}
    selected = access["selected_chats"]
    assert set(selected.indirect) == {"chat_participant", "person", "department"}
