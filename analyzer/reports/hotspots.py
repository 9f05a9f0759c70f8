"""Where service boundaries will hurt: tables written from several areas, and single queries
that join tables belonging to different areas. An area is a route's top-level blueprint (or,
without one, the module of its view); a table belongs to the area that writes it most
(reads break ties, then the name)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from analyzer.resolution.results import Analysis, FunctionKey, Route


@dataclass(frozen=True, slots=True)
class SharedWrite:
    table: str
    areas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CrossAreaQuery:
    file: str
    line: int
    function: FunctionKey
    tables: tuple[str, ...]
    areas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Hotspots:
    owners: dict[str, str]  # table -> owning area
    shared_writes: tuple[SharedWrite, ...]
    cross_area_queries: tuple[CrossAreaQuery, ...]


def route_area(route: Route) -> str:
    if route.blueprint:
        return route.blueprint.split(".")[0]
    if route.handlers:
        return route.handlers[0][0].rsplit(".", 1)[-1]
    return "app"


def find_hotspots(analysis: Analysis) -> Hotspots:
    writes: dict[str, Counter[str]] = defaultdict(Counter)
    reads: dict[str, Counter[str]] = defaultdict(Counter)
    for route in analysis.routes:
        access = analysis.route_access[(route.app, route.rule, route.endpoint)]
        area = route_area(route)
        for table in access.writes:
            writes[table][area] += 1
        for table in access.reads:
            reads[table][area] += 1
    owners: dict[str, str] = {}
    for table in set(writes) | set(reads):
        areas = set(writes[table]) | set(reads[table])
        owners[table] = max(sorted(areas), key=lambda a: (writes[table][a], reads[table][a]))
    shared = tuple(
        SharedWrite(table, tuple(sorted(counts)))
        for table, counts in sorted(writes.items())
        if len(counts) > 1
    )
    by_statement: dict[tuple[str, int, FunctionKey], set[str]] = defaultdict(set)
    for function, uses in analysis.function_uses.items():
        for use in uses:
            if not use.indirect:
                by_statement[(use.file, use.line, function)].add(use.table)
    queries = []
    for (file, line, function), tables in sorted(by_statement.items()):
        areas = {owners[t] for t in tables if t in owners}
        if len(areas) > 1:
            queries.append(
                CrossAreaQuery(file, line, function, tuple(sorted(tables)), tuple(sorted(areas)))
            )
    return Hotspots(owners, shared, tuple(queries))
