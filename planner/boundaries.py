"""The boundaries a plan agreed, checked against the code as it is now (pure).

Who holds what:
- a route belongs to the service the plan lists its endpoint in; a route the plan does not
  know belongs to the service of its view's module;
- a module belongs to the service the plan lists it in; the plan's unassigned modules are
  shared (they stay with the monolith); a module the plan does not know belongs to the
  service holding every module the plan lists in its package, else it is shared;
- a table belongs to the service that `owns` it (its only writer when the plan was made);
  a table nobody owns to the service whose `tables` the plan put it in; else to nobody.

The rules (routes and modules that belong to no service are never checked):
- `crossing-import`: a module of service A imports a module of service B (shared modules
  may be imported by anyone and import anything);
- `foreign-write`: a route of A writes a table B holds;
- `foreign-read`: a route of A reads a table B holds that A's `reads_from_others` does not
  list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.resolution.results import Analysis, Route
from planner.plan_file import PlannedBoundaries
from planner.weights import planned_routes

Key = tuple[str, ...]  # (rule, *identity): what a baseline counts


@dataclass(frozen=True)
class Violation:
    """One use of the code that crosses a boundary, and where."""

    rule: str  # "crossing-import" | "foreign-write" | "foreign-read"
    identity: tuple[str, ...]  # what crosses, without lines: moving code keeps it
    file: str  # relative to the analyzed root
    line: int
    message: str

    @property
    def key(self) -> Key:
        return (self.rule, *self.identity)


def modules_in_common(plan: PlannedBoundaries, analysis: Analysis) -> int:
    """How many of the plan's modules the analyzed code still has: none, and the plan is
    another project's. (Modules, not endpoints: an endpoint like `orders.list_orders` is
    found in many projects, a dotted module path rarely.)"""
    planned = {m for s in plan.services for m in s.modules} | set(plan.shared_modules)
    return len(planned & {m.name for m in analysis.modules})


def find_violations(plan: PlannedBoundaries, analysis: Analysis) -> tuple[Violation, ...]:
    """Every crossing import and foreign table access, sorted by file and line."""
    holders = _Holders(plan)
    found = {*_crossing_imports(holders, analysis), *_foreign_access(holders, analysis)}
    return tuple(sorted(found, key=lambda v: (v.file, v.line, v.rule, v.message)))


def modules_by_service(plan: PlannedBoundaries, analysis: Analysis) -> dict[str, tuple[str, ...]]:
    """Each service's modules among those the analyzed code has, by the rules above."""
    holders = _Holders(plan)
    held: dict[str, list[str]] = {s.name: [] for s in plan.services}
    for module in sorted(m.name for m in analysis.modules):
        service = holders.module_service(module)
        if service is not None:
            held[service].append(module)
    return {service: tuple(modules) for service, modules in held.items()}


class _Holders:
    """Which service holds a route, a module, a table; what a service may read."""

    def __init__(self, plan: PlannedBoundaries) -> None:
        self.route = {route: s.name for s in plan.services for route in s.routes}
        self.module: dict[str, str | None] = dict.fromkeys(plan.shared_modules)
        self.module |= {module: s.name for s in plan.services for module in s.modules}
        self.package: defaultdict[str, set[str | None]] = defaultdict(set)
        for module, service in self.module.items():
            self.package[module.rpartition(".")[0]].add(service)
        self.table = {table: s.name for s in plan.services for table in s.tables}
        self.table |= {table: s.name for s in plan.services for table in s.owns}
        self.may_read = {s.name: frozenset(s.reads_from_others) for s in plan.services}

    def module_service(self, module: str) -> str | None:
        if module in self.module:
            return self.module[module]
        services = self.package.get(module.rpartition(".")[0], set())
        return next(iter(services)) if len(services) == 1 else None

    def route_service(self, route: Route) -> str | None:
        if route.endpoint in self.route:
            return self.route[route.endpoint]
        return self.module_service(route.handlers[0][0]) if route.handlers else None


def _crossing_imports(holders: _Holders, analysis: Analysis) -> Iterator[Violation]:
    for info in analysis.modules:
        service = holders.module_service(info.name)
        if service is None:
            continue
        for imported, line in info.import_lines:
            other = holders.module_service(imported)
            if other is not None and other != service:
                yield Violation(
                    "crossing-import",
                    (info.name, imported),
                    info.file,
                    line,
                    f"{info.name} (service {service}) imports {imported} (service {other})",
                )


def _foreign_access(holders: _Holders, analysis: Analysis) -> Iterator[Violation]:
    for route in planned_routes(analysis):
        service = holders.route_service(route)
        access = analysis.route_access.get((route.app, route.rule, route.endpoint))
        if service is None or access is None:
            continue
        for use in access.evidence:
            holder = holders.table.get(use.table)
            if use.indirect or holder is None or holder == service:
                continue
            if use.mode == "write":
                rule, verb, unlisted = "foreign-write", "writes", ""
            elif use.table not in holders.may_read[service]:
                rule, verb, unlisted = "foreign-read", "reads", ", not in its reads_from_others"
            else:
                continue
            yield Violation(
                rule,
                (route.endpoint, f"{use.function[0]}:{use.function[1]}", use.table),
                use.file,
                use.line,
                f"route {route.endpoint} (service {service}) {verb} table {use.table}"
                f" (service {holder}){unlisted}",
            )
