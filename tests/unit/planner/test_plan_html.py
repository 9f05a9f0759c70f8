"""`strangler plan --format html`: the picture's groups are the plan's candidate services,
tables written by several services are marked, and the Markdown report's content is there."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from html_tree import Element, group_members, parse

from analyzer.resolution.results import Access, Analysis, ModuleInfo, Route, Table
from planner.as_html import render_html
from planner.commands import plan as plan_command
from planner.usecases import build_plan

ROOT = Path(__file__).resolve().parents[3]
APP = "shop.app:create_app()"
# a.* and b.* write their own table; c.put writes t_b too: t_b is written by two services
ACCESS = {
    "a.list": Access(reads=("t_a",)),
    "a.edit": Access(reads=("t_a",), writes=("t_a",)),
    "b.show": Access(reads=("t_b",), writes=("t_b",)),
    "b.edit": Access(reads=("t_b",), writes=("t_b",)),
    "c.put": Access(reads=("t_c",), writes=("t_b", "t_c")),
    "c.get": Access(reads=("t_c",)),
}


def three_areas() -> Analysis:
    routes = tuple(
        Route(APP, f"/{endpoint}", endpoint, ("GET",), "views.py", 1,
              ((f"shop.{endpoint[0]}", endpoint),), blueprint=endpoint[0])
        for endpoint in ACCESS
    )  # fmt: skip
    return Analysis(
        root="/src/shop",
        apps=(),
        routes=routes,
        route_access={(APP, r.rule, r.endpoint): ACCESS[r.endpoint] for r in routes},
        hooks=(),
        hook_access={},
        tables=(Table("t_a"), Table("t_b"), Table("t_c")),
        modules=tuple(ModuleInfo(f"shop.{area}", f"{area}.py", 10, ()) for area in "abc"),
        import_cycles=(),
        calls={},
        function_uses={},
        diagnostics=(),
    )


def node(page: Element, node_id: str) -> Element:
    return next(g for g in page.iter("g") if g.attrs.get("data-node") == node_id)


def test_groups_are_the_candidate_services_with_what_they_hold() -> None:
    analysis = three_areas()
    plan = build_plan(analysis, services=3)
    members = group_members(parse(render_html(plan, analysis)))
    assert set(members) == {c.name for c in plan.candidates}
    for c in plan.candidates:
        assert members[c.name] == {
            *(f"route:{r}" for r in c.routes),
            *(f"module:{m}" for m in c.modules),
            *(f"table:{t}" for t in c.tables),
        }


def test_tables_written_by_several_services_are_marked() -> None:
    analysis = three_areas()
    plan = build_plan(analysis, services=3)
    page = parse(render_html(plan, analysis))
    writers = sorted(c.name for c in plan.candidates if "t_b" in c.conflicts)
    assert len(writers) == 2  # the services holding b.* and c.put
    assert "hot" in node(page, "table:t_b").classes()
    assert f"written by services {', '.join(writers)}" in node(page, "table:t_b").text()
    assert "hot" not in node(page, "table:t_a").classes()
    hot_groups = {g.attrs["data-group"] for g in page.iter("g") if "has-hot" in g.classes()}
    assert hot_groups == {c.name for c in plan.candidates if "t_b" in c.tables}


def test_metrics_and_waves_are_tables() -> None:
    analysis = three_areas()
    plan = build_plan(analysis, services=3)
    page = parse(render_html(plan, analysis))
    rows = {
        row.children[0].text(): [cell.text() for cell in row.children[1:]]
        for row in page.iter("tr")
    }
    sm = "SM, structural modularity (higher is better)"
    assert rows[sm] == [
        str(plan.metrics["proposal"]["structural_modularity"]),
        str(plan.metrics["as_is"]["structural_modularity"]),
    ]
    for number, wave in enumerate(plan.waves, start=1):
        assert rows[str(number)][0] == ", ".join(wave.services)
        assert rows[str(number)][2] == ", ".join(wave.owns)
    # c.put writes t_b, which the service of b.* owns: listed in that service's wave
    owner = next(c.name for c in plan.candidates if "b.show" in c.routes)
    number = next(n for n, wave in enumerate(plan.waves, start=1) if owner in wave.services)
    assert rows[str(number)][5] == f"c.put -> t_b -> {owner}"


def test_plan_command_writes_html_for_the_sample_shop(tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    path = str(ROOT / "legacy_monolith")
    result = CliRunner().invoke(plan_command, [path, "--format", "html", "--output", str(out)])
    assert result.exit_code == 0, result.output
    as_json = CliRunner().invoke(plan_command, [path, "--format", "json"])
    services = {s["name"] for s in json.loads(as_json.stdout)["services"]}
    groups = set(group_members(parse(out.read_text(encoding="utf-8"))))
    assert groups - {"(unassigned)"} == services
