"""Each sample app under tests/fixtures/analyzer_apps/ against the facts written beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analyzer.reports.as_json import analysis_to_dict
from analyzer.usecases import AnalyzeOptions, analyze_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"
APPS = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())
APPS_WITH_HOTSPOTS = [
    a for a in APPS if "hotspots" in json.loads((FIXTURES / a / "expected.json").read_text())
]
ROUTE_KEYS = ("app", "rule", "endpoint", "methods", "file", "line")
ACCESS_KEYS = ("reads", "writes", "indirect", "low_confidence")
HOOK_ACCESS_KEYS = ("hook_reads", "hook_writes")


def analyze(name: str) -> dict[str, Any]:
    options = AnalyzeOptions(use_cache=False, show_progress=False, workers=1)
    return analysis_to_dict(analyze_project(FIXTURES / name, options))


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name / "expected.json").read_text())
    return data


def route_key(route: dict[str, Any]) -> tuple[Any, ...]:
    values = {**route, "app": route["app"] or "", "methods": tuple(route["methods"])}
    return tuple(values[k] for k in ROUTE_KEYS)


@pytest.fixture(scope="module", params=APPS)
def app_case(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    return analyze(request.param), expected(request.param)


def test_routes_are_exactly_the_expected_ones(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    assert sorted(map(route_key, found["routes"])) == sorted(map(route_key, wanted["routes"]))


def test_reads_writes_and_indirect_tables_per_route(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    by_key = {route_key(r): r for r in found["routes"]}
    for route in wanted["routes"]:
        got = by_key[route_key(route)]
        for key in ACCESS_KEYS:
            assert got[key] == route.get(key, []), (route["endpoint"], key)


def test_what_runs_besides_the_view_per_route(app_case: tuple[dict, dict]) -> None:
    """hook_reads/hook_writes, checked for the fixtures that write them down."""
    found, wanted = app_case
    by_key = {route_key(r): r for r in found["routes"]}
    for route in wanted["routes"]:
        if "guards" not in route:
            continue
        got = by_key[route_key(route)]
        for key in HOOK_ACCESS_KEYS:
            assert got[key] == route.get(key, []), (route["endpoint"], key)


def test_guards_per_route(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    by_key = {route_key(r): r for r in found["routes"]}
    for route in wanted["routes"]:
        if "guards" in route:
            assert by_key[route_key(route)]["guards"] == route["guards"], route["endpoint"]


def test_tables_of_other_databases(app_case: tuple[dict, dict]) -> None:
    """`external`, overall and per route: `[]` wherever the expected facts list none."""
    found, wanted = app_case
    assert found["external"] == wanted.get("external", [])
    by_key = {route_key(r): r for r in found["routes"]}
    for route in wanted["routes"]:
        assert by_key[route_key(route)]["external"] == route.get("external", []), route["endpoint"]


def test_tables_of_other_databases_reached_besides_the_view(app_case: tuple[dict, dict]) -> None:
    """`hook_external` per route: `[]` wherever the expected facts list none."""
    found, wanted = app_case
    by_key = {route_key(r): r for r in found["routes"]}
    for route in wanted["routes"]:
        got = by_key[route_key(route)]["hook_external"]
        assert got == route.get("hook_external", []), route["endpoint"]


def test_apps_are_listed(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    assert [a["name"] for a in found["apps"]] == wanted["apps"]


def test_hooks_are_reported_on_every_request(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    got = [
        {k: h[k] for k in ("kind", "function", "applies_to", "reads", "writes")}
        | ({"external": h["external"]} if h["external"] else {})
        for h in found["hooks"]
    ]
    assert got == wanted.get("hooks", [])
    assert all(h["on_every_request"] for h in found["hooks"])


def test_import_cycles(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    assert found["import_cycles"] == wanted.get("import_cycles", [])


def test_tables_defined_in_the_app(app_case: tuple[dict, dict]) -> None:
    found, wanted = app_case
    got = {
        t["name"]: {"model": t["model"], "foreign_keys": t["foreign_keys"]} for t in found["tables"]
    }
    assert got == wanted["tables"]


def test_diagnostics(app_case: tuple[dict, dict]) -> None:
    """file, line and kind of each; and, where the expected facts give `mentions`, a place
    the message must name (a registration's own line, noted at the call reaching it)."""
    found, wanted = app_case
    keys = ("file", "line", "kind")
    got = [{k: d[k] for k in keys} for d in found["diagnostics"]]
    assert got == [{k: d[k] for k in keys} for d in wanted["diagnostics"]]
    mentioned = [
        (w["mentions"], g["message"])
        for g, w in zip(found["diagnostics"], wanted["diagnostics"], strict=True)
        if "mentions" in w
    ]
    assert all(place in message for place, message in mentioned), mentioned


@pytest.mark.parametrize("name", APPS_WITH_HOTSPOTS)
def test_hotspots(name: str) -> None:
    assert analyze(name)["hotspots"] == expected(name)["hotspots"]
