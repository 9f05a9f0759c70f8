"""One planned writer per table, and the waves that make it executable, on apps built by hand.

The two-area app (`two_writers`), routes and the tables they touch:
  b.add writes t_s and t_b; b.fix writes t_s                       (area b)
  a.put writes t_s and t_a; a.get, a.see, a.look read t_s          (area a)
  the request hook shop.hooks:stamp writes t_log and t_b            (the monolith's)
t_s sits in neither area (left out of the groups by hand), so the partition does not
decide it: b writes it from 2 routes, a from 1, though a is more linked to it (write 2 +
three reads 1 = 5, against b's 2 + 2 = 4) and first by name.
"""

from __future__ import annotations

from analyzer.resolution.results import Access, Analysis, Hook, ModuleInfo, Route, Table
from planner.candidates import build_candidates, name_groups
from planner.constraints import ConstraintsFile
from planner.model import Candidate, RedirectWrite, TableOwner
from planner.ownership import plan_ownership, with_planned_owners
from planner.usecases import build_plan
from planner.waves import plan_waves
from planner.weights import build_plan_graph

APP = "shop.app:create_app()"
TWO_WRITERS = {
    "b.add": Access(writes=("t_s", "t_b")),
    "b.fix": Access(writes=("t_s",)),
    "a.put": Access(writes=("t_s", "t_a")),
    "a.get": Access(reads=("t_s",)),
    "a.see": Access(reads=("t_s",)),
    "a.look": Access(reads=("t_s",)),
}
STAMP = Hook("before_app_request", f"app {APP}", ("shop.hooks", "stamp"), "hooks.py", 3)


def app(access: dict[str, Access], hook_writes: tuple[str, ...] = ()) -> Analysis:
    routes = tuple(
        Route(APP, f"/{endpoint}", endpoint, ("POST",), "views.py", 1,
              ((f"shop.{endpoint[0]}", endpoint),), blueprint=endpoint[0])
        for endpoint in access
    )  # fmt: skip
    tables = sorted({t for a in access.values() for t in (*a.reads, *a.writes, *hook_writes)})
    return Analysis(
        root="/src/shop",
        apps=(),
        routes=routes,
        route_access={(APP, r.rule, r.endpoint): access[r.endpoint] for r in routes},
        hooks=(STAMP,) if hook_writes else (),
        hook_access={STAMP: Access(writes=hook_writes)} if hook_writes else {},
        tables=tuple(Table(t) for t in tables),
        modules=tuple(ModuleInfo(f"shop.{area}", f"{area}.py", 10, ()) for area in "ab"),
        import_cycles=(),
        calls={},
        function_uses={},
        diagnostics=(),
    )


def two_writers() -> Analysis:
    return app(TWO_WRITERS, hook_writes=("t_log", "t_b"))


def areas(analysis: Analysis, tables: dict[str, tuple[str, ...]]) -> tuple[Candidate, ...]:
    """One candidate per area: its routes, its module, and `tables[area]`."""
    groups = [
        frozenset(
            {f"route:{r.endpoint}" for r in analysis.routes if r.endpoint.startswith(f"{area}.")}
            | {f"module:shop.{area}"}
            | {f"table:{t}" for t in tables.get(area, ())}
        )
        for area in "ab"
    ]
    named = name_groups(groups, analysis)
    return build_candidates(named, analysis, build_plan_graph(analysis))


def owners_of(analysis: Analysis, tables: dict[str, tuple[str, ...]]) -> dict[str, TableOwner]:
    owners = plan_ownership(areas(analysis, tables), analysis, build_plan_graph(analysis))
    return {o.table: o for o in owners}


def test_each_written_table_gets_one_owner_by_the_rule() -> None:
    owners = owners_of(two_writers(), {"a": ("t_a",), "b": ("t_b",)})
    assert sorted(owners) == ["t_a", "t_b", "t_log", "t_s"]
    assert owners["t_a"] == TableOwner("t_a", "a", ("a",), "only the routes of a write it")
    assert owners["t_b"].owner == "b"  # the hook writes it too, but is no candidate
    assert owners["t_s"] == TableOwner(
        "t_s", "b", ("a", "b"),
        "written by a (1 route), b (2 routes); b has the most routes writing it",
    )  # fmt: skip
    assert owners["t_log"].owner is None  # only the monolith's hook writes it
    assert "the monolith keeps it" in owners["t_log"].why


def test_the_partition_then_the_link_weight_then_the_name_break_ties() -> None:
    # p.write writes t_n, t_h, t_w; p.edit writes t_h; q.write writes t_w, t_n, t_h;
    # q.look reads t_w. The groups put t_h with q.
    analysis = app(
        {
            "p.write": Access(writes=("t_h", "t_n", "t_w")),
            "p.edit": Access(writes=("t_h",)),
            "q.write": Access(writes=("t_h", "t_n", "t_w")),
            "q.look": Access(reads=("t_w",)),
        }
    )
    groups = [
        frozenset({"route:p.write", "route:p.edit"}),
        frozenset({"route:q.write", "route:q.look", "table:t_h"}),
    ]
    graph = build_plan_graph(analysis)
    found = build_candidates(name_groups(groups, analysis), analysis, graph)
    owners = {o.table: o for o in plan_ownership(found, analysis, graph)}
    # t_h: p writes it from 2 routes, q from 1, but the partition put it with q
    assert owners["t_h"].owner == "q"
    assert owners["t_h"].why.endswith("the plan puts it with q")
    # t_w: 1 route each; q's links weigh 2 + 1 (q.look reads it), p's 2
    assert owners["t_w"].owner == "q"
    assert owners["t_w"].why.endswith("q is the most linked to it in the plan graph (weight 3)")
    # t_n: 1 route and weight 2 each: p, the first by name
    assert owners["t_n"].owner == "p"
    assert owners["t_n"].why.endswith("tied, p is the first by name")


