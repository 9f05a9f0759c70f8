"""A re-run after an edit (the cache holding the facts of every file left alone) reports
exactly what a run without a cache reports on the edited tree, whatever kind of file changed."""

from __future__ import annotations

import ast
import json
import shutil
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
    "a route's body": _replace(
        "shop/views.py",
        "return jsonify(load_orders())",
        "from shop.helpers.queries import load_invoices\n\n    return jsonify(load_invoices())",
    ),
    "a new unused function": _replace(
        "shop/helpers/queries.py",
        "\n\ndef load_invoices",
        "\n\ndef unused():\n    return 1\n\n\ndef load_invoices",
    ),
    "a deleted function": _replace(
        "shop/helpers/queries.py",
        "def load_invoices():\n"
        '    return sqlite3.connect("x.db").execute("SELECT id FROM invoices").fetchall()\n',
        "",
    ),
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


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"
FIXTURE_APPS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


def _functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The file's functions and methods, outermost first, in the order they are written."""
    tree = ast.parse(path.read_text())
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    return sorted(
        (n for n in ast.walk(tree) if isinstance(n, kinds)), key=lambda n: (n.col_offset, n.lineno)
    )


def _largest_module(root: Path) -> Path:
    """The app's largest Python file that defines a function: the one with most routes,
    models and helpers to change."""
    candidates = [path for path in sorted(root.rglob("*.py")) if _functions(path)]
    return max(candidates, key=lambda path: len(path.read_bytes()))


def _append_function(root: Path) -> None:
    path = _largest_module(root)
    path.write_text(path.read_text() + "\n\ndef added_later():\n    return 1\n")


def _delete_last_function(root: Path) -> None:
    """The last outermost function (a view, a helper, a factory, a model's method) of the
    largest file, removed with its decorators (`pass` left where it was a class's only one)."""
    path = _largest_module(root)
    lines = path.read_text().splitlines(keepends=True)
    outermost = _functions(path)
    last = max(
        (f for f in outermost if f.col_offset == outermost[0].col_offset), key=lambda f: f.lineno
    )
    first = min([last.lineno, *(d.lineno for d in last.decorator_list)])
    assert last.end_lineno is not None
    kept = [" " * last.col_offset + "pass\n"] if last.col_offset else []
    path.write_text("".join(lines[: first - 1] + kept + lines[last.end_lineno :]))


def _change_function_body(root: Path) -> None:
    """The first outermost function of the largest file made to return at once (what it
    called, queried or registered no longer happens)."""
    path = _largest_module(root)
    lines = path.read_text().splitlines(keepends=True)
    body = _functions(path)[0].body[0]
    lines.insert(body.lineno - 1, " " * body.col_offset + "return None\n")
    path.write_text("".join(lines))


FIXTURE_EDITS: dict[str, Callable[[Path], None]] = {
    "a new unused function": _append_function,
    "a deleted function": _delete_last_function,
    "a function's body": _change_function_body,
}


@pytest.mark.parametrize("edit", list(FIXTURE_EDITS), ids=list(FIXTURE_EDITS))
@pytest.mark.parametrize("app", FIXTURE_APPS)
def test_a_rerun_after_an_edit_of_a_fixture_app_is_byte_for_byte_a_cold_run(
    tmp_path: Path, app: str, edit: str
) -> None:
    root = tmp_path / app
    shutil.copytree(FIXTURES / app, root, ignore=shutil.ignore_patterns("expected.*"))
    cached = AnalyzeOptions(show_progress=False, workers=1, cache_dir=tmp_path / "cache")
    _report(root, cached)
    FIXTURE_EDITS[edit](root)
    rerun = report_project(root, cached, "json", render_json)
    cold = report_project(
        root, AnalyzeOptions(show_progress=False, workers=1, use_cache=False), "json", render_json
    )
    assert not rerun.reused
    assert _without_fact_counts(rerun.report.text) == _without_fact_counts(cold.report.text)


def _without_fact_counts(text: str) -> str:
    """The report's text but for the counts of facts read from the cache and extracted (how
    the facts were had differs by design), the rest kept byte for byte."""
    report = json.loads(text)
    for count in ("from_cache", "extracted"):
        report["stats"].pop(count, None)
    return json.dumps(report, indent=2, ensure_ascii=False)
