"""A class picked from a dict of model classes by a key known only at run time
(`{"object": Object, "file": File}[kind].access(identifier)`) stands for each class of the
dict: a method they all inherit runs (with each class's own overrides of what it calls on
`cls`), a method they define differently runs once per class, and what it returns is typed."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

from analyzer.resolution.results import Access

MODELS = """
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    class Tag(db.Model):
        __tablename__ = "tag"
        id = db.Column(db.Integer, primary_key=True)
        object_id = db.Column(db.Integer, db.ForeignKey("object.id"))
        name = db.Column(db.Text)

    class Permission(db.Model):
        __tablename__ = "permission"
        id = db.Column(db.Integer, primary_key=True)
        object_id = db.Column(db.Integer, db.ForeignKey("object.id"))

    class HashIndex(db.Model):
        __tablename__ = "hash_index"
        id = db.Column(db.Integer, primary_key=True)
        sha256 = db.Column(db.Text)

    class Audit(db.Model):
        __tablename__ = "audit"
        id = db.Column(db.Integer, primary_key=True)

    class Quarantine(db.Model):
        __tablename__ = "quarantine"
        id = db.Column(db.Integer, primary_key=True)

    class Object(db.Model):
        __tablename__ = "object"
        id = db.Column(db.Integer, primary_key=True)
        type = db.Column(db.String(50))
        dhash = db.Column(db.String(64))
        tags = db.relationship(Tag)
        __mapper_args__ = {"polymorphic_identity": "object", "polymorphic_on": type}

        @classmethod
        def get(cls, identifier):
            return cls.query.filter(cls.dhash == identifier)

        @classmethod
        def access(cls, identifier):
            obj = cls.get(identifier).first()
            if obj is None:
                return None
            allowed = db.session.query(Permission).filter(Permission.object_id == obj.id)
            return obj if allowed.first() else None

        def add_tag(self, name):
            db.session.add(Tag(name=name, object_id=self.id))
            db.session.commit()

    class File(Object):
        file_name = db.Column(db.Text)
        __mapper_args__ = {"polymorphic_identity": "file"}

        @classmethod
        def get(cls, identifier):
            known = db.session.query(HashIndex).filter(HashIndex.sha256 == identifier).first()
            return File.query.filter(File.file_name == (known.sha256 if known else identifier))

    class Config(Object):
        family = db.Column(db.Text)
        __mapper_args__ = {"polymorphic_identity": "config"}

        @classmethod
        def access(cls, identifier):
            db.session.query(Audit).first()
            return cls.get(identifier).first()

    class Blob(Object):
        __mapper_args__ = {"polymorphic_identity": "blob"}

        @classmethod
        def access(cls, identifier):
            return db.session.query(Quarantine).first()
"""

APP = """
    from flask import Flask
    from models import db
    from views import bp

    app = Flask(__name__)
    db.init_app(app)
    app.register_blueprint(bp)
"""

VIEWS = """
    from flask import Blueprint
    from models import Config, File, Object

    bp = Blueprint("api", __name__)

    def get_type_from_str(s):
        object_types = {"object": Object, "file": File}
        if s not in object_types:
            raise ValueError(s)
        return object_types[s]

    def access_object(object_type, identifier):
        return get_type_from_str(object_type).access(identifier)

    @bp.route("/objects/<kind>/<identifier>/tags")
    def tags(kind, identifier):
        db_object = access_object(kind, identifier)
        return [tag.name for tag in db_object.tags]

    @bp.route("/objects/<kind>/<identifier>/tags", methods=["PUT"])
    def add_tag(kind, identifier):
        access_object(kind, identifier).add_tag("seen")
        return "ok"

    @bp.route("/items/<kind>/<identifier>")
    def item(kind, identifier):
        return str({"object": Object, "config": Config}[kind].access(identifier))
"""


def _access(tmp_path: Path) -> dict[str, Access]:
    return route_access(tmp_path, {"models.py": MODELS, "app.py": APP, "views.py": VIEWS})


def test_a_method_every_picked_class_inherits_runs(tmp_path: Path) -> None:
    access = _access(tmp_path)
    # Object.access: Object.get or, for a File, File.get (the hash index, the object table),
    # and the permission query
    assert set(access["api.tags"].reads) == {"hash_index", "object", "permission"}
    assert set(access["api.tags"].indirect) == {"tag"}  # db_object.tags: what access returns
    assert access["api.tags"].writes == ()
    assert set(access["api.add_tag"].reads) == {"hash_index", "object", "permission"}
    assert access["api.add_tag"].writes == ("tag",)  # add_tag on what access returns


def test_a_method_the_picked_classes_define_differently_runs_for_each(tmp_path: Path) -> None:
    access = _access(tmp_path)["api.item"]
    # Object: Object.access (object through Object.get, permission); Config: its own (audit,
    # object through Object.get); never Blob's, which no dict holds (quarantine)
    assert set(access.reads) == {"audit", "object", "permission"}
    assert access.writes == ()
