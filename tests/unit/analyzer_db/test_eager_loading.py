"""A relationship loaded with its parent (`lazy="joined"`) reads its target whenever a query
loads the parent's rows as instances, not when it only counts them or selects columns."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access, teams_and_people_app

APP = teams_and_people_app(
    """
    class Kind(db.Model):
        __tablename__ = "kinds"
        id = db.Column(db.Integer, primary_key=True)

    class Gear(db.Model):
        __tablename__ = "gear"
        id = db.Column(db.Integer, primary_key=True)
        kind_id = db.Column(db.Integer, db.ForeignKey("kinds.id"))
        person_id = db.Column(db.Integer, db.ForeignKey("people.id"))
        kind = db.relationship("Kind", lazy="joined")
        owner = db.relationship(Person)

    @app.route("/gear/<int:gid>")
    def gear(gid):
        found = Gear.query.filter_by(id=gid).first()
        return str(found.id)

    @app.route("/gear/by-id/<int:gid>")
    def gear_by_id(gid):
        return str(db.session.get(Gear, gid).id)

    @app.route("/gear/count")
    def gear_count():
        return str(Gear.query.count())

    @app.route("/gear/ids")
    def gear_ids():
        return str(db.session.query(Gear.id).all())
"""
)


def test_loading_rows_reads_the_eagerly_loaded_relationships_target(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    # through a relationship, as `joinedload(Gear.kind)` would be: an indirect read
    assert access["gear"].reads == ("gear",)
    assert access["gear"].indirect == ("kinds",)
    assert access["gear_by_id"].indirect == ("kinds",)


def test_counting_rows_or_selecting_columns_loads_no_relationship(tmp_path: Path) -> None:
    access = route_access(tmp_path, {"app.py": APP})
    assert access["gear_count"].reads == ("gear",)
    assert access["gear_count"].indirect == ()
    assert access["gear_ids"].indirect == ()
