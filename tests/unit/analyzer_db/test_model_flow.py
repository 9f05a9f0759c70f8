"""Models handed to generic project helpers (`database.get(Model, id)`, `database.create(obj)`)
and carried back by their results: each calling route gets the tables of its own model."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import analyze, by_endpoint, write_dedented

from analyzer.resolution.results import Analysis

MODELS = """
    from app.extensions import db

    roles_users = db.Table(
        "roles_users",
        db.Column("user_id", db.Integer, db.ForeignKey("users.id")),
        db.Column("role_id", db.Integer, db.ForeignKey("roles.id")),
    )

    class Role(db.Model):
        __tablename__ = "roles"
        id = db.Column(db.Integer, primary_key=True)

    class User(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String)
        roles = db.relationship("Role", secondary=roles_users)

    class Note(db.Model):
        __tablename__ = "notes"
        id = db.Column(db.Integer, primary_key=True)
"""

DATABASE = """
    from app.extensions import db

    def session_query(model):
        return model.query if hasattr(model, "query") else db.session.query(model)

    def get(model, value, field="id"):
        query = session_query(model)
        return query.filter(getattr(model, field) == value).scalar()

    def create(model):
        db.session.add(model)
        db.session.commit()
        return model

    def update(model):
        db.session.commit()
        return model
"""

VIEWS = """
    from flask import Flask
    from app import database
    from app.models import Note, User

    app = Flask(__name__)

    def get_user(user_id):
        return database.get(User, user_id)

    @app.route("/users/<int:user_id>/roles")
    def user_roles(user_id):
        user = get_user(user_id)
        return str(len(user.roles))

    @app.route("/notes/<int:note_id>")
    def note(note_id):
        return str(database.get(Note, note_id))

    @app.route("/notes", methods=["POST"])
    def new_note():
        note = Note()
        database.create(note)
        return "made"

    @app.route("/users/<int:user_id>", methods=["PUT"])
    def rename(user_id):
        user = database.get(User, user_id)
        user = rename_user(user)
        return str(len(user.roles))

    def rename_user(user):
        user.name = "new"
        return database.update(user)

    @app.route("/notes/<int:note_id>", methods=["PATCH"])
    def patch_note(note_id):
        note = database.get(Note, note_id)
        for key, value in {"id": note_id}.items():
            setattr(note, key, value)
        return str(database.update(note))
"""


def _analyze(root: Path) -> Analysis:
    files = {
        "app/__init__.py": "",
        "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
        "app/models.py": MODELS,
        "app/database.py": DATABASE,
        "app/views.py": VIEWS,
    }
    return analyze(write_dedented(root, files))


def test_each_caller_of_a_generic_helper_gets_its_own_models_table(tmp_path: Path) -> None:
    access = by_endpoint(_analyze(tmp_path))
    # get(model) reads through session_query(model): Note here, User through get_user
    assert access["note"].reads == ("notes",)
    assert access["note"].writes == ()
    # get_user returns database.get's result, an instance of the User passed there
    assert access["user_roles"].reads == ("users",)
    assert set(access["user_roles"].indirect) == {"roles", "roles_users"}
    # create(model) adds the instance it is given
    assert access["new_note"].writes == ("notes",)
    # a loaded instance changed and handed to a helper that commits; `user =
    # rename_user(user)` keeps the User type for `user.roles`
    assert access["rename"].reads == ("users",)
    assert access["rename"].writes == ("users",)
    assert set(access["rename"].indirect) == {"roles", "roles_users"}
    # setattr changes the instance as an assignment does
    assert access["patch_note"].writes == ("notes",)


CLASS_METHOD_APP = {
    "app.py": """
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy

        from services import create_instance, get_instance

        app = Flask(__name__)
        db = SQLAlchemy(app)

        class BaseMixin:
            @classmethod
            def get(cls, id):
                return db.session.get(cls, id)

            @classmethod
            def create(cls, **kw):
                instance = cls(**kw)
                db.session.add(instance)
                db.session.commit()
                return instance

        class Entity(db.Model, BaseMixin):
            id = db.Column(db.Integer, primary_key=True)

        class Chat(db.Model, BaseMixin):
            id = db.Column(db.Integer, primary_key=True)

        @app.route("/entities/<int:entity_id>")
        def entity(entity_id):
            return str(get_instance(Entity, entity_id).id)

        @app.route("/chats", methods=["POST"])
        def new_chat():
            return str(create_instance(Chat).id)
    """,
    "services.py": """
        def get_instance(model, instance_id):
            instance = model.get(instance_id)
            if instance is None:
                raise LookupError(instance_id)
            return instance

        def create_instance(model):
            return model.create()
    """,
}


def test_a_classmethod_called_on_a_model_class_passed_in_uses_that_models_table(
    tmp_path: Path,
) -> None:
    """zou's `base_service.get_instance(Entity, id, ...)` runs `model.get(id)`, BaseMixin's
    classmethod, on the class its caller passes: that model's table, per caller."""
    access = by_endpoint(analyze(write_dedented(tmp_path, CLASS_METHOD_APP)))
    assert access["entity"].reads == ("entity",)
    assert access["entity"].writes == ()
    assert access["new_chat"].writes == ("chat",)
    assert "entity" not in access["new_chat"].reads
