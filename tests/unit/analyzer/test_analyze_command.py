"""`strangler analyze PATH`: formats, output file, options, and usage errors."""

from __future__ import annotations

import io
import json
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.commands import analyze
from analyzer.usecases import AnalyzeOptions, analyze_project
from strangler_cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"
BLUEPRINTS = str(FIXTURES / "blueprints")
TSQL_APP = FIXTURES / "tsql_dialect"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(analyze, [*args, "--no-cache"], catch_exceptions=False)
    return result.exit_code, result.output


def test_json_follows_the_contract() -> None:
    code, output = run(BLUEPRINTS)
    assert code == 0
    data = json.loads(output)
    assert data["schema_version"] == 1
    assert {"routes", "tables", "modules", "diagnostics"} <= set(data)
    route = next(r for r in data["routes"] if r["endpoint"] == "orders.create_order")
    assert route["rule"] == "/api/orders/"
    assert route["methods"] == ["POST"]
    assert (route["file"], route["line"]) == ("shop/orders.py", 19)
    assert route["writes"] == ["orders", "stock"]
    assert route["reads"] == ["cart_items"]
    assert {e["table"] for e in route["evidence"]} == {"orders", "stock", "cart_items"}
    orders = next(t for t in data["tables"] if t["name"] == "orders")
    assert {r["endpoint"] for r in orders["written_by"]} == {"orders.create_order"}
    assert {r["endpoint"] for r in orders["read_by"]} == {"admin.stats", "admin_v2.stats"}
    assert "shop.catalog.views" in {m["name"] for m in data["modules"]}


def test_markdown_report_has_every_section() -> None:
    code, output = run(BLUEPRINTS, "--format", "markdown")
    assert code == 0
    for heading in (
        "## Summary",
        "## Routes x tables",
        "## Tables: who reads, who writes",
        "## On every request",
        "## Hotspots",
        "## Import cycles",
        "## Diagnostics",
    ):
        assert heading in output
    assert "| POST | `/api/orders/` | `orders.create_order` | R |" in output
    assert "shop.catalog -> shop.catalog.views -> shop.catalog" in output


def test_dot_export() -> None:
    code, output = run(BLUEPRINTS, "--format", "dot")
    assert code == 0
    assert output.startswith("digraph strangler {")
    assert '"module:shop.catalog" -> "module:shop.catalog.views" [label="imports"];' in output
    assert '"function:shop.orders.place_order" -> "table:orders" [label="writes"];' in output


def test_graphml_export_is_valid_xml() -> None:
    code, output = run(BLUEPRINTS, "--format", "graphml")
    assert code == 0
    root = ElementTree.fromstring(output)
    namespace = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = {n.get("id") for n in root.iterfind(".//g:node", namespace)}
    assert {"table:orders", "module:shop.orders", "function:shop.orders.place_order"} <= nodes


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = CliRunner().invoke(
        analyze, [BLUEPRINTS, "--no-cache", "--output", str(target)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert json.loads(target.read_text())["schema_version"] == 1


def test_unknown_dialect_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["analyze", BLUEPRINTS, "--dialect", "klingon"])
    assert result.exit_code == 2
    assert "unknown SQL dialect 'klingon'" in result.output


def test_known_dialect_is_accepted() -> None:
    code, _ = run(BLUEPRINTS, "--dialect", "postgres")
    assert code == 0


@pytest.mark.parametrize(
    ("dialect", "reads"),
    [(["--dialect", "tsql"], ["order items"]), ([], []), (["--dialect", "mysql"], [])],
)
def test_the_dialect_reaches_the_sql_parser(dialect: list[str], reads: list[str]) -> None:
    """`SELECT TOP 10 * FROM [order items]` in the fixture is T-SQL: only tsql finds the table."""
    source = (TSQL_APP / "app.py").read_text().splitlines()
    sql_line = next(n for n, text in enumerate(source, 1) if "SELECT TOP 10" in text)
    result = CliRunner().invoke(
        cli,
        ["analyze", str(TSQL_APP), "--format", "json", "--no-cache", *dialect],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [route] = [r for r in data["routes"] if r["endpoint"] == "latest_order_items"]
    assert (route["rule"], route["reads"], route["writes"]) == ("/orders/latest", reads, [])
    assert [t["name"] for t in data["tables"]] == reads
    unparsed = [
        d["line"] for d in data["diagnostics"] if (d["file"], d["kind"]) == ("app.py", "sql")
    ]
    assert unparsed == ([] if reads else [sql_line])


@pytest.mark.parametrize("args", [["/no/such/dir"], [BLUEPRINTS, "--format", "yaml"]])
def test_bad_arguments_exit_with_click_usage_code(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["analyze", *args])
    assert result.exit_code == 2


def test_project_full_of_problems_still_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def (:\n")
    result = CliRunner().invoke(analyze, [str(tmp_path), "--no-cache"])
    assert result.exit_code == 0
    kinds = {d["kind"] for d in json.loads(result.output)["diagnostics"]}
    assert kinds == {"unparsable", "no-flask"}


def test_stderr_stays_quiet_when_it_is_not_a_terminal() -> None:
    result = CliRunner().invoke(analyze, [BLUEPRINTS, "--no-cache"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == ""


def test_progress_bar_is_drawn_when_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    analysis = analyze_project(Path(BLUEPRINTS), AnalyzeOptions(use_cache=False, workers=1))
    files = analysis.stats["files"]
    assert f"analyzing [{'#' * 30}] {files}/{files}" in terminal.getvalue()
