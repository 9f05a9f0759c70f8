"""marshmallow schemas handed to a project decorator: the output schema's Nested fields read
the relationships they serialise (transitively), the input schema's hooks and validators run."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

from analyzer.resolution.results import Access

SOURCES = {
    "app/__init__.py": "",
    "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
    "app/models.py": """
        from app.extensions import db

        post_tags = db.Table(
            "post_tags",
            db.Column("post_id", db.Integer, db.ForeignKey("posts.id")),
            db.Column("tag_id", db.Integer, db.ForeignKey("tags.id")),
        )

        class Country(db.Model):
            __tablename__ = "countries"
            id = db.Column(db.Integer, primary_key=True)

        class Author(db.Model):
            __tablename__ = "authors"
            id = db.Column(db.Integer, primary_key=True)
            country_id = db.Column(db.Integer, db.ForeignKey("countries.id"))
            country = db.relationship("Country")

        class Tag(db.Model):
            __tablename__ = "tags"
            id = db.Column(db.Integer, primary_key=True)

        class Post(db.Model):
            __tablename__ = "posts"
            id = db.Column(db.Integer, primary_key=True)
            author_id = db.Column(db.Integer, db.ForeignKey("authors.id"))
            author = db.relationship("Author", backref="posts")
            tags = db.relationship("Tag", secondary=post_tags)

        class Banned(db.Model):
            __tablename__ = "banned_words"
            id = db.Column(db.Integer, primary_key=True)
    """,
    "app/schemas.py": """
        from marshmallow import Schema, fields, post_load

        from app.models import Author, Banned, Tag

        def clean_title(value):
            if Banned.query.filter_by(word=value).first():
                raise ValueError(value)

        class CountrySchema(Schema):
            id = fields.Int()

        class AuthorSchema(Schema):
            id = fields.Int()
            country = fields.Nested(CountrySchema)

        class TagSchema(Schema):
            id = fields.Int()

        class PostOutputSchema(Schema):
            id = fields.Int()
            author = fields.Nested(AuthorSchema)
            labels = fields.List(fields.Nested("TagSchema"), attribute="tags")

        class PostInputSchema(Schema):
            title = fields.Str(validate=clean_title)
            tag_ids = fields.List(fields.Int())

            @post_load
            def tags_of(self, data, **kwargs):
                data["tags"] = Tag.query.filter(Tag.id.in_(data["tag_ids"])).all()
                return data

        class AuthorPageSchema(Schema):
            class Meta:
                model = Author

            posts = fields.Nested(PostOutputSchema, many=True)
            tags = fields.Nested(TagSchema, many=True)  # not Author's: no relationship read

        class FrontPageSchema(Schema):  # no model by name: Post has both relationships
            author = fields.Nested(AuthorSchema)
            tags = fields.Nested(TagSchema, many=True)

        class HeadlineSchema(Schema):  # only Post has `author`, but an Author is dumped
            author = fields.Nested(AuthorSchema)

        author_page_schema = AuthorPageSchema()
        front_page_schema = FrontPageSchema()
        headline_schema = HeadlineSchema()
        post_input_schema = PostInputSchema()
        post_output_schema = PostOutputSchema()
    """,
    "app/views.py": """
        from functools import wraps

        from flask import Flask, request

        from app.models import Author
        from app.schemas import (
            author_page_schema,
            front_page_schema,
            headline_schema,
            post_input_schema,
            post_output_schema,
        )

        app = Flask(__name__)

        def validate_schema(input_schema, output_schema):
            def decorator(f):
                @wraps(f)
                def decorated(*args, **kwargs):
                    if input_schema:
                        kwargs["data"] = input_schema.load(request.get_json())
                    return output_schema.dump(f(*args, **kwargs))
                return decorated
            return decorator

        @app.route("/posts/<int:post_id>")
        @validate_schema(None, post_output_schema)
        def show_post(post_id):
            return {"id": post_id}

        @app.route("/posts", methods=["POST"])
        @validate_schema(post_input_schema, None)
        def new_post(data):
            return "made"

        @app.route("/authors/<int:author_id>")
        @validate_schema(None, author_page_schema)
        def show_author(author_id):
            return {"id": author_id}

        @app.route("/front")
        def front():
            return front_page_schema.dump({})

        @app.route("/headline/<int:author_id>")
        @validate_schema(None, headline_schema)
        def headline(author_id):
            return Author.query.get(author_id)

        @app.route("/plain")
        def plain():
            return "no schema"
    """,
}


def _access(root: Path) -> dict[str, Access]:
    return route_access(root, SOURCES)


def test_a_dumped_schema_reads_the_relationships_its_nested_fields_serialise(
    tmp_path: Path,
) -> None:
    access = _access(tmp_path)
    # PostOutputSchema's fields author and tags (by attribute=) are Post's relationships;
    # AuthorSchema's country is then Author's (the author relationship's target)
    shown = access["show_post"]
    assert set(shown.indirect) == {"authors", "countries", "tags", "post_tags"}
    assert shown.writes == ()
    # Meta.model names Author: its backref posts, then the post schema's fields on Post
    author = access["show_author"]
    assert set(author.indirect) == {"posts", "authors", "countries", "tags", "post_tags"}
    # by its Nested field names, FrontPageSchema is Post's
    assert set(access["front"].indirect) == {"authors", "countries", "tags", "post_tags"}
    # the view returns an Author, which has no `author` relationship
    assert access["headline"].reads == ("authors",)
    assert access["headline"].indirect == ()


def test_a_loaded_schema_runs_its_hooks_and_field_validators(tmp_path: Path) -> None:
    access = _access(tmp_path)
    assert set(access["new_post"].reads) == {"tags", "banned_words"}
    assert access["plain"].reads == access["plain"].indirect == ()
