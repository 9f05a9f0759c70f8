"""The `strangler plan` use case: from an `Analysis` to a `Plan` (pure)."""

from __future__ import annotations

import hashlib
import json

from analyzer.reports.as_json import analysis_to_dict
from analyzer.resolution.results import Analysis
from planner.candidates import build_candidates, name_groups, without_shared_modules
from planner.clustering import cluster
from planner.constraint_costs import constraints_report
from planner.constraints import ConstraintsFile, read_constraints
from planner.model import Constraints, ConstraintsReport, NodeId, Plan, PlanGraph
from planner.ownership import plan_ownership, with_planned_owners
from planner.scoring import as_is_partition, proposal_partition, score
from planner.waves import plan_waves
from planner.weights import build_plan_graph, node_kind, node_name

_NOT_HASHED = ("root", "stats")


def analysis_hash(analysis: Analysis) -> str:
    """Names the analysis a plan was made from, so a plan is never applied to another.

    Over what was found, not where or how fast: the same source in another checkout, or
    read again from the cache, hashes the same."""
    found = {k: v for k, v in analysis_to_dict(analysis).items() if k not in _NOT_HASHED}
    text = json.dumps(found, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def build_plan(
    analysis: Analysis, services: int | None = None, constraints: ConstraintsFile | None = None
) -> Plan:
    """The plan for `analysis`: `services` candidates (else as many as fit best), honouring
    the `constraints` file when there is one (`ConstraintsError` when it cannot be)."""
    graph = build_plan_graph(analysis)
    project_hash = analysis_hash(analysis)
    rules = (
        read_constraints(constraints, graph, project_hash, services)
        if constraints is not None
        else None
    )
    groups, resolution = cluster(graph, services, rules)
    pinned = rules.service_of() if rules is not None else None
    clustered = name_groups(groups, analysis, pinned)
    named = without_shared_modules(clustered, analysis, pinned or ())
    shared = _nodes(clustered) - _nodes(named)  # left out of both layouts' metrics
    as_is = {node: group for node, group in as_is_partition(analysis).items() if node not in shared}
    found = build_candidates(named, analysis, graph)
    owners = plan_ownership(found, analysis, graph, _pinned_tables(rules))
    candidates = with_planned_owners(found, owners)
    placed = {node for group in named.values() for node in group}
    granularity = (
        f"--services {services}: merged to that many groups at resolution {resolution:g}"
        if services is not None
        else f"automatic: resolution {resolution:g}, the highest structural modularity"
    )
    return Plan(
        project_path=analysis.root,
        project_hash=project_hash,
        candidates=candidates,
        unassigned_modules=_left(graph.nodes, placed, "module"),
        unassigned_tables=_left(graph.nodes, placed, "table"),
        metrics={
            "proposal": score(proposal_partition(named), analysis, graph),
            "as_is": score(as_is, analysis, graph),
        },
        waves=plan_waves(candidates, analysis, owners),
        granularity=granularity,
        constraints=_costs(rules, analysis, graph, services, named),
        ownership=owners,
    )


def _pinned_tables(rules: Constraints | None) -> dict[str, str]:
    """Table -> the service the constraints pin it to."""
    pins = rules.pins if rules is not None else ()
    return {node_name(p.node): p.service for p in pins if node_kind(p.node) == "table"}


def _costs(
    rules: Constraints | None,
    analysis: Analysis,
    graph: PlanGraph,
    services: int | None,
    named: dict[str, frozenset[NodeId]],
) -> ConstraintsReport | None:
    """What the constraints cost, against the plan made without them."""
    if rules is None:
        return None
    unconstrained = without_shared_modules(
        name_groups(cluster(graph, services)[0], analysis), analysis
    )
    return constraints_report(rules, graph, named, unconstrained)


def _left(nodes: tuple[str, ...], placed: set[str], kind: str) -> tuple[str, ...]:
    return tuple(node_name(n) for n in nodes if node_kind(n) == kind and n not in placed)


def _nodes(named: dict[str, frozenset[NodeId]]) -> set[NodeId]:
    return {node for group in named.values() for node in group}
