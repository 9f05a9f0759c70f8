"""Ownership, conflicts and the migration order on a three-area app built by hand.

Routes and the tables they touch:
  a.list reads t_a; a.edit writes t_a          (area A)
  b.show reads t_a, writes t_b                 (area B)
  c.put writes t_b and t_c                     (area C)
"""

from __future__ import annotations

from analyzer.resolution.results import Access, Analysis, ModuleInfo, Route, Table
from planner.candidates import build_candidates, name_groups
from planner.model import Candidate, RedirectWrite
from planner.ownership import plan_ownership, with_planned_owners
from planner.usecases import analysis_hash
from planner.waves import plan_waves
from planner.weights import build_plan_graph

APP = "shop.app:create_app()"
ACCESS = {
    "a.list": Access(reads=("t_a",)),
    "a.edit": Access(reads=("t_a",), writes=("t_a",)),
    "b.show": Access(reads=("t_a",), writes=("t_b",)),
    "c.put": Access(writes=("t_b", "t_c")),
}


def tiny_app(root: str = "/src/shop") -> Analysis:
    routes = tuple(
        Route(APP, f"/{endpoint}", endpoint, ("GET",), "views.py", 1,
              ((f"shop.{endpoint[0]}", endpoint),), blueprint=endpoint[0])
        for endpoint in ACCESS
    )  # fmt: skip
    return Analysis(
        root=root,
        apps=(),
        routes=routes,
        route_access={(APP, r.rule, r.endpoint): ACCESS[r.endpoint] for r in routes},
        hooks=(),
        hook_access={},
        tables=(Table("t_a"), Table("t_b", foreign_keys=("t_a",)), Table("t_c")),
        modules=tuple(ModuleInfo(f"shop.{area}", f"{area}.py", 10, ()) for area in "abc"),
        import_cycles=(),
        calls={("shop.b", "b.show"): (("shop.a", "a.list"),)},
        function_uses={},
        diagnostics=(),
    )


def candidates_of(analysis: Analysis) -> dict[str, Candidate]:
    groups = [
        frozenset({"route:a.list", "route:a.edit", "module:shop.a", "table:t_a"}),
        frozenset({"route:b.show", "module:shop.b", "table:t_b"}),
        frozenset({"route:c.put", "module:shop.c", "table:t_c"}),
    ]
    named = name_groups(groups, analysis)
    return {c.name: c for c in build_candidates(named, analysis, build_plan_graph(analysis))}


def test_owns_reads_conflicts_and_what_the_cut_breaks() -> None:
    by_name = candidates_of(tiny_app())
    assert sorted(by_name) == ["a", "b", "c"]  # named after their routes' blueprint
    assert by_name["a"].owns == ("t_a",)
    assert by_name["b"].owns == ()
    assert by_name["b"].conflicts == ("t_b",)  # c writes it too
    assert by_name["b"].reads_from_others == ("t_a",)
    assert by_name["c"].owns == ("t_c",)
    assert by_name["c"].conflicts == ("t_b",)
    assert by_name["b"].broken_foreign_keys == (("t_b", "t_a"),)
    assert by_name["b"].crossing_calls == (("shop.b:b.show", "shop.a:a.list"),)
    assert "writes t_a" in by_name["a"].explanations["route:a.edit"]


def test_waves_move_the_owner_first_and_sync_back_what_the_monolith_reads() -> None:
    analysis = tiny_app()
    found = tuple(candidates_of(analysis).values())
    owners = plan_ownership(found, analysis, build_plan_graph(analysis))
    waves = plan_waves(with_planned_owners(found, owners), analysis, owners)
    # t_b, written by b and c, goes to b (the partition put it there): c writes a table b
    # owns, so it moves after b. a is the only service without conflicts: first.
    assert [w.services for w in waves] == [("a",), ("b",), ("c",)]
    assert [w.owns for w in waves] == [("t_a",), ("t_b",), ("t_c",)]
    assert waves[0].routes == ("a.edit", "a.list")
    assert waves[0].sync_to_service == ("t_a",)
    assert waves[0].sync_to_monolith == ("t_a",)  # b.show, still in the monolith, reads it
    # b uses t_a (a's by now) and t_b, which it takes; c.put still writes t_b: it calls b,
    # and the monolith's copy of t_b is fed back from b
    assert waves[1].sync_to_service == ("t_b",)
    assert waves[1].sync_to_monolith == ("t_b",)
    assert waves[1].redirect_writes == (RedirectWrite("route", "c.put", "t_b", "b"),)
    # nobody else uses t_c
    assert waves[2].sync_to_service == ("t_c",)
    assert waves[2].sync_to_monolith == ()
    assert waves[0].redirect_writes == waves[2].redirect_writes == ()


def test_the_project_hash_ignores_where_the_source_lies() -> None:
    assert analysis_hash(tiny_app("/src/shop")) == analysis_hash(tiny_app("/ci/checkout/shop"))
    changed = tiny_app()
    changed.route_access[APP, "/c.put", "c.put"] = Access(writes=("t_c",))
    assert analysis_hash(changed) != analysis_hash(tiny_app())
