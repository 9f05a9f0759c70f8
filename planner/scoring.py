"""The metrics of `planner.metrics` for the proposal and for the as-is module layout, on
the same entities (routes, modules, tables of the plan graph; functions for calls; the
caller leaves shared modules out of both)."""

from __future__ import annotations

from pathlib import PurePosixPath

from analyzer.resolution.results import Analysis
from planner import metrics
from planner.model import NodeId, PlanGraph
from planner.weights import (
    module_node,
    node_kind,
    node_name,
    planned_routes,
    route_node,
    table_node,
)


def proposal_partition(named: dict[str, frozenset[NodeId]]) -> dict[NodeId, str]:
    return {n: name for name, group in named.items() for n in group if node_kind(n) != "guard"}


def as_is_partition(analysis: Analysis) -> dict[NodeId, str]:
    """Each module in its package; a route with its view's module; a table with the module
    that defines it."""
    package = {m.name: _package(m.name, m.file) for m in analysis.modules}
    module_of_file = {PurePosixPath(m.file).as_posix(): m.name for m in analysis.modules}
    partition = {module_node(name): group for name, group in package.items()}
    for route in planned_routes(analysis):
        if route.handlers and route.handlers[0][0] in package:
            partition[route_node(route.endpoint)] = package[route.handlers[0][0]]
    for table in analysis.tables:
        defining = module_of_file.get(PurePosixPath(table.file).as_posix()) if table.file else None
        if defining is not None:
            partition[table_node(table.name)] = package[defining]
    return partition


def score(partition: dict[NodeId, str], analysis: Analysis, graph: PlanGraph) -> dict[str, object]:
    edges = {pair: w for pair, w in graph.edges.items() if node_kind(pair[0]) != "guard"}
    edges = {pair: w for pair, w in edges.items() if node_kind(pair[1]) != "guard"}
    function_groups = {
        f"{module}:{name}": partition[module_node(module)]
        for caller, callees in analysis.calls.items()
        for module, name in (caller, *callees)
        if module_node(module) in partition
    }
    calls = {
        (f"{a[0]}:{a[1]}", f"{b[0]}:{b[1]}")
        for a, callees in analysis.calls.items()
        for b in callees
        if a != b
    }
    route_groups = {node_name(n): g for n, g in partition.items() if node_kind(n) == "route"}
    table_groups = {node_name(n): g for n, g in partition.items() if node_kind(n) == "table"}
    writes = {
        r.endpoint: access.writes
        for r in planned_routes(analysis)
        if (access := analysis.route_access.get((r.app, r.rule, r.endpoint))) is not None
    }
    per_group = metrics.group_cohesion_and_coupling(partition, edges)
    return {
        "services": len(set(partition.values())),
        "structural_modularity": round(metrics.structural_modularity(partition, edges), 4),
        "inter_call_percentage": round(metrics.inter_call_percentage(function_groups, calls), 4),
        "interface_number": round(metrics.interface_number(function_groups, calls), 4),
        "non_extreme_distribution": round(metrics.non_extreme_distribution(route_groups), 4),
        "newman_modularity": round(metrics.newman_modularity(partition, edges), 4),
        "transaction_purity": round(
            metrics.transaction_purity(route_groups, table_groups, writes), 4
        ),
        "per_service": {
            group: {"cohesion": round(cohesion, 4), "coupling": round(coupling, 4)}
            for group, (cohesion, coupling) in per_group.items()
        },
    }


def _package(module: str, file: str) -> str:
    """A package's `__init__` is its own package; any other module belongs to its parent."""
    if PurePosixPath(file).name == "__init__.py" or "." not in module:
        return module
    return module.rsplit(".", 1)[0]
