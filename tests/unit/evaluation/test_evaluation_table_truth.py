"""evaluation/tables/*.json (hand-labelled table access) and how score_tables reads reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evaluation_modules import evaluation_module

ROOT = Path(__file__).resolve().parents[3]
TABLES_DIR = ROOT / "evaluation" / "tables"
TRUTH_FILES = sorted(TABLES_DIR.glob("*.json"))
# apps.toml's `route_truth = false` apps: no url_map to check their rules against
TABLE_ONLY = {app.name for app in evaluation_module("apps").load_apps() if not app.route_truth}
WITH_ROUTE_TRUTH = [path for path in TRUTH_FILES if path.stem not in TABLE_ONLY]


@pytest.mark.parametrize("path", WITH_ROUTE_TRUTH, ids=lambda p: p.stem)
def test_table_truth_covers_exactly_the_routes_of_the_route_truth(path: Path) -> None:
    tables = json.loads(path.read_text(encoding="utf-8"))
    rules = json.loads((ROOT / "evaluation" / "truth" / path.name).read_text())["rules"]
    if "blueprints" in tables:  # a large app: every route of these blueprints, no other
        rules = [rule for rule in rules if _blueprint(rule[1]) in tables["blueprints"]]
        assert rules, "no route of the route truth is in the listed blueprints"
    if "endpoints" in tables:  # a large app without blueprints: every route of these endpoints
        rules = [rule for rule in rules if rule[1] in tables["endpoints"]]
        assert {rule[1] for rule in rules} == set(tables["endpoints"]), "an endpoint not in truth"
    labelled = [(r["rule"], r["endpoint"], r["methods"]) for r in tables["routes"]]
    assert sorted(labelled) == sorted(tuple(rule) for rule in rules)
    assert tables["route_count"] == len(labelled)


def test_a_table_only_truth_labels_every_route_of_its_endpoints_once() -> None:
    """Its rules were read from the code: what can be checked without a url_map."""
    for name in sorted(TABLE_ONLY):
        tables = json.loads((TABLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
        labelled = [(r["rule"], r["endpoint"], tuple(r["methods"])) for r in tables["routes"]]
        assert len(set(labelled)) == len(labelled) == tables["route_count"], name
        assert {route[1] for route in labelled} == set(tables["endpoints"]), name


def _blueprint(endpoint: str) -> str:
    """The blueprint an endpoint belongs to (`"parent.child"` for a nested one), `""` for none."""
    return endpoint.rpartition(".")[0]


@pytest.mark.parametrize("path", TRUTH_FILES, ids=lambda p: p.stem)
def test_each_labelled_route_names_known_tables_and_says_why(path: Path) -> None:
    tables = json.loads(path.read_text(encoding="utf-8"))
    known = set(tables["tables"])
    for route in tables["routes"]:
        assert set(route["reads"]) | set(route["writes"]) <= known, route["endpoint"]
        assert route["reads"] == sorted(set(route["reads"])), route["endpoint"]
        assert route["writes"] == sorted(set(route["writes"])), route["endpoint"]
        assert route["note"].strip(), route["endpoint"]


def test_tables_read_through_relationships_count_as_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from evaluation.apps import AppSpec
    from evaluation.score_tables import reported_tables

    app = AppSpec(name="shop", why="", requirement="shop==1", target="shop:app")
    report = {
        "routes": [
            {
                "app": "shop:app",
                "rule": "/bills",
                "endpoint": "bills",
                "methods": ["GET", "HEAD"],
                "reads": ["bill"],
                "writes": ["audit"],
                "indirect": ["person", "tag"],
                "evidence": [
                    {"table": "person", "mode": "read", "indirect": True},
                    {"table": "tag", "mode": "write", "indirect": True},
                    {"table": "bill", "mode": "read", "indirect": False},
                ],
            }
        ]
    }
    found = reported_tables(app, report)
    tables = found[("/bills", "bills", ("GET",))]
    # person: read through a relationship; tag: target of a collection change, no read
    assert tables.reads == frozenset({"bill", "person"})
    assert tables.writes == frozenset({"audit"})


def test_readme_table_goes_between_its_markers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    from evaluation.readme_tables import with_table
    from evaluation.score_tables import MARKERS

    readme = f"intro\n{MARKERS[0]}\nold table\n{MARKERS[1]}\nafter\n"
    updated = with_table(readme, MARKERS, "evaluation.score_tables", "| new |", "2026-01-02")
    assert updated.startswith("intro\n")
    assert updated.endswith(f"{MARKERS[1]}\nafter\n")
    assert "old table" not in updated
    assert "Measured 2026-01-02" in updated and "| new |" in updated