def test_a_pin_decides_the_owner() -> None:
    analysis = two_writers()
    found = areas(analysis, {"a": ("t_a",), "b": ("t_b",)})
    owners = plan_ownership(found, analysis, build_plan_graph(analysis), {"t_s": "a"})
    by_table = {o.table: o for o in owners}
    assert by_table["t_s"] == TableOwner("t_s", "a", ("a", "b"), "pinned to a by the constraints")
    planned = {c.name: c.planned_owns for c in with_planned_owners(found, owners)}
    assert planned == {"a": ("t_a", "t_s"), "b": ("t_b",)}


def test_the_owner_moves_first_and_the_other_writers_call_it() -> None:
    analysis = two_writers()
    found = areas(analysis, {"a": ("t_a",), "b": ("t_b",)})
    owners = plan_ownership(found, analysis, build_plan_graph(analysis))
    candidates = with_planned_owners(found, owners)
    assert {c.name: (c.owns, c.planned_owns) for c in candidates} == {
        "a": (("t_a",), ("t_a",)),  # t_s is a conflict, not its own
        "b": (("t_b",), ("t_b", "t_s")),
    }
    waves = plan_waves(candidates, analysis, owners)
    # a writes t_s, which b owns: b first (a has no dependents, b one: the old order
    # moved a first, its writes of t_s going to the monolith while b was about to own it)
    assert [w.services for w in waves] == [("b",), ("a",)]
    assert [w.owns for w in waves] == [("t_b", "t_s"), ("t_a",)]
    first, second = waves
    assert first.redirect_writes == (
        RedirectWrite("hook", "shop.hooks:stamp", "t_b", "b"),
        RedirectWrite("route", "a.put", "t_s", "b"),
    )
    # t_b: the monolith's hook writes it; t_s: a's routes read and write it
    assert first.sync_to_service == ("t_b", "t_s")
    assert first.sync_to_monolith == ("t_b", "t_s")
    # a uses t_s (b's by now) and t_a, which nobody else uses
    assert second.sync_to_service == ("t_a",)
    assert second.sync_to_monolith == ()
    assert second.redirect_writes == ()


def test_owners_writing_each_others_tables_move_together() -> None:
    # t_s goes to b (2 routes); a.put now also writes t_b2, held by a: a needs b, b needs a
    access = {**TWO_WRITERS, "a.put": Access(writes=("t_s", "t_a", "t_b2"))}
    access["b.add"] = Access(writes=("t_s", "t_b", "t_b2"))
    analysis = app(access)
    found = areas(analysis, {"a": ("t_a", "t_b2"), "b": ("t_b",)})
    owners = plan_ownership(found, analysis, build_plan_graph(analysis))
    waves = plan_waves(with_planned_owners(found, owners), analysis, owners)
    assert [w.services for w in waves] == [("a", "b")]
    assert waves[0].owns == ("t_a", "t_b", "t_b2", "t_s")
    assert waves[0].redirect_writes == (
        RedirectWrite("route", "b.add", "t_b2", "a"),
        RedirectWrite("route", "a.put", "t_s", "b"),
    )


def test_the_same_input_in_another_order_gives_the_same_owners_and_waves() -> None:
    analysis = two_writers()
    found = areas(analysis, {"a": ("t_a",), "b": ("t_b",)})
    graph = build_plan_graph(analysis)
    owners = plan_ownership(found, analysis, graph)
    reordered = plan_ownership(found[::-1], analysis, graph)
    assert owners == reordered
    waves = plan_waves(with_planned_owners(found, owners), analysis, owners)
    assert plan_waves(with_planned_owners(found[::-1], owners), analysis, owners) == waves


def test_build_plan_honours_a_table_pinned_by_the_constraints() -> None:
    pins = '[services.keeper]\ntables = ["t_s"]\nroutes = ["a.put"]\n'
    plan = build_plan(two_writers(), constraints=ConstraintsFile("shop.toml", pins))
    by_table = {o.table: o for o in plan.ownership}
    assert by_table["t_s"].owner == "keeper"
    keeper = next(c for c in plan.candidates if c.name == "keeper")
    assert "t_s" in keeper.planned_owns
    wave = next(w for w in plan.waves if "keeper" in w.services)
    assert "t_s" in wave.owns
    redirected = {(r.writer, r.owner) for r in wave.redirect_writes if r.table == "t_s"}
    assert redirected == {("b.add", "keeper"), ("b.fix", "keeper")}
