"""A loaded instance changed in a function that does not commit (`self.forum.post_count = 0`
in a helper method) is written where the route commits: the session's commit flushes every
changed instance, whichever function makes it."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

MODELS = """
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    class Forum(db.Model):
        __tablename__ = "forums"
        id = db.Column(db.Integer, primary_key=True)
        post_count = db.Column(db.Integer)

    class Topic(db.Model):
        __tablename__ = "topics"
        id = db.Column(db.Integer, primary_key=True)
        forum_id = db.Column(db.ForeignKey("forums.id"))
        forum = db.relationship("Forum")

        def delete(self):
            db.session.delete(self)
            self._fix_counts()
            db.session.commit()

        def _fix_counts(self):
            self.forum.post_count = 0
"""

APP = """
    from flask import Flask

    from models import Topic

    app = Flask(__name__)

    @app.route("/topics/<int:topic_id>/delete", methods=["POST"])
    def delete_topic(topic_id):
        topic = Topic.query.get(topic_id)
        topic.delete()
        return "deleted"

    @app.route("/topics/<int:topic_id>/count")
    def count_topic(topic_id):
        topic = Topic.query.get(topic_id)
        topic._fix_counts()
        return "counted, never committed"
"""


def test_a_change_is_written_where_a_caller_commits(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"models.py": MODELS, "app.py": APP})
    assert access["delete_topic"].writes == ("forums", "topics")
    assert access["delete_topic"].low_confidence == ("forums",)  # a changed instance: low


def test_a_change_no_function_of_the_route_commits_is_no_write(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"models.py": MODELS, "app.py": APP})
    assert access["count_topic"].writes == ()
    assert access["count_topic"].reads == ("topics",)
