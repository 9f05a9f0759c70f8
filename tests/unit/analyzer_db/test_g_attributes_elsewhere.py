"""`g.<attribute>` read in a module that never sets it holds what the project's other
functions store there (`g.auth_user = User.by_token(token)` in a hook of another module, a
call resolved in that hook): methods called on it run, with the tables they reach."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

from analyzer.resolution.results import Access

MODELS = """
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.ext.associationproxy import association_proxy

    db = SQLAlchemy()

    class Group(db.Model):
        __tablename__ = "group"
        id = db.Column(db.Integer, primary_key=True)
        capabilities = db.Column(db.Text)

    class Member(db.Model):
        __tablename__ = "member"
        user_id = db.Column(db.Integer, db.ForeignKey("user.id"), primary_key=True)
        group_id = db.Column(db.Integer, db.ForeignKey("group.id"), primary_key=True)
        user = db.relationship("User", back_populates="memberships")
        group = db.relationship(Group)

    class User(db.Model):
        __tablename__ = "user"
        id = db.Column(db.Integer, primary_key=True)
        memberships = db.relationship(Member, back_populates="user")
        groups = association_proxy("memberships", "group")

        @property
        def capabilities(self):
            return {group.capabilities for group in self.groups}

        def has_rights(self, capability):
            return capability in self.capabilities

        @staticmethod
        def by_token(token):
            return User.query.filter(User.id == token).one()
"""

APP = """
    from flask import Flask, g
    from models import User, db
    from views import bp

    app = Flask(__name__)
    db.init_app(app)

    @bp.before_request
    def load_user():
        g.auth_user = None
        g.auth_user = User.by_token(1)
        g.request_tag = "api"

    app.register_blueprint(bp)
"""

VIEWS = """
    from functools import wraps
    from flask import Blueprint, g

    bp = Blueprint("api", __name__)

    def requires_capabilities(*capabilities):
        def decorator(f):
            @wraps(f)
            def endpoint(*args, **kwargs):
                for capability in capabilities:
                    if not g.auth_user.has_rights(capability):
                        raise PermissionError(capability)
                return f(*args, **kwargs)
            return endpoint
        return decorator

    @bp.route("/admin")
    @requires_capabilities("admin")
    def admin():
        return "ok"

    @bp.route("/rights")
    def rights():
        return str(g.auth_user.has_rights("read"))

    @bp.route("/tag")
    def tag():
        return g.request_tag.upper()
"""


def test_a_method_called_on_a_g_attribute_set_in_another_module_runs(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"models.py": MODELS, "app.py": APP, "views.py": VIEWS})
    # has_rights -> capabilities -> the groups proxy: memberships (member) to group
    assert set(access["api.rights"].indirect) == {"group", "member"}
    assert set(access["api.admin"].indirect) == {"group", "member"}  # in the decorator
    assert access["api.rights"].reads == ()  # loading the user is the hook's, not the view's
    assert access["api.tag"] == Access()  # a string: no model
