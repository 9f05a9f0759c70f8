"""The plan graph's edges and their weights, read off an `Analysis` (pure, no networkx).

Why these weights: a route belongs first with the module that defines its view; a table
it writes binds it more than a table it reads (two writers of one table cannot both own
it); foreign keys, calls and imports tie code and data that change together; a guard or
blueprint hook shared by some routes marks them as one area. Anything shared by more
than half of the routes (an app-wide hook, a login check on every page) says nothing
about boundaries and is left out.
"""

from __future__ import annotations

from collections import defaultdict

from analyzer.resolution.results import Analysis, Route
from planner.model import NodeId, PlanGraph

DEFINED_IN = 8.0  # route -> the module of its view: code kept together stays together
WRITES = 2.0  # route -> a table it writes
READS = 1.0  # route -> a table it only reads
FOREIGN_KEY = 1.0  # table -> a table it references
CALL = 0.5  # module -> module, per distinct (caller, callee) pair between them
IMPORT = 0.5  # module -> a project module it imports
SHARED_CHECK = 1.0  # route -> a guard or blueprint hook it shares with some routes


def route_node(endpoint: str) -> NodeId:
    return f"route:{endpoint}"


def module_node(name: str) -> NodeId:
    return f"module:{name}"


def table_node(name: str) -> NodeId:
    return f"table:{name}"


def node_name(node: NodeId) -> str:
    """The endpoint, module or table a node stands for."""
    return node.split(":", 1)[1]


def node_kind(node: NodeId) -> str:
    return node.split(":", 1)[0]


def planned_routes(analysis: Analysis) -> tuple[Route, ...]:
    """The routes a plan places: every app's routes but Flask's own static one."""
    return tuple(r for r in analysis.routes if r.kind != "static" and r.app is not None)


def build_plan_graph(analysis: Analysis) -> PlanGraph:
    """Every route, project module and table, joined by the weights above."""
    edges: dict[tuple[NodeId, NodeId], float] = defaultdict(float)
    reasons: dict[tuple[NodeId, NodeId], list[str]] = defaultdict(list)

    def link(a: NodeId, b: NodeId, weight: float, reason: str) -> None:
        if a == b:
            return
        key = (a, b) if a < b else (b, a)
        edges[key] += weight
        if reason not in reasons[key]:
            reasons[key].append(reason)

    routes = planned_routes(analysis)
    known_modules = {m.name for m in analysis.modules}
    for route in routes:
        node = route_node(route.endpoint)
        for module, _ in sorted(set(route.handlers)):
            link(node, module_node(module), DEFINED_IN, f"its view is in {module}")
        access = analysis.route_access.get((route.app, route.rule, route.endpoint))
        if access is not None:
            for table in access.writes:
                link(node, table_node(table), WRITES, f"writes {table}")
            for table in sorted(set(access.reads) - set(access.writes)):
                link(node, table_node(table), READS, f"reads {table}")
    for check, sharers in _shared_checks(analysis, routes).items():
        for endpoint in sharers:
            link(route_node(endpoint), check, SHARED_CHECK, f"shares {node_name(check)}")
    for defined in analysis.tables:
        for referenced in defined.foreign_keys:
            link(table_node(defined.name), table_node(referenced), FOREIGN_KEY, "foreign key")
    for info in analysis.modules:
        for imported in info.imports:
            if imported in known_modules:
                link(module_node(info.name), module_node(imported), IMPORT, "import")
    for (caller_module, _), callees in sorted(analysis.calls.items()):
        for callee_module, _ in sorted(set(callees)):
            if caller_module != callee_module and callee_module in known_modules:
                link(module_node(caller_module), module_node(callee_module), CALL, "calls")
    nodes = {module_node(m) for m in known_modules}
    nodes |= {table_node(t.name) for t in analysis.tables}
    nodes |= {node for pair in edges for node in pair}
    return PlanGraph(
        nodes=tuple(sorted(nodes)),
        edges=dict(sorted(edges.items())),
        reasons={key: tuple(value) for key, value in sorted(reasons.items())},
    )


def _shared_checks(analysis: Analysis, routes: tuple[Route, ...]) -> dict[NodeId, list[str]]:
    """Guard and blueprint-hook nodes -> the endpoints they run for, when fewer than half do."""
    sharers: dict[NodeId, set[str]] = defaultdict(set)
    for route in routes:
        for guard in analysis.route_guards.get((route.app, route.rule, route.endpoint), ()):
            sharers[f"guard:{guard.name}"].add(route.endpoint)
        for hook in analysis.hooks:
            if route.blueprint and hook.applies_to == f"blueprint {route.blueprint}":
                sharers[f"guard:{hook.handler[0]}:{hook.handler[1]}"].add(route.endpoint)
    limit = len(routes) / 2
    return {
        node: sorted(endpoints)
        for node, endpoints in sorted(sharers.items())
        if 1 < len(endpoints) <= limit
    }
