"""The Markdown report: a summary first, one matrix per app, valid tables everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzer.reports.as_markdown import code, render_markdown, row
from analyzer.usecases import AnalyzeOptions, analyze_project

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "analyzer_apps"
PROJECTS = [*sorted(p for p in FIXTURES.iterdir() if p.is_dir()), REPO / "legacy_monolith"]
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")

AREAS_SUMMARY = """\
## Summary

- 1 app, 5 routes (not counting static files), 3 tables, 7 modules, 0 hooks run on every request.
- Tables written from several areas (1): `ledger` (2 areas).
- Queries joining tables of different areas (1): shop/billing.py:19 (2 areas).
- Import cycles: none.
- Diagnostics: 1.

| diagnostic kind | count |
| --- | ---: |
| unresolved-call | 1 |

| app | defined at | routes |
| --- | --- | ---: |
| `app:app` | app.py:8 | 5 |
"""

AREAS_MATRIX = """\
All routes belong to app `app:app`.

| methods | rule | endpoint | `invoices` | `ledger` | `orders` |
| --- | --- | --- | --- | --- | --- |
| POST | `/billing/invoices` | `billing.create_invoice` | W | W |  |
| GET | `/billing/invoices/summary` | `billing.summary` | R |  | R |
| POST | `/orders/` | `orders.create_order` |  | W | W |
| PATCH | `/orders/<int:order_id>` | `orders.amend_order` |  | R? | W |
| DELETE | `/orders/<int:order_id>` | `orders.cancel_order` |  |  |  |
"""


def markdown(project: Path) -> str:
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    return render_markdown(analyze_project(project, options))


def section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start + 1 : end if end != -1 else len(text)]


def tables(text: str) -> list[list[str]]:
    """Each block of consecutive lines that start with `|`."""
    blocks: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            blocks.append([])
        if is_row:
            blocks[-1].append(line)
        previous = is_row
    return blocks


def test_summary_comes_first_with_counts_hotspots_cycles_and_diagnostic_kinds() -> None:
    text = markdown(FIXTURES / "areas")
    assert text.index("## Summary") < text.index("## Routes x tables")
    assert section(text, "## Summary") == AREAS_SUMMARY


def test_single_app_matrix_names_the_app_once() -> None:
    matrix = section(markdown(FIXTURES / "areas"), "## Routes x tables")
    assert matrix.endswith(AREAS_MATRIX)
    assert matrix.count("app:app") == 1


def test_several_apps_get_one_matrix_each() -> None:
    matrix = section(markdown(FIXTURES / "multi_app"), "## Routes x tables")
    headings = [line for line in matrix.splitlines() if line.startswith("### ")]
    assert headings == [
        "### app `admin.app:create_admin()`",
        "### app `public:app`",
        "### blueprints no app registers",
    ]
    assert "| GET | `/shared/about` | `shared.about` |" in matrix
    assert "| GET | `/orphan/x` | `orphan.x` |" in matrix


def test_per_table_hotspot_and_cycle_sections_name_what_they_found() -> None:
    text = markdown(FIXTURES / "areas")
    assert (
        "### `ledger`\n\n- written by: `billing.create_invoice`, `orders.create_order`\n"
        "- read by: `orders.amend_order`\n"
    ) in section(text, "## Tables: who reads, who writes")
    hotspots = section(text, "## Hotspots")
    assert "- `ledger`: billing, orders" in hotspots
    assert (
        "- shop/billing.py:19 `shop.billing:summary`: `invoices` (billing), `orders` (orders)"
        in hotspots
    )
    cycles = section(markdown(FIXTURES / "calls"), "## Import cycles")
    assert "- services.billing -> services.orders -> services.billing" in cycles


def test_guards_section_names_each_routes_guards_and_hook_tables() -> None:
    guards = section(markdown(FIXTURES / "guards"), "## Guards per route")
    assert "| GET | `/` | `pages.home` | none |  | visits |" in guards
    assert (
        "| GET | `/staff/documents` | `staff.staff_documents` | `portal.staff:staff_only` (hook) "
        "| users | audit, visits |"
    ) in guards
    assert (
        "| GET | `/drafts` | `pages.drafts` | `flask_login.login_required` (class) | users "
        "| visits |"
    ) in guards


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_table_is_valid_markdown(project: Path) -> None:
    blocks = tables(markdown(project))
    assert blocks
    for block in blocks:
        widths = {len(UNESCAPED_PIPE.findall(line)) for line in block}
        assert len(widths) == 1, block
        assert re.fullmatch(r"\|( ---:? \|)+", block[1]), block[1]


def test_cells_escape_pipes_and_code_spans_hold_backticks() -> None:
    assert row(["GET", code('/<regex("a|b"):x>')]) == '| GET | `/<regex("a\\|b"):x>` |'
    assert code("a`b") == "`` a`b ``"


def test_other_databases_section_lists_each_external_access_and_its_routes() -> None:
    text = markdown(FIXTURES / "external_databases")
    other = section(text, "## Other databases")
    assert "| `warehouse` | `stock` | write | app.py:70 | `warehouse_restock` |" in other
    assert (
        "| `reporting.reports_engine` | `exports` | write | reporting.py:15 | `reports_export` |"
    ) in other
    assert "`stock`" not in section(text, "## Tables: who reads, who writes")
    assert section(markdown(FIXTURES / "areas"), "## Other databases") == (
        "## Other databases\n\nNone.\n"
    )


def test_other_databases_section_names_the_hooks_that_reach_them() -> None:
    other = section(markdown(FIXTURES / "helper_connections_orm"), "## Other databases")
    assert (
        "| `sqlite3.connect` | `visit_counts` | write | crm/legacy.py:28 |"
        " before_request `crm.legacy:count_visit` |"
    ) in other
    assert (
        "| `sqlite3.connect` | `agents` | read | crm/legacy.py:38 |"
        " user_loader `crm.legacy:load_agent` |"
    ) in other
