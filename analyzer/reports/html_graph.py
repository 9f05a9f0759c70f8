"""The picture in the HTML reports, as plain data: routes, modules and tables in groups (an
area of the code, or a planned service), the edges between them, and the hotspots marked.

Node ids are those the planner uses: `route:<endpoint>`, `module:<name>`, `table:<name>`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from analyzer.reports.hotspots import Hotspots, route_area
from analyzer.resolution.results import Analysis

SHARED = "(shared)"  # the group of what no area claims
KINDS = ("route", "module", "table")  # the order a group shows its members in


@dataclass(frozen=True, slots=True)
class GraphNode:
    id: str
    kind: str  # "route" | "module" | "table"
    label: str
    detail: str  # shown on hover and searched too: a route's methods and rules
    group: str
    hot: str = ""  # why it is a hotspot; "" when it is not one


@dataclass(frozen=True, slots=True)
class GraphEdge:
    source: str
    target: str
    kind: str  # "reads" | "writes" | "imports" | "references" (a foreign key)


@dataclass(frozen=True, slots=True)
class ReportGraph:
    groups: tuple[str, ...]  # sorted, SHARED-like names in parentheses last
    nodes: tuple[GraphNode, ...]  # by group, then kind (KINDS order), then label
    edges: tuple[GraphEdge, ...]  # sorted, each once


def project_graph(
    analysis: Analysis, group_of: Mapping[str, str], hot: Mapping[str, str], fallback: str
) -> ReportGraph:
    """Every route (static files left out), module and table of `analysis`, each in the
    group `group_of` names (else `fallback`), with `hot` saying which are hotspots and why."""
    details: dict[str, list[str]] = {}
    edges: set[GraphEdge] = set()
    for route in analysis.routes:
        if route.kind == "static":
            continue
        node = f"route:{route.endpoint}"
        details.setdefault(node, []).append(f"{' '.join(route.methods)} {route.rule}")
        access = analysis.route_access[(route.app, route.rule, route.endpoint)]
        edges.update(GraphEdge(node, f"table:{t}", "reads") for t in access.reads)
        edges.update(GraphEdge(node, f"table:{t}", "writes") for t in access.writes)
    for module in analysis.modules:
        details[f"module:{module.name}"] = [module.file]
        edges.update(
            GraphEdge(f"module:{module.name}", f"module:{target}", "imports")
            for target in module.imports
            if target != module.name
        )
    for name in table_names(analysis):
        details.setdefault(f"table:{name}", [])
    for table in analysis.tables:
        details[f"table:{table.name}"] = [table.model or table.file or ""]
        edges.update(
            GraphEdge(f"table:{table.name}", f"table:{target}", "references")
            for target in table.foreign_keys
        )
    nodes = [
        GraphNode(
            id=node,
            kind=node.partition(":")[0],
            label=node.partition(":")[2],
            detail="; ".join(d for d in dict.fromkeys(detail) if d),
            group=group_of.get(node, fallback),
            hot=hot.get(node, ""),
        )
        for node, detail in details.items()
    ]
    nodes.sort(key=lambda n: (_group_order(n.group), KINDS.index(n.kind), n.label))
    return ReportGraph(
        groups=tuple(sorted({n.group for n in nodes}, key=_group_order)),
        nodes=tuple(nodes),
        edges=tuple(
            sorted(
                (e for e in edges if e.source in details and e.target in details),
                key=lambda e: (e.source, e.target, e.kind),
            )
        ),
    )


def table_names(analysis: Analysis) -> list[str]:
    """Every table the analysis saw: defined, or touched by a route, a hook or a function."""
    names = {t.name for t in analysis.tables}
    for access in [*analysis.route_access.values(), *analysis.hook_access.values()]:
        names.update(access.reads, access.writes, access.indirect)
    names.update(use.table for uses in analysis.function_uses.values() for use in uses)
    return sorted(names)


def natural_areas(analysis: Analysis, hotspots: Hotspots) -> dict[str, str]:
    """node -> its area, when no plan says otherwise. A route's area is its top-level
    blueprint (or its view's module); a module's, the area of most routes it serves (else
    an area its dotted name mentions); a table's, the area that writes it most (else that
    of its model's module)."""
    areas: dict[str, str] = {}
    served: dict[str, Counter[str]] = {}
    for route in analysis.routes:
        area = route_area(route)
        areas[f"route:{route.endpoint}"] = area
        for handler_module, _ in route.handlers:
            served.setdefault(handler_module, Counter())[area] += 1
    known = set(areas.values())
    for module in analysis.modules:
        counts = served.get(module.name)
        if counts:
            areas[f"module:{module.name}"] = min(counts, key=lambda a: (-counts[a], a))
            continue
        named = [part for part in module.name.split(".") if part in known]
        if named:
            areas[f"module:{module.name}"] = named[-1]
    for table in analysis.tables:
        if table.model:
            module_area = areas.get(f"module:{table.model.rpartition('.')[0]}")
            if module_area:
                areas[f"table:{table.name}"] = module_area
    areas.update({f"table:{t}": area for t, area in hotspots.owners.items()})
    return areas


def area_hotspots(hotspots: Hotspots) -> dict[str, str]:
    """node -> why it is a hotspot: tables written from several areas, modules holding a
    query that joins tables of different areas."""
    hot = {
        f"table:{s.table}": f"written from {len(s.areas)} areas: {', '.join(s.areas)}"
        for s in hotspots.shared_writes
    }
    for query in hotspots.cross_area_queries:
        hot.setdefault(
            f"module:{query.function[0]}",
            f"joins tables of areas {', '.join(query.areas)} ({query.file}:{query.line})",
        )
    return hot


def _group_order(name: str) -> tuple[bool, str]:
    """Groups by name, those named in parentheses ("(shared)") last."""
    return (name.startswith("("), name)
