"""evaluation/tables/*.json (hand-labelled table access) and how score_tables reads reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TABLES_DIR = ROOT / "evaluation" / "tables"
TRUTH_FILES = sorted(TABLES_DIR.glob("*.json"))


@pytest.mark.parametrize("path", TRUTH_FILES, ids=lambda p: p.stem)
def test_table_truth_covers_exactly_the_routes_of_the_route_truth(path: Path) -> None:
    tables = json.loads(path.read_text(encoding="utf-8"))
    route_truth = ROOT / "evaluation" / "truth" / path.name
    if not route_truth.is_file():  # a table-only app (apps.toml's route_truth = false)
        pytest.skip("a table-only app: its rules were read from the code")
    rules = json.loads(route_truth.read_text())["rules"]
    if "blueprints" in tables:  # a large app: every route of these blueprints, no other
        rules = [rule for rule in rules if _blueprint(rule[1]) in tables["blueprints"]]
        assert rules, "no route of the route truth is in the listed blueprints"
    if "endpoints" in tables:  # a large app without blueprints: every route of these endpoints
        rules = [rule for rule in rules if rule[1] in tables["endpoints"]]
        assert {rule[1] for rule in rules} == set(tables["endpoints"]), "an endpoint not in truth"
    labelled = [(r["rule"], r["endpoint"], r["methods"]) for r in tables["routes"]]
    assert sorted(labelled) == sorted(tuple(rule) for rule in rules)
    assert tables["route_count"] == len(labelled)


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
