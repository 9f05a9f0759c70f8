"""Constraints honoured, and what they cost, on a two-area app built by hand.

Routes (blueprint) and the tables they touch, and the plan graph's weights (write 2,
read 1, foreign key 1):
  p1 (west) writes t_a, reads t_b     p1-t_a 2, p1-t_b 1
  p2 (west) writes t_b, reads t_a     p2-t_b 2, p2-t_a 1     t_b references t_a: t_a-t_b 1
  q1 (east) writes t_c, reads t_d     q1-t_c 2, q1-t_d 1
  q2 (east) writes t_c and t_d        q2-t_c 2, q2-t_d 2
Without constraints: west = {p1, p2, t_a, t_b}, east = {q1, q2, t_c, t_d}; nothing is cut.
"""

from __future__ import annotations

from analyzer.resolution.results import Access, Analysis, Route, Table
from planner.as_json import render_json
from planner.as_markdown import render_markdown
from planner.constraints import ConstraintsFile
from planner.model import Plan
from planner.usecases import build_plan

APP = "shop.app:create_app()"
ACCESS = {
    "p1": Access(reads=("t_b",), writes=("t_a",)),
    "p2": Access(reads=("t_a",), writes=("t_b",)),
    "q1": Access(reads=("t_d",), writes=("t_c",)),
    "q2": Access(writes=("t_c", "t_d")),
}


def two_areas(extra: dict[str, Access] | None = None) -> Analysis:
    access = {**ACCESS, **(extra or {})}
    routes = tuple(
        Route(APP, f"/{e}", e, ("POST",), "views.py", 1, (),
              blueprint="west" if e.startswith("p") else "east")
        for e in access
    )  # fmt: skip
    return Analysis(
        root="/src/shop",
        apps=(),
        routes=routes,
        route_access={(APP, r.rule, r.endpoint): access[r.endpoint] for r in routes},
        hooks=(),
        hook_access={},
        tables=(Table("t_a"), Table("t_b", foreign_keys=("t_a",)), Table("t_c"), Table("t_d")),
        modules=(),
        import_cycles=(),
        calls={},
        function_uses={},
        diagnostics=(),
    )


def planned(text: str | None, services: int | None = None, app: Analysis | None = None) -> Plan:
    constraints = ConstraintsFile("shop.toml", text) if text is not None else None
    return build_plan(app or two_areas(), services, constraints)


def services_of(plan: Plan) -> dict[str, set[str]]:
    return {c.name: set(c.routes) | set(c.tables) for c in plan.candidates}


def test_without_constraints_the_areas_stay_whole() -> None:
    plan = planned(None)
    assert services_of(plan) == {
        "west": {"p1", "p2", "t_a", "t_b"},
        "east": {"q1", "q2", "t_c", "t_d"},
    }
    assert plan.constraints is None


def test_things_kept_apart_are_split_and_the_cut_edges_are_the_cost() -> None:
    plan = planned('[[apart]]\nthings = ["table:t_a", "table:t_b"]\n')
    # p1 follows t_a (2 against 1), p2 follows t_b (2 against 1); east is untouched
    assert services_of(plan) == {
        "west": {"p1", "t_a"},
        "west_2": {"p2", "t_b"},
        "east": {"q1", "q2", "t_c", "t_d"},
    }
    assert plan.constraints is not None
    (apart,) = plan.constraints.costs
    assert apart.constraint == "apart: table t_a, table t_b"
    assert apart.line == 2
    # newly cut: p1-t_b 1 + p2-t_a 1 + t_a-t_b 1
    assert apart.cost == 3
    assert apart.edges == (
        ("route:p1", "table:t_b", 1.0),
        ("route:p2", "table:t_a", 1.0),
        ("table:t_a", "table:t_b", 1.0),
    )
    assert (plan.constraints.crossing_weight, plan.constraints.unconstrained_crossing_weight) == (
        3,
        0,
    )


def test_pins_name_their_services_and_each_pin_has_its_own_cost() -> None:
    plan = planned('[services.one]\ntables = ["t_a"]\n\n[services.two]\ntables = ["t_b"]\n')
    assert services_of(plan) == {
        "one": {"p1", "t_a"},
        "two": {"p2", "t_b"},
        "east": {"q1", "q2", "t_c", "t_d"},  # the others keep their automatic names
    }
    assert plan.constraints is not None
    costs = {c.constraint: (c.line, c.cost) for c in plan.constraints.costs}
    # t_a's newly cut edges: p2-t_a 1 + t_a-t_b 1; t_b's: p1-t_b 1 + t_a-t_b 1
    assert costs == {"table t_a in one": (2, 2), "table t_b in two": (5, 2)}


def test_a_pinned_route_moves_and_its_cut_links_are_its_cost() -> None:
    plan = planned('[services.left]\nroutes = ["p1"]\ntables = ["t_d"]\n')
    # p1 goes where t_d is; t_d's routes and t_c follow t_d (nothing pulls them elsewhere)
    assert services_of(plan) == {
        "left": {"p1", "q1", "q2", "t_c", "t_d"},
        "west": {"p2", "t_a", "t_b"},
    }
    assert plan.constraints is not None
    p1, t_d = plan.constraints.costs
    assert (p1.constraint, p1.line) == ("route p1 in left", 2)
    assert p1.edges == (("route:p1", "table:t_a", 2.0), ("route:p1", "table:t_b", 1.0))
    assert p1.cost == 3
    assert (t_d.constraint, t_d.line, t_d.cost, t_d.edges) == ("table t_d in left", 3, 0, ())


def test_a_pin_renames_the_group_that_holds_it() -> None:
    plan = planned('[services.stock]\ntables = ["t_d"]\n')
    assert services_of(plan) == {
        "west": {"p1", "p2", "t_a", "t_b"},
        "stock": {"q1", "q2", "t_c", "t_d"},
    }
    assert plan.constraints is not None
    assert [c.cost for c in plan.constraints.costs] == [0]


def test_with_a_number_of_services_split_groups_merge_back_where_allowed() -> None:
    # a bridge p2 -> t_c (read, 1): of the three groups after the split, west_2 and east
    # are linked (1) and may share a service; west and west_2 may not
    app = two_areas({"p2": Access(reads=("t_a", "t_c"), writes=("t_b",))})
    assert len(planned(None, services=2, app=app).candidates) == 2
    plan = planned('[[apart]]\nthings = ["table:t_a", "table:t_b"]\n', services=2, app=app)
    assert sorted(map(sorted, services_of(plan).values())) == [
        ["p1", "t_a"],
        ["p2", "q1", "q2", "t_b", "t_c", "t_d"],
    ]


def test_the_same_constraints_give_the_same_bytes() -> None:
    text = '[services.one]\ntables = ["t_a"]\n[[apart]]\nthings = ["table:t_b", "route:p1"]\n'
    assert render_json(planned(text)) == render_json(planned(text))


def test_the_reports_say_what_each_constraint_costs() -> None:
    plan = planned('[[apart]]\nthings = ["table:t_a", "table:t_b"]\n')
    markdown = render_markdown(plan)
    assert "crossing edge weight 3, against 0 without the constraints" in markdown
    assert "| 2 | apart: table t_a, table t_b | 3 | route:p1 - table:t_b (1)," in markdown
    assert '"cost": 3.0' in render_json(plan)
    assert '"constraints": null' in render_json(planned(None))
