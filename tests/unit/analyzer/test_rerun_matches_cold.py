"""A re-run after an edit (the cache holding the facts of every file left alone) reports
exactly what a run without a cache reports on the edited tree, whatever kind of file changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from analyzer.reports.as_json import render_json
from analyzer.usecases import AnalyzeOptions, report_project

SOURCES = {
    "shop/__init__.py": """
from flask import Flask

from shop.models import db
from shop.views import bp
from shop.extra import extra_bp


def create_app():
    app = Flask(__name__)
    db.init_app(app)
    app.register_blueprint(bp, url_prefix="/shop")
    app.register_blueprint(extra_bp)
    return app
""",
    "shop/models.py": """
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Order(db.Model):
    __tablename__ = "orders"
    id = db.Column(db.Integer, primary_key=True)
""",
    "shop/helpers/__init__.py": "from shop.helpers.queries import load_orders\n",
    "shop/helpers/queries.py": """
import sqlite3

from shop.models import Order


def load_orders():
    return Order.query.all()


def load_invoices():
    return sqlite3.connect("x.db").execute("SELECT id FROM invoices").fetchall()
""",
    "shop/views.py": """
from flask import Blueprint, jsonify

from shop.helpers import load_orders

bp = Blueprint("shop", __name__)


@bp.route("/orders")
def orders():
    return jsonify(load_orders())
""",
}

EXTRA = """
from flask import Blueprint

from shop.helpers.queries import load_invoices

extra_bp = Blueprint("extra", __name__, url_prefix="/extra")


@extra_bp.route("/invoices", methods=["POST"])
def invoices():
    return str(load_invoices())
"""


def _replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / rel
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    return edit


def _delete(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).unlink()


def _add(rel: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / rel).write_text(text)

    return edit


EDITS = {
    "a view": _replace("shop/views.py", '"/orders")', '"/orders/all", methods=["GET", "PUT"])'),
    "a model's table": _replace("shop/models.py", '"orders"', '"purchases"'),
    "an imported helper": _replace(
        "shop/helpers/queries.py", "return Order.query.all()", "return load_invoices()"
    ),
    "a re-exporting __init__": _replace(
        "shop/helpers/__init__.py", "import load_orders", "import load_invoices as load_orders"
    ),
    "a blueprint registration": _replace("shop/__init__.py", '"/shop"', '"/store"'),
    "a deleted file": _delete("shop/helpers/queries.py"),
    "an added file": _add("shop/extra.py", EXTRA),
}


def _report(root: Path, options: AnalyzeOptions) -> dict[str, Any]:
    report = json.loads(report_project(root, options, "json", render_json).report.text)
    stats = report["stats"]
    for count in ("from_cache", "extracted"):  # how the facts were had: differs by design
        stats.pop(count, None)
    return report


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_rerun_after_an_edit_reports_what_a_cold_run_does(tmp_path: Path, edit: str) -> None:
    root = tmp_path / "project"
    for rel, text in SOURCES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    cached = AnalyzeOptions(show_progress=False, workers=1, cache_dir=tmp_path / "cache")
    before = _report(root, cached)
    EDITS[edit](root)
    rerun = _report(root, cached)
    cold = _report(root, AnalyzeOptions(show_progress=False, workers=1, use_cache=False))
    assert rerun == cold
    assert rerun != before  # the edit matters to the report
