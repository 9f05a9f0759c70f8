"""`strangler check` on a two-area shop written into tmp_path, planned with `strangler plan`:
new crossings fail as `file:line:` lines, the baseline hides the old ones, and the exported
import-linter contract agrees when the real `lint-imports` runs on the same tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from planner.check_command import check
from planner.commands import plan
from planner.importlinter_contract import render_contract
from planner.plan_file import PlanFileError

ROOT = Path(__file__).resolve().parents[3]

SHOP = {
    "shop/__init__.py": """\
from flask import Flask


def create_app():
    from shop.catalog.views import bp as catalog_bp
    from shop.orders.views import bp as orders_bp

    app = Flask(__name__)
    app.register_blueprint(orders_bp, url_prefix="/orders")
    app.register_blueprint(catalog_bp, url_prefix="/catalog")
    return app
""",
    "shop/db.py": """\
import sqlite3


def get_db():
    return sqlite3.connect("shop.db")
""",
    "shop/orders/__init__.py": "",
    "shop/catalog/__init__.py": "",
    "shop/orders/views.py": """\
from flask import Blueprint

from shop.db import get_db

bp = Blueprint("orders", __name__)


@bp.post("/")
def create_order():
    get_db().execute("INSERT INTO orders (total) VALUES (?)", (10,))
    return "created"


@bp.get("/")
def list_orders():
    return {"orders": get_db().execute("SELECT id, total FROM orders").fetchall()}
""",
    "shop/catalog/views.py": """\
from flask import Blueprint

from shop.db import get_db

bp = Blueprint("catalog", __name__)


@bp.post("/")
def add_product():
    get_db().execute("INSERT INTO products (name) VALUES (?)", ("tea",))
    return "added"


@bp.get("/")
def list_products():
    return {"products": get_db().execute("SELECT id, name FROM products").fetchall()}
""",
}

# what the orders area grows after the plan: a crossing import (line 4) and a route writing
# the catalog's table (its UPDATE on line 22: 16 lines, one inserted, two blank, decorator, def)
CROSSING_IMPORT = "from shop.catalog.views import list_products\n"
FOREIGN_WRITE = """

@bp.post("/restock")
def restock():
    get_db().execute("UPDATE products SET name = name WHERE id = ?", (1,))
    return "restocked"
"""
NEW_IMPORT_LINE = (
    "shop/orders/views.py:4: crossing-import: shop.orders.views (service orders)"
    " imports shop.catalog.views (service catalog)"
)
NEW_WRITE_LINE = (
    "shop/orders/views.py:22: foreign-write: route orders.restock (service orders)"
    " writes table products (service catalog)"
)


@pytest.fixture()
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shop written out, planned, and the working directory set to its parent."""
    for name, text in SHOP.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    planned = CliRunner().invoke(plan, ["shop", "--format", "json", "--output", "plan.json"])
    assert planned.exit_code == 0, planned.output
    return tmp_path


def run_check(*args: str) -> Result:
    return CliRunner().invoke(check, ["shop", "--plan", "plan.json", *args])


def grow_the_orders_area(shop: Path) -> None:
    views = shop / "shop/orders/views.py"
    lines = views.read_text().splitlines(keepends=True)
    views.write_text("".join(lines[:3]) + CROSSING_IMPORT + "".join(lines[3:]) + FOREIGN_WRITE)


def test_the_plan_splits_the_shop_by_area(shop: Path) -> None:
    # the expected lines below rest on this: each area its own service, owning its table
    services = {s["name"]: s for s in json.loads((shop / "plan.json").read_text())["services"]}
    assert "shop.orders.views" in services["orders"]["modules"]
    assert services["catalog"]["owns"] == ["products"]
    assert "shop.catalog.views" in services["catalog"]["modules"]


def test_new_crossings_fail_with_file_and_line(shop: Path) -> None:
    before = run_check()
    grow_the_orders_area(shop)
    after = run_check()
    assert after.exit_code == 1
    old = before.output.splitlines()[:-1]  # what the plan's own cut crosses, if anything
    by_file_and_line = sorted(
        [*old, NEW_IMPORT_LINE, NEW_WRITE_LINE],
        key=lambda line: (line.split(":")[0], int(line.split(":")[1])),
    )
    assert after.output.splitlines() == [*by_file_and_line, f"{len(old) + 2} boundary violations"]


