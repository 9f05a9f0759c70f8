"""The HTML report: a deterministic layout whose labels never overlap (300+ nodes), groups by
area, the Markdown report's content as tables, nothing fetched, and names from the analyzed
code kept as text (they are untrusted)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path

import pytest
from click.testing import CliRunner
from html_tree import Element, group_members, parse
from report_samples import (
    HOSTILE_ENDPOINT,
    HOSTILE_MODULE,
    HOSTILE_RULE,
    HOSTILE_TABLE,
    hostile_analysis,
)

from analyzer.collect import fingerprint
from analyzer.reports.as_html import render_html
from analyzer.reports.html_graph import GraphNode, ReportGraph
from analyzer.reports.html_layout import (
    Box,
    Layout,
    layout_graph,
    place_groups,
    shorten,
    text_width,
)
from analyzer.usecases import AnalyzeOptions, analyze_project
from strangler_cli import cli

REPO = Path(__file__).resolve().parents[3]
AREAS = REPO / "tests" / "fixtures" / "analyzer_apps" / "areas"
OPTIONS = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)


def synthetic_graph(groups: int = 12) -> ReportGraph:
    """330 nodes in groups of very different sizes, with short, long (shortened), wide
    (CJK) and combining-mark labels."""
    nodes = []
    for g in range(groups):
        group = f"area_{g:02d}" + ("_with_a_rather_long_name" if g % 5 == 0 else "")
        for i in range(5 + g * 4):
            kind = ("route", "module", "table")[i % 3]
            label = f"{group}.{kind}_{i}" + "x" * (i * 7 % 60)
            if i % 11 == 0:
                label = f"注文の明細_{i}"
            if i % 13 == 0:
                label = f"cafe\u0301_{i}"
            nodes.append(GraphNode(f"{kind}:{g}.{i}", kind, label, "", group))
    return ReportGraph(tuple(sorted({n.group for n in nodes})), tuple(nodes), ())


def shown_labels(layout: Layout, expanded: Collection[str]) -> list[tuple[str, Box]]:
    """(group, box in picture coordinates) for every label visible in that state."""
    frames = place_groups(layout, expanded)
    shown = []
    for group in layout.groups:
        labels = [group.title, *(group.members if group.name in expanded else ())]
        frame = frames[group.name]
        shown += [(group.name, label.box.moved(frame.x, frame.y)) for label in labels]
    return shown


def overlaps(a: Box, b: Box) -> bool:
    return (
        a.x < b.x + b.width
        and b.x < a.x + a.width
        and a.y < b.y + b.height
        and b.y < a.y + a.height
    )


def overlapping(boxes: list[Box]) -> list[tuple[Box, Box]]:
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlaps(a, b)]


def test_no_two_labels_overlap_with_330_nodes_in_any_state() -> None:
    graph = synthetic_graph()
    layout = layout_graph(graph)
    names = [g.name for g in layout.groups]
    assert len(graph.nodes) >= 300
    for expanded in ([], names, names[::2], names[1::3]):
        shown = shown_labels(layout, expanded)
        frames = place_groups(layout, expanded)
        assert overlapping([box for _, box in shown]) == []
        assert overlapping(list(frames.values())) == []
        for group, box in shown:  # every label inside its group's frame
            frame = frames[group]
            assert frame.x <= box.x and box.x + box.width <= frame.x + frame.width
            assert frame.y <= box.y and box.y + box.height <= frame.y + frame.height
    # all expanded: one label per node, a heading per column, a title per group
    all_nodes = [box for _, box in shown_labels(layout, names)]
    assert len(all_nodes) > len(graph.nodes) + len(names)


def test_every_node_is_drawn_once_in_its_group() -> None:
    graph = synthetic_graph()
    for group in layout_graph(graph).groups:
        drawn = [label.node for label in group.members if label.node]
        assert sorted(drawn) == sorted(n.id for n in graph.nodes if n.group == group.name)


def test_label_widths_count_wide_characters_twice_and_combining_marks_not_at_all() -> None:
    # 0.62 em of a 12 px font per cell, rounded up: 7.44 px
    assert text_width("abc") == 23  # 3 cells: 22.32
    assert text_width("注文") == 30  # 4 cells: 29.76
    assert text_width("e\u0301") == 8  # 1 cell: 7.44


def test_long_labels_keep_both_ends() -> None:
    name = "legacy_monolith.some.deeply.nested.package.catalog.queries"  # 58 characters
    # 14 first characters, an ellipsis, 29 last: 44
    assert shorten(name) == "legacy_monolit…ested.package.catalog.queries"
    assert shorten("orders.create") == "orders.create"


def test_the_same_source_gives_the_same_bytes() -> None:
    first = render_html(analyze_project(REPO / "legacy_monolith", OPTIONS))
    second = render_html(analyze_project(REPO / "legacy_monolith", OPTIONS))
    assert first == second


def test_groups_are_the_areas_with_their_routes_and_tables() -> None:
    page = parse(render_html(analyze_project(AREAS, OPTIONS)))
    members = group_members(page)
    # the fixture's blueprints; ledger is written by both, orders more (2 routes to 1)
    assert members["billing"] >= {
        "route:billing.create_invoice",
        "route:billing.summary",
        "table:invoices",
    }
    assert members["orders"] >= {
        "route:orders.create_order",
        "route:orders.amend_order",
        "route:orders.cancel_order",
        "table:orders",
    }
    ledger = next(g for g in page.iter("g") if g.attrs.get("data-node") == "table:ledger")
    assert "hot" in ledger.classes()
    assert "written from 2 areas: billing, orders" in ledger.text()


def _matrix_rows(page: Element) -> list[list[str]]:
    heading = next(h for h in page.iter("h2") if h.text() == "Routes x tables")
    tables = list(page.iter("table"))
    after = [t for t in tables if page_order(page, t) > page_order(page, heading)]
    return [[cell.text() for cell in row.children] for row in after[0].iter("tr")]


def page_order(page: Element, element: Element) -> int:
    return next(i for i, e in enumerate(page.iter()) if e is element)


def test_the_markdown_reports_content_is_there_as_tables() -> None:
    page = parse(render_html(analyze_project(AREAS, OPTIONS)))
    headings = [h.text() for h in page.iter("h2")]
    assert headings == [
        "Graph",
        "Summary",
        "Routes x tables",
        "Guards per route",
        "Tables: who reads, who writes",
        "On every request",
        "Hotspots",
        "Import cycles",
        "Diagnostics",
    ]
    # the same matrix as the Markdown report's (test_analyzer_markdown.AREAS_MATRIX)
    assert _matrix_rows(page) == [
        ["methods", "rule", "endpoint", "invoices", "ledger", "orders"],
        ["POST", "/billing/invoices", "billing.create_invoice", "W", "W", ""],
        ["GET", "/billing/invoices/summary", "billing.summary", "R", "", "R"],
        ["POST", "/orders/", "orders.create_order", "", "W", "W"],
        ["PATCH", "/orders/<int:order_id>", "orders.amend_order", "", "R?", "W"],
        ["DELETE", "/orders/<int:order_id>", "orders.cancel_order", "", "", ""],
    ]
    summary = next(ul for ul in page.iter("ul") if "summary" in ul.classes())
    figures = {li.texts[0]: (li.children[0].text(), li.classes()) for li in summary.children}
    assert figures["routes (not counting static files)"] == ("5", set())
    assert figures["tables written from several areas"] == ("1", {"warn"})  # ledger
    assert figures["import cycles"] == ("0", set())  # nothing to look at: not in red


def test_names_from_the_analyzed_code_stay_text() -> None:
    text = render_html(hostile_analysis())
    page = parse(text)
    tags = {e.tag for e in page.iter()}
    assert not tags & {"img", "b", "i"}
    assert len(list(page.iter("svg"))) == 1  # only the picture
    assert [s.attrs.get("type") for s in page.iter("script")] == [
        "application/json",
        None,
    ]
    assert all(not name.startswith("on") for e in page.iter() for name in e.attrs)
    # the names are all there, as text, exactly
    shown = page.text()
    for name in (HOSTILE_RULE, HOSTILE_ENDPOINT, HOSTILE_TABLE, HOSTILE_MODULE):
        assert name in shown
    data = json.loads(next(s for s in page.iter("script") if s.attrs.get("type")).text())
    assert [g["name"] for g in data["groups"]] == [HOSTILE_MODULE]  # the blueprint's area
    assert [f"route:{HOSTILE_ENDPOINT}", f"table:{HOSTILE_TABLE}", "writes"] in data["edges"]


def test_the_page_refers_to_nothing_outside_itself() -> None:
    text = render_html(analyze_project(REPO / "legacy_monolith", OPTIONS))
    page = parse(text)
    assert not {"link", "img", "iframe", "object", "embed"} & {e.tag for e in page.iter()}
    assert not [e for e in page.iter() if "src" in e.attrs or "href" in e.attrs]
    for style in page.iter("style"):
        assert "url(" not in style.text() and "@import" not in style.text()
    # the one address is the SVG namespace, a name that is never fetched
    assert set(re.findall(r"\w+://[^\"' ]+", text)) == {"http://www.w3.org/2000/svg"}


def test_editing_the_pages_script_or_style_is_a_new_toolkit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged tree reuses its last report only while the toolkit is the same: the
    page's .js and .css count as the toolkit's source."""
    monkeypatch.setattr(fingerprint, "ANALYZER_DIR", tmp_path)
    (tmp_path / "graph.js").write_text("draw();", encoding="utf-8")
    before = fingerprint.toolkit_fingerprint()
    (tmp_path / "graph.js").write_text("draw(); fit();", encoding="utf-8")
    assert fingerprint.toolkit_fingerprint() != before


def test_analyze_writes_html_to_stdout() -> None:
    result = CliRunner().invoke(cli, ["analyze", str(AREAS), "--format", "html", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert set(group_members(parse(result.stdout))) >= {"billing", "orders"}
