"""`association_proxy("via", "remote")` reaches the association object's table (the target of
`via`, here a backref) and the remote relationship's target; changing it writes the former."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

from analyzer.resolution.results import Access

APP = """
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.ext.associationproxy import association_proxy
    from sqlalchemy.orm import backref

    app = Flask(__name__)
    db = SQLAlchemy(app)

    class Post(db.Model):
        __tablename__ = "posts"
        id = db.Column(db.Integer, primary_key=True)
        tags = association_proxy("tag_links", "tag")

    class Tag(db.Model):
        __tablename__ = "tags"
        id = db.Column(db.Integer, primary_key=True)

    class TagLink(db.Model):
        __tablename__ = "tag_links"
        post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), primary_key=True)
        tag_id = db.Column(db.Integer, db.ForeignKey("tags.id"), primary_key=True)
        post = db.relationship(Post, backref=backref("tag_links"))
        tag = db.relationship(Tag)

    @app.route("/posts/<int:post_id>/tags")
    def post_tags(post_id):
        post = Post.query.get(post_id)
        return str(len(post.tags))

    @app.route("/posts/<int:post_id>/tags", methods=["POST"])
    def tag_post(post_id):
        post = Post.query.get(post_id)
        post.tags.append(Tag())
        db.session.commit()
        return "tagged"
"""


def _access(root: Path) -> dict[str, Access]:
    return route_access(root, {"app.py": APP})


def test_an_association_proxy_reads_the_association_and_the_remote_target(
    tmp_path: Path,
) -> None:
    access = _access(tmp_path)
    assert access["post_tags"].reads == ("posts",)
    assert set(access["post_tags"].indirect) == {"tag_links", "tags"}
    assert set(access["tag_post"].writes) == {"tag_links", "tags"}