def test_the_baseline_hides_old_crossings_but_not_new_ones(shop: Path) -> None:
    accepted = run_check("--baseline", "baseline.json", "--update-baseline")
    assert accepted.exit_code == 0
    assert accepted.output.startswith("wrote baseline.json: ")
    # moving code around keeps old crossings old
    catalog = shop / "shop/catalog/views.py"
    catalog.write_text('"""The catalog."""\n\n' + catalog.read_text())
    clean = run_check("--baseline", "baseline.json")
    assert clean.exit_code == 0
    assert clean.output.startswith("no new boundary violations, ")
    grow_the_orders_area(shop)
    failed = run_check("--baseline", "baseline.json")
    assert failed.exit_code == 1
    assert failed.output.splitlines()[:2] == [NEW_IMPORT_LINE, NEW_WRITE_LINE]
    assert failed.output.splitlines()[-1].startswith("2 new boundary violations, ")


def test_a_second_copy_of_an_accepted_crossing_is_new(shop: Path) -> None:
    grow_the_orders_area(shop)
    assert run_check("--baseline", "baseline.json", "--update-baseline").exit_code == 0
    assert run_check("--baseline", "baseline.json").exit_code == 0
    views = shop / "shop/orders/views.py"
    views.write_text(views.read_text() + "\n\ndef later():\n    import shop.catalog.views\n")
    failed = run_check("--baseline", "baseline.json")
    assert failed.exit_code == 1
    suffix = " [2 now, 1 in the baseline]"
    assert failed.output.splitlines()[:2] == [
        NEW_IMPORT_LINE + suffix,
        NEW_IMPORT_LINE.replace(":4:", ":27:") + suffix,  # 23 lines, two blank, the def
    ]


def test_a_plan_of_another_project_is_refused(shop: Path) -> None:
    monolith_plan = CliRunner().invoke(
        plan, [str(ROOT / "legacy_monolith"), "--format", "json", "--output", "other.json"]
    )
    assert monolith_plan.exit_code == 0
    refused = CliRunner().invoke(check, ["shop", "--plan", "other.json"])
    assert isinstance(refused.exception, PlanFileError)
    assert str(refused.exception).startswith(
        "other.json: none of the plan's modules is in shop: the plan is another project's"
    )


def test_the_command_line_prints_errors_without_a_traceback(shop: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "strangler_cli", "check", "shop", "--plan", "plan.json",
         "--update-baseline"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("error: --update-baseline needs the file to write")
    assert "Traceback" not in result.stderr


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    """The real import-linter, run from the folder holding `shop/` as a user would."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), str(config), "--no-cache"],
        cwd=config.parent,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_exported_contract_fails_on_a_crossing_import_in_lint_imports(shop: Path) -> None:
    exported = run_check(
        "--baseline", "baseline.json", "--update-baseline", "--importlinter-out", "contract.ini"
    )
    assert exported.exit_code == 0
    kept = lint_imports(shop / "contract.ini")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "0 broken" in kept.stdout
    grow_the_orders_area(shop)
    broken = lint_imports(shop / "contract.ini")
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "shop.orders.views -> shop.catalog.views (l.4)" in broken.stdout


def test_the_sample_monolith_passes_against_its_own_baselined_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monolith = str(ROOT / "legacy_monolith")
    planned = CliRunner().invoke(plan, [monolith, "--format", "json", "--output", "plan.json"])
    assert planned.exit_code == 0
    unbaselined = CliRunner().invoke(check, [monolith, "--plan", "plan.json"])
    assert unbaselined.exit_code == 1  # its areas are tangled: the plan's cut crosses
    args = [monolith, "--plan", "plan.json", "--baseline", "baseline.json"]
    assert CliRunner().invoke(check, [*args, "--update-baseline"]).exit_code == 0
    passed = CliRunner().invoke(check, args)
    assert passed.exit_code == 0, passed.output
    assert passed.output.startswith("no new boundary violations, ")


@pytest.mark.parametrize(
    ("sources", "broken"),
    [
        ({"b.py": "import pkg\n"}, "pkg.b -> pkg (l.1)"),  # a holds pkg's __init__ only
        ({"b.py": "import pkg.c\n", "c.py": "import pkg.a\n"}, None),  # through shared pkg.c
        ({}, None),
    ],
)
def test_the_contract_forbids_direct_imports_module_by_module(
    tmp_path: Path, sources: dict[str, str], broken: str | None
) -> None:
    (tmp_path / "pkg").mkdir()
    for name in ("__init__.py", "a.py", "b.py", "c.py"):
        (tmp_path / "pkg" / name).write_text(sources.get(name, ""))
    config = tmp_path / "contract.ini"
    config.write_text(render_contract({"a": ("pkg", "pkg.a"), "b": ("pkg.b",)}))
    result = lint_imports(config)
    assert result.returncode == (0 if broken is None else 1), result.stdout + result.stderr
    if broken is not None:
        assert broken in result.stdout
