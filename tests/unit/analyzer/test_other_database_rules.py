"""Which connection is the app's own database when the project has no Flask-SQLAlchemy: small
apps written here, each route's own tables and other databases' read off the JSON report."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from analyzer.reports.as_json import analysis_to_dict
from analyzer.resolution.other_databases import is_app_database_setting
from analyzer.usecases import AnalyzeOptions, analyze_project

HELPERS_WITHOUT_SETTINGS = """
import sqlite3

from flask import Flask, g, request

app = Flask(__name__)


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect("app.db")
    return g.db


def get_reporting():
    return sqlite3.connect("reporting.db")


@app.get("/users")
def users():
    return {"n": len(get_db().execute("SELECT * FROM users").fetchall())}


@app.get("/totals")
def totals():
    return {"n": len(get_reporting().execute("SELECT * FROM totals").fetchall())}


@app.post("/imports")
def imports():
    source = sqlite3.connect(request.form["path"])
    return {"n": len(source.execute("SELECT * FROM customers").fetchall())}
"""

# Flask's "Using SQLite 3 with Flask" pattern: a DATABASE constant, `g._database`, `query_db`
FLASK_DOCS_PATTERN = """
import sqlite3

from flask import Flask, g

DATABASE = "/path/to/database.db"
WAREHOUSE_DB = "/path/to/warehouse.db"

app = Flask(__name__)


def get_db():
    db = getattr(g, "_database", None)
    if db is None:
        db = g._database = sqlite3.connect(DATABASE)
    return db


def query_db(query, args=(), one=False):
    cur = get_db().execute(query, args)
    rv = cur.fetchall()
    cur.close()
    return (rv[0] if rv else None) if one else rv


def get_warehouse():
    return sqlite3.connect(WAREHOUSE_DB)


@app.get("/users")
def users():
    return {"users": [dict(u) for u in query_db("select * from users")]}


@app.get("/bins")
def bins():
    return {"bins": get_warehouse().execute("select * from bins").fetchall()}
"""

# the database setting handed to a helper that connects to what it is given
SETTING_HANDED_OVER = """
import os
import sqlite3

import psycopg2
from flask import Flask, current_app, g

app = Flask(__name__)


def connect_db(path):
    return sqlite3.connect(path)


def get_db():
    if "db" not in g:
        g.db = connect_db(current_app.config["DATABASE"])
    return g.db


@app.get("/users")
def users():
    return {"users": get_db().execute("SELECT * FROM users").fetchall()}


@app.get("/totals")
def totals():
    cur = psycopg2.connect(os.environ["REPORTING_DSN"]).cursor()
    cur.execute("SELECT * FROM totals")
    return {"totals": cur.fetchall()}
"""


def analyze_source(tmp_path: Path, source: str) -> dict[str, dict[str, Any]]:
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    report = analysis_to_dict(analyze_project(tmp_path, options))
    return {route["endpoint"]: route for route in report["routes"]}


def own_and_other(route: dict[str, Any]) -> tuple[list[str], list[tuple[str, str]]]:
    other = [(use["database"], use["table"]) for use in route["external"]]
    return sorted(route["reads"] + route["writes"]), other


def test_without_a_database_setting_every_connection_is_the_apps_but_the_requests(
    tmp_path: Path,
) -> None:
    routes = analyze_source(tmp_path, HELPERS_WITHOUT_SETTINGS)
    assert own_and_other(routes["users"]) == (["users"], [])
    assert own_and_other(routes["totals"]) == (["totals"], [])
    assert own_and_other(routes["imports"]) == ([], [("sqlite3.connect", "customers")])


def test_the_database_constant_names_the_apps_own_database(tmp_path: Path) -> None:
    routes = analyze_source(tmp_path, FLASK_DOCS_PATTERN)
    assert own_and_other(routes["users"]) == (["users"], [])
    assert own_and_other(routes["bins"]) == ([], [("sqlite3.connect", "bins")])


def test_a_database_setting_handed_to_a_helper_names_its_connection(tmp_path: Path) -> None:
    routes = analyze_source(tmp_path, SETTING_HANDED_OVER)
    assert own_and_other(routes["users"]) == (["users"], [])
    assert own_and_other(routes["totals"]) == ([], [("psycopg2.connect", "totals")])


@pytest.mark.parametrize(
    ("setting", "names_the_app_database"),
    [
        ("DATABASE", True),
        ("DATABASE_URL", True),
        ("SQLALCHEMY_DATABASE_URI", True),
        ("DB_PATH", True),
        ("db_host", True),
        ("DSN", True),
        ("REPORTING_DSN", False),
        ("WAREHOUSE_DB", False),
        ("DATABASE_REPLICA", False),
        ("ANALYTICS_DATABASE_URL", False),
        (None, False),
    ],
)
def test_which_settings_name_the_apps_database(
    setting: str | None, names_the_app_database: bool
) -> None:
    assert is_app_database_setting(setting) is names_the_app_database
