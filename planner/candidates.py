"""From groups of graph nodes to candidate services: what each owns, reads, shares and
breaks, and why each route, module and table sits where it does (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from analyzer.resolution.results import Analysis
from planner.model import Candidate, NodeId, PlanGraph
from planner.weights import module_node, node_kind, node_name, planned_routes


def name_groups(
    groups: Iterable[frozenset[NodeId]],
    analysis: Analysis,
    pinned: Mapping[NodeId, str] | None = None,
) -> dict[str, frozenset[NodeId]]:
    """Each group with routes or pins: a group holding nodes `pinned` to a service gets that
    service's name; any other is named after the blueprint most of its routes belong to
    (else the first part of its first endpoint), made unique with a number; groups with
    neither are left out."""
    pinned = pinned or {}
    blueprint_of = {r.endpoint: r.blueprint for r in planned_routes(analysis)}
    taken = set(pinned.values())
    named: dict[str, frozenset[NodeId]] = {}
    for group in groups:
        services = sorted({pinned[n] for n in group if n in pinned})
        endpoints = sorted(node_name(n) for n in group if node_kind(n) == "route")
        if services:
            named[services[0]] = group
            continue
        if not endpoints:
            continue
        votes = Counter(blueprint_of.get(e) or "" for e in endpoints)
        best = min(votes, key=lambda bp: (-votes[bp], bp))
        base = _identifier(best or endpoints[0].split(".")[0])
        name, number = base, 2
        while name in named or name in taken:
            name, number = f"{base}_{number}", number + 1
        named[name] = group
    return named


def without_shared_modules(
    named: dict[str, frozenset[NodeId]], analysis: Analysis, pinned: Iterable[NodeId] = ()
) -> dict[str, frozenset[NodeId]]:
    """Each group less the modules it holds only because it had to hold them somewhere:
    modules that define no route's view and are imported from two or more groups (the
    database handle, helpers, error classes). They stay with the monolith as shared code,
    each extraction copying what it needs; a module the constraints pin stays pinned."""
    group_of = {node: name for name, group in named.items() for node in group}
    views = {module_node(h[0]) for r in planned_routes(analysis) for h in r.handlers}
    importers: dict[NodeId, set[str]] = defaultdict(set)
    for module in analysis.modules:
        group = group_of.get(module_node(module.name))
        if group is not None:
            for imported in module.imports:
                importers[module_node(imported)].add(group)
    kept = set(views) | set(pinned)
    shared = {
        node
        for node, groups in importers.items()
        if len(groups) >= 2 and node in group_of and node not in kept
    }
    return {name: group - shared for name, group in named.items()}


def build_candidates(
    named: dict[str, frozenset[NodeId]], analysis: Analysis, graph: PlanGraph
) -> tuple[Candidate, ...]:
    routes = planned_routes(analysis)
    service_of = {node: name for name, group in named.items() for node in group}
    reads: dict[str, set[str]] = defaultdict(set)
    writes: dict[str, set[str]] = defaultdict(set)
    for route in routes:
        service = service_of.get(f"route:{route.endpoint}")
        access = analysis.route_access.get((route.app, route.rule, route.endpoint))
        if service is not None and access is not None:
            reads[service] |= set(access.reads)
            writes[service] |= set(access.writes)
    writers: dict[str, set[str]] = defaultdict(set)
    for service, tables in writes.items():
        for table in tables:
            writers[table].add(service)
    foreign_keys = {t.name: t.foreign_keys for t in analysis.tables}
    explanations = _explanations(graph, service_of)
    candidates = []
    for name, group in named.items():
        own_tables = {node_name(n) for n in group if node_kind(n) == "table"}
        own_modules = {node_name(n) for n in group if node_kind(n) == "module"}
        owns = {t for t in writes[name] if writers[t] == {name}}
        conflicts = {t for t in writes[name] if len(writers[t]) > 1}
        candidates.append(
            Candidate(
                name=name,
                routes=tuple(sorted(node_name(n) for n in group if node_kind(n) == "route")),
                modules=tuple(sorted(own_modules)),
                tables=tuple(sorted(own_tables)),
                owns=tuple(sorted(owns)),
                reads_from_others=tuple(sorted(reads[name] - owns - conflicts)),
                conflicts=tuple(sorted(conflicts)),
                broken_foreign_keys=tuple(
                    sorted(
                        (table, referenced)
                        for table in own_tables
                        for referenced in foreign_keys.get(table, ())
                        if referenced not in own_tables
                    )
                ),
                crossing_calls=_crossing_calls(analysis, own_modules, set(service_of)),
                explanations={
                    node: explanations[node] for node in sorted(group) if node in explanations
                },
            )
        )
    return tuple(candidates)


def _crossing_calls(
    analysis: Analysis, own_modules: set[str], placed: set[NodeId]
) -> tuple[tuple[str, str], ...]:
    """Calls from this candidate's modules into modules another candidate holds."""
    return tuple(
        sorted(
            {
                (f"{caller[0]}:{caller[1]}", f"{callee[0]}:{callee[1]}")
                for caller, callees in analysis.calls.items()
                if caller[0] in own_modules
                for callee in callees
                if callee[0] not in own_modules and f"module:{callee[0]}" in placed
            }
        )
    )


def _explanations(graph: PlanGraph, service_of: dict[NodeId, str]) -> dict[NodeId, str]:
    """Per route, module and table: how much of its link weight stays inside its service,
    and the strongest of those links in words."""
    inside: dict[NodeId, list[tuple[float, str]]] = defaultdict(list)
    total: defaultdict[NodeId, float] = defaultdict(float)
    for (a, b), weight in graph.edges.items():
        for node, other in ((a, b), (b, a)):
            total[node] += weight
            if node in service_of and service_of.get(other) == service_of[node]:
                reasons = graph.reasons.get((a, b), ())
                inside[node].append((weight, f"{node_name(other)} ({', '.join(reasons)})"))
    explained = {}
    for node, service in service_of.items():
        if node_kind(node) == "guard":
            continue
        links = sorted(inside[node], key=lambda link: (-link[0], link[1]))
        kept = sum(weight for weight, _ in links)
        strongest = "; ".join(text for _, text in links[:3]) or "nothing links it elsewhere"
        explained[node] = (
            f"{node_name(node)} goes to {service}: {kept:g} of its {total[node]:g} link weight"
            f" stays inside; strongest links: {strongest}"
        )
    return explained


def _identifier(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_") or "service"
    return cleaned if not cleaned[0].isdigit() else f"s_{cleaned}"
