"""What each constraint costs the plan (pure): the edges the constrained plan cuts that the
plan made without constraints keeps inside one service.

An edge is cut when its two ends sit in different services, or one in a service and the
other left with the monolith. A pin costs the newly cut edges of its node; an `[[apart]]`
the newly cut edges of its things. An edge between two constrained nodes counts for both
constraints; the totals (crossing weight with and without the constraints) count it once.
"""

from __future__ import annotations

from planner.model import ConstraintCost, Constraints, ConstraintsReport, NodeId, PlanGraph
from planner.weights import node_kind, node_name

Services = dict[str, frozenset[NodeId]]  # service name -> its nodes


def constraints_report(
    constraints: Constraints, graph: PlanGraph, planned: Services, unconstrained: Services
) -> ConstraintsReport:
    """The cost of each constraint in `planned`, against the plan `unconstrained`."""
    now, before = _service_of(planned), _service_of(unconstrained)
    newly_cut = {
        edge: weight
        for edge, weight in graph.edges.items()
        if _is_cut(edge, now) and not _is_cut(edge, before)
    }
    costs = [
        _cost(f"{_words(pin.node)} in {pin.service}", pin.line, {pin.node}, newly_cut)
        for pin in constraints.pins
    ]
    costs += [
        _cost("apart: " + ", ".join(map(_words, rule.nodes)), rule.line, set(rule.nodes), newly_cut)
        for rule in constraints.apart
    ]
    return ConstraintsReport(
        source=constraints.source,
        crossing_weight=_crossing_weight(graph, now),
        unconstrained_crossing_weight=_crossing_weight(graph, before),
        costs=tuple(costs),
    )


def _cost(
    constraint: str,
    line: int | None,
    nodes: set[NodeId],
    newly_cut: dict[tuple[NodeId, NodeId], float],
) -> ConstraintCost:
    edges = tuple((a, b, w) for (a, b), w in newly_cut.items() if a in nodes or b in nodes)
    return ConstraintCost(constraint, line, sum((w for _, _, w in edges), 0.0), edges)


def _service_of(services: Services) -> dict[NodeId, str]:
    return {node: name for name, nodes in services.items() for node in nodes}


def _is_cut(edge: tuple[NodeId, NodeId], service_of: dict[NodeId, str]) -> bool:
    return service_of.get(edge[0]) != service_of.get(edge[1])


def _crossing_weight(graph: PlanGraph, service_of: dict[NodeId, str]) -> float:
    return sum((w for edge, w in graph.edges.items() if _is_cut(edge, service_of)), 0.0)


def _words(node: NodeId) -> str:
    return f"{node_kind(node)} {node_name(node)}"
