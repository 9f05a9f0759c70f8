"""Flask-Login's `current_user` is an instance of the model the project's user loader returns.

timesketch's `@login_manager.user_loader` (inside its app factory) returns
`User.session.get(User, user_id)`; its views call `current_user.set_password(...)` and commit,
and hand `current_user` to helpers that read its relationships.
"""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

LOGIN_APP = {
    "app/__init__.py": "",
    "app/models.py": """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()

        memberships = db.Table(
            "memberships",
            db.Column("user_id", db.Integer, db.ForeignKey("users.id")),
            db.Column("team_id", db.Integer, db.ForeignKey("teams.id")),
        )

        class Team(db.Model):
            __tablename__ = "teams"
            id = db.Column(db.Integer, primary_key=True)

        class User(db.Model):
            __tablename__ = "users"
            id = db.Column(db.Integer, primary_key=True)
            password = db.Column(db.String)
            teams = db.relationship(Team, secondary=memberships)

            def set_password(self, plaintext):
                self.password = plaintext
    """,
    "app/helpers.py": """
        from app.models import User

        def team_ids(user: User):
            return [team.id for team in user.teams]
    """,
    "app/views.py": """
        from flask import Flask
        from flask_login import LoginManager, current_user

        from app.helpers import team_ids
        from app.models import User, db

        def create_app():
            site = Flask(__name__)
            login_manager = LoginManager()
            login_manager.init_app(site)

            @login_manager.user_loader
            def load_user(user_id):
                return db.session.get(User, user_id)

            @site.route("/me/password", methods=["POST"])
            def change_password():
                current_user.set_password("secret")
                db.session.add(current_user)
                db.session.commit()
                return "ok"

            @site.route("/me/teams")
            def my_teams():
                return str(team_ids(current_user))

            return site
    """,
}


def test_current_user_is_the_user_loaders_model(tmp_path: Path) -> None:
    access = route_access(tmp_path, LOGIN_APP)
    assert access["change_password"].writes == ("users",)
    teams = access["my_teams"]
    assert sorted({*teams.reads, *teams.indirect}) == ["memberships", "teams"]
