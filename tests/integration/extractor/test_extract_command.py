"""`strangler extract` on the sample monolith: the generated package's app, imported for real
in a child process, holds exactly the chosen routes of the monolith's own url_map, and the
monolith's tree is left as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extracted_services.commands import service
from extractor.commands import extract
from extractor.writer import HandEdited

ROOT = Path(__file__).resolve().parents[3]
MONOLITH = ROOT / "legacy_monolith"

DUMP_URL_MAP = """
import importlib, json, sys
module, _, factory = sys.argv[1].partition(":")
app = getattr(importlib.import_module(module), factory)()
print(json.dumps(sorted(
    [r.rule, r.endpoint, sorted(r.methods - {"HEAD", "OPTIONS"})] for r in app.url_map.iter_rules()
)))
"""


def url_map(target: str, pythonpath: Path, cwd: Path) -> list[list[object]]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", DUMP_URL_MAP, target],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rules: list[list[object]] = json.loads(result.stdout)
    return rules


def tree_state(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def monolith_rules(tmp_path_factory: pytest.TempPathFactory) -> list[list[object]]:
    return url_map("legacy_monolith.app:create_app", ROOT, tmp_path_factory.mktemp("cwd"))


def test_the_service_app_serves_exactly_the_chosen_blueprints_routes(
    tmp_path: Path, monolith_rules: list[list[object]]
) -> None:
    before = tree_state(MONOLITH)
    result = CliRunner().invoke(
        extract,
        [
            str(MONOLITH),
            "--service",
            "shop_reviews",
            "--blueprint",
            "reviews",
            "--into",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "4 routes" in result.output
    assert "==> analyzing" in result.stderr and "==> reading the copy back" in result.stderr
    assert tree_state(MONOLITH) == before

    wanted = [r for r in monolith_rules if str(r[1]).startswith("reviews.") or r[1] == "static"]
    got = url_map("shop_reviews.legacy_monolith.app:create_app", tmp_path, tmp_path)
    assert got == wanted

    settings = subprocess.run(
        [sys.executable, "-c", "from shop_reviews.service_settings import database_settings as d;"
         " print(d()['SQLALCHEMY_DATABASE_URI'])"],
        env={**os.environ, "PYTHONPATH": str(tmp_path),
             "SHOP_REVIEWS_DATABASE_URL": "sqlite:///var/reviews.db"},
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    # relative to where the service runs, as the backfill reads it (not the instance folder)
    assert settings.stdout.strip() == f"sqlite:///{tmp_path / 'var' / 'reviews.db'}"
    assert (tmp_path / "var").is_dir()  # so the app's first start can create its file

    listed = CliRunner().invoke(service, ["list", "--services-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert "shop_reviews" in listed.output
    assert "tables    categories, products, reviews, users" in listed.output


def test_a_dry_run_lists_the_files_and_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        extract,
        [
            str(MONOLITH),
            "--service",
            "ships",
            "--blueprint",
            "shipping",
            "--into",
            str(tmp_path),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'ships' / 'service.py'} (" in result.output
    assert f"{tmp_path / 'ships' / 'legacy_monolith' / 'shipping' / 'views.py'} (" in result.output
    assert list(tmp_path.iterdir()) == []


def test_hand_edits_stop_a_rerun_with_exit_2(tmp_path: Path) -> None:
    arguments = [
        str(MONOLITH),
        "--service",
        "ships",
        "--route",
        "/api/shipping/rates",
        "--into",
        str(tmp_path),
    ]
    assert CliRunner().invoke(extract, arguments).exit_code == 0
    service_py = tmp_path / "ships" / "service.py"
    service_py.write_text(service_py.read_text() + "\n# tuned by hand\n")
    again = CliRunner().invoke(extract, arguments)
    assert isinstance(again.exception, HandEdited)
    assert again.exception.exit_code == 2
    assert "hand edits" in str(again.exception) and "service.py" in str(again.exception)
    assert service_py.read_text().endswith("# tuned by hand\n")


def test_an_unknown_blueprint_is_a_message_and_exit_2_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "strangler_cli", "extract", str(MONOLITH), "--service", "x",
         "--blueprint", "shiping", "--into", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 2
    assert "no blueprint 'shiping'" in result.stderr and "did you mean 'shipping'" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_routes_it_cannot_take_out_are_named_and_really_are_still_there(tmp_path: Path) -> None:
    """class_views registers class-based views through a helper the codemods do not undo:
    each rule the copy's real url_map still holds besides the chosen one must be reported."""
    fixture = ROOT / "tests" / "fixtures" / "analyzer_apps" / "class_views"
    result = CliRunner().invoke(
        extract,
        [str(fixture), "--service", "things", "--route", "/things", "--into", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    real = url_map("things.app:create_app", tmp_path, tmp_path)
    extra = {rule for rule, endpoint, _ in real if rule != "/things" and endpoint != "static"}
    assert extra, "the fixture should keep some routes the extractor cannot remove"
    reported = {
        line.split(" is still registered")[0].split()[-2]
        for line in result.stderr.splitlines()
        if "is still registered" in line
    }
    assert reported == extra


STREAMING_APP = """
from flask import Blueprint, Flask, Response, stream_with_context

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/summary")
def summary():
    return {"rows": 2}


@bp.get("/export.csv")
def export():
    def generate():
        yield "a,b\\n"
    return Response(stream_with_context(generate()), mimetype="text/csv")


def create_app():
    app = Flask(__name__)
    app.register_blueprint(bp)
    return app
"""


def test_streaming_views_stay_with_the_monolith(tmp_path: Path) -> None:
    source = tmp_path / "monolith" / "reporting"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text(STREAMING_APP)
    services = tmp_path / "services"
    result = CliRunner().invoke(
        extract,
        [str(source), "--service", "reports", "--blueprint", "reports", "--into", str(services)],
    )
    assert result.exit_code == 0, result.output
    assert "/reports/export.csv stays with the monolith" in result.stderr
    routes = (services / "reports" / "routes.toml").read_text()
    assert 'path = "/reports/summary"' in routes
    assert 'path = "/reports/export.csv"' not in routes
    assert "# GET /reports/export.csv stays with the monolith: `export` answers with" in routes
    assert "export.csv" not in (services / "reports" / "parity-requests.txt").read_text()
