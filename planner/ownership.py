"""Who becomes the one writer of each table (pure): the one-writer rule of
docs/moving-writes.md (`owns` in a service's manifest) applied to the plan.

For every table a planned route or a request hook writes, the first rule that applies:

1. pinned to a service by the constraints: that service;
2. written by the routes of one candidate only: that candidate (its `owns`);
3. written by several candidates (a conflict): the writer the partition put the table
   with (its `tables`, where `strangler check` holds it too), else the one with the most
   routes writing it, then the most link weight to it in the plan graph, then the first
   by name;
4. written by no candidate (only by request hooks, or routes no service holds): the
   monolith keeps it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace

from analyzer.resolution.results import Access, Analysis
from planner.model import Candidate, NodeId, PlanGraph, TableOwner
from planner.weights import module_node, planned_routes, route_node, table_node


def route_access(analysis: Analysis) -> dict[str, Access]:
    """Per endpoint of a planned route, the tables it reads and writes (over all its rules)."""
    reads: dict[str, set[str]] = defaultdict(set)
    writes: dict[str, set[str]] = defaultdict(set)
    for route in planned_routes(analysis):
        access = analysis.route_access.get((route.app, route.rule, route.endpoint))
        if access is not None:
            reads[route.endpoint] |= set(access.reads)
            writes[route.endpoint] |= set(access.writes)
    return {
        endpoint: Access(
            reads=tuple(sorted(reads[endpoint])), writes=tuple(sorted(writes[endpoint]))
        )
        for endpoint in sorted(set(reads) | set(writes))
    }


def hook_access(analysis: Analysis) -> dict[str, Access]:
    """Per request hook ("module:function"), the tables it reads and writes: code the monolith
    runs around its requests for as long as it serves any."""
    return {
        f"{hook.handler[0]}:{hook.handler[1]}": access
        for hook, access in sorted(analysis.hook_access.items(), key=lambda item: item[0].handler)
        if access.reads or access.writes
    }


def plan_ownership(
    candidates: tuple[Candidate, ...],
    analysis: Analysis,
    graph: PlanGraph,
    pinned: Mapping[str, str] | None = None,
) -> tuple[TableOwner, ...]:
    """The owner of every table a planned route or a request hook writes, by table name;
    `pinned`: table -> the service the constraints pin it to."""
    pinned = pinned or {}
    service_of = {endpoint: c.name for c in candidates for endpoint in c.routes}
    counts: dict[str, Counter[str]] = defaultdict(Counter)  # table -> candidate -> routes
    written = {t for access in hook_access(analysis).values() for t in access.writes}
    for endpoint, access in route_access(analysis).items():
        written |= set(access.writes)
        if endpoint in service_of:
            for table in access.writes:
                counts[table][service_of[endpoint]] += 1
    chooser = _Chooser(candidates, graph)
    return tuple(
        chooser.owner(table, counts.get(table, Counter()), pinned.get(table))
        for table in sorted(written)
    )


def with_planned_owners(
    candidates: tuple[Candidate, ...], owners: tuple[TableOwner, ...]
) -> tuple[Candidate, ...]:
    """The candidates, each with `planned_owns`: the tables `owners` give it."""
    owned: dict[str, list[str]] = defaultdict(list)
    for owner in owners:
        if owner.owner is not None:
            owned[owner.owner].append(owner.table)
    return tuple(replace(c, planned_owns=tuple(sorted(owned[c.name]))) for c in candidates)


class _Chooser:
    """Applies the rule above to one table at a time."""

    def __init__(self, candidates: tuple[Candidate, ...], graph: PlanGraph) -> None:
        self._holds = {c.name: set(c.tables) for c in candidates}
        self._nodes = {c.name: _nodes(c) for c in candidates}
        self._links: dict[NodeId, dict[NodeId, float]] = defaultdict(dict)
        for (a, b), weight in graph.edges.items():
            self._links[a][b] = weight
            self._links[b][a] = weight

    def owner(self, table: str, counts: Counter[str], pin: str | None) -> TableOwner:
        writers = tuple(sorted(counts))
        if pin is not None:
            return TableOwner(table, pin, writers, f"pinned to {pin} by the constraints")
        if not writers:
            why = "written only by code no service holds (request hooks): the monolith keeps it"
            return TableOwner(table, None, writers, why)
        if len(writers) == 1:
            return TableOwner(
                table, writers[0], writers, f"only the routes of {writers[0]} write it"
            )
        keys = {name: self._rank(table, name, counts) for name in writers}
        first, second = sorted(writers, key=keys.__getitem__)[:2]
        decided = next(
            i for i, (a, b) in enumerate(zip(keys[first], keys[second], strict=True)) if a != b
        )
        reasons = (
            f"the plan puts it with {first}",
            f"{first} has the most routes writing it",
            f"{first} is the most linked to it in the plan graph (weight {-keys[first][2]:g})",
            f"tied, {first} is the first by name",
        )
        routes = ", ".join(
            f"{name} ({counts[name]} route{'s' if counts[name] > 1 else ''})" for name in writers
        )
        return TableOwner(table, first, writers, f"written by {routes}; {reasons[decided]}")

    def _rank(self, table: str, name: str, counts: Counter[str]) -> tuple[bool, int, float, str]:
        """Sorts the best owner first: held by it in the partition, most writing routes,
        most link weight, name."""
        links = self._links[table_node(table)]
        weight = sum(w for node, w in links.items() if node in self._nodes[name])
        return (table not in self._holds[name], -counts[name], -weight, name)


def _nodes(candidate: Candidate) -> set[NodeId]:
    return (
        {route_node(r) for r in candidate.routes}
        | {module_node(m) for m in candidate.modules}
        | {table_node(t) for t in candidate.tables}
    )
