"""Functions connected to a blinker signal run when a route sends it, so their tables are the
route's (Flask-Principal's `identity_changed` makes it send `identity_loaded` too)."""

from __future__ import annotations

from pathlib import Path

from analyzer_projects import route_access

from analyzer.resolution.results import Access

SOURCES = {
    "app.py": """
        import sqlite3

        from blinker import Namespace
        from flask import Flask
        from flask_principal import Identity, identity_changed, identity_loaded

        app = Flask(__name__)
        signals = Namespace()
        order_placed = signals.signal("order-placed")

        @order_placed.connect
        def remember_order(sender, **extra):
            sqlite3.connect("x").execute("INSERT INTO audit (what) VALUES ('order')")

        def count_order(sender, **extra):
            sqlite3.connect("x").execute("UPDATE counters SET n = n + 1")

        order_placed.connect(count_order)

        @identity_loaded.connect
        def load_roles(sender, identity):
            sqlite3.connect("x").execute("SELECT name FROM roles")

        @app.route("/orders", methods=["POST"])
        def place_order():
            order_placed.send(app)
            return "ok"

        @app.route("/login", methods=["POST"])
        def login():
            identity_changed.send(app, identity=Identity(1))
            return "ok"

        @app.route("/quiet")
        def quiet():
            return "nothing sent"
    """
}


def _access(root: Path) -> dict[str, Access]:
    return route_access(root, SOURCES)


def test_a_sent_signal_runs_its_receivers(tmp_path: Path) -> None:
    access = _access(tmp_path)
    assert set(access["place_order"].writes) == {"audit", "counters"}
    assert access["login"].reads == ("roles",)
    assert access["quiet"].reads == access["quiet"].writes == ()
