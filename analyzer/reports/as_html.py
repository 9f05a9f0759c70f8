"""The analysis as one self-contained HTML page: the summary figures, a picture of the graph
(routes, modules and tables grouped by area, hotspots marked), then what the Markdown report
says, as sections and tables made from the same data."""

from __future__ import annotations

from collections import Counter

from analyzer.reports.as_markdown import MAX_DIAGNOSTICS_LISTED, NO_APP, access_mark
from analyzer.reports.hotspots import Hotspots, find_hotspots
from analyzer.reports.html_graph import (
    SHARED,
    area_hotspots,
    natural_areas,
    project_graph,
    table_names,
)
from analyzer.reports.html_page import (
    Figure,
    Html,
    bullets,
    code,
    document,
    join,
    section,
    table,
)
from analyzer.resolution.results import Access, Analysis, FunctionKey, Route


def render_html(analysis: Analysis) -> str:
    hotspots = find_hotspots(analysis)
    graph = project_graph(
        analysis, natural_areas(analysis, hotspots), area_hotspots(hotspots), SHARED
    )
    return document(
        f"Analysis of {analysis.root}",
        _figures(analysis, hotspots),
        graph,
        [
            _summary(analysis),
            _matrix(analysis),
            _guards(analysis),
            _per_table(analysis),
            _hooks(analysis),
            _hotspots(hotspots),
            _cycles(analysis),
            _diagnostics(analysis),
        ],
    )


def _routes(analysis: Analysis) -> list[Route]:
    return [r for r in analysis.routes if r.kind != "static"]


def _figures(analysis: Analysis, hotspots: Hotspots) -> list[Figure]:
    return [
        Figure("apps", len(analysis.apps)),
        Figure("routes (not counting static files)", len(_routes(analysis))),
        Figure("tables", len(table_names(analysis))),
        Figure("modules", len(analysis.modules)),
        Figure("hooks on every request", len(analysis.hooks)),
        *(
            Figure(label, count, warn=count > 0)
            for label, count in (
                ("tables written from several areas", len(hotspots.shared_writes)),
                ("queries joining areas", len(hotspots.cross_area_queries)),
                ("import cycles", len(analysis.import_cycles)),
                ("diagnostics", len(analysis.diagnostics)),
            )
        ),
    ]


def _summary(analysis: Analysis) -> Html:
    per_app = Counter(r.app for r in _routes(analysis))
    apps = [[code(a.name), f"{a.file}:{a.line}", str(per_app[a.name])] for a in analysis.apps]
    if per_app[None]:
        apps.append([f"({NO_APP})", "", str(per_app[None])])
    kinds = Counter(d.kind for d in analysis.diagnostics)
    return section(
        "Summary",
        table(["app", "defined at", "routes"], apps, numeric=frozenset({"routes"})),
        table(
            ["diagnostic kind", "count"],
            [[k, str(n)] for k, n in sorted(kinds.items(), key=lambda kn: (-kn[1], kn[0]))],
            numeric=frozenset({"count"}),
        ),
    )


def _access(analysis: Analysis, route: Route) -> Access:
    return analysis.route_access[(route.app, route.rule, route.endpoint)]


def _matrix(analysis: Analysis) -> Html:
    note = (
        "R = reads, W = writes, i = only through an ORM relationship, ? = only from dynamic"
        " SQL or best effort. Static-file routes are left out."
    )
    by_app: dict[str | None, list[Route]] = {app.name: [] for app in analysis.apps}
    for route in _routes(analysis):
        by_app.setdefault(route.app, []).append(route)
    parts: list[str] = [note]
    for app, routes in by_app.items():
        if routes:
            parts.append(section(_app_label(app), _matrix_table(analysis, routes), level=3))
    if len(parts) == 1:
        parts.append("No routes found.")
    return section("Routes x tables", *parts)


def _app_label(app: str | None) -> str:
    return f"app {app}" if app else NO_APP


def _matrix_table(analysis: Analysis, routes: list[Route]) -> Html:
    accesses = [_access(analysis, r) for r in routes]
    used = sorted({t for a in accesses for t in (*a.reads, *a.writes, *a.indirect)})
    rows = [
        [" ".join(r.methods), code(r.rule), code(r.endpoint), *(access_mark(a, t) for t in used)]
        for r, a in zip(routes, accesses, strict=True)
    ]
    return table(["methods", "rule", "endpoint", *used], rows)


def _guards(analysis: Analysis) -> Html:
    rows = []
    for route in _routes(analysis):
        key = (route.app, route.rule, route.endpoint)
        guards = [
            g.name + ("" if g.kind == "decorator" else f" ({g.kind.partition('-')[0]})")
            for g in analysis.route_guards.get(key, ())
        ]
        access = analysis.route_hook_access.get(key, Access())
        rows.append(
            [
                " ".join(route.methods),
                code(route.rule),
                code(route.endpoint),
                join(guards) or "none",
                join(access.reads),
                join(access.writes),
            ]
        )
    return section(
        "Guards per route",
        "Guards are decorators on the view, its class's decorators (class) and before_request"
        " hooks that refuse requests (hook). Hook reads/writes: tables touched by the hooks,"
        " user loaders and decorators that run for the route.",
        table(["methods", "rule", "endpoint", "guards", "hook reads", "hook writes"], rows),
    )


def _per_table(analysis: Analysis) -> Html:
    definitions = {t.name: t for t in analysis.tables}
    accesses = [(r, _access(analysis, r)) for r in analysis.routes]
    rows = []
    for name in table_names(analysis):
        definition = definitions.get(name)
        defined = f"{definition.file}:{definition.line}" if definition and definition.file else ""
        hooks = [
            f"{h.handler[0]}:{h.handler[1]}"
            for h, a in analysis.hook_access.items()
            if name in a.reads or name in a.writes
        ]
        rows.append(
            [
                code(name),
                defined,
                (definition.model or "") if definition else "",
                join(r.endpoint for r, a in accesses if name in a.writes),
                join(r.endpoint for r, a in accesses if name in a.reads),
                join(r.endpoint for r, a in accesses if name in a.indirect),
                join(hooks),
            ]
        )
    headers = ["table", "defined at", "model", "written by", "read by", "through relationships"]
    return section("Tables: who reads, who writes", table([*headers, "on every request"], rows))


def _hooks(analysis: Analysis) -> Html:
    rows = [
        [
            hook.kind,
            code(_function(hook.handler)),
            f"{hook.file}:{hook.line}",
            hook.applies_to,
            join(analysis.hook_access[hook].reads),
            join(analysis.hook_access[hook].writes),
        ]
        for hook in analysis.hooks
    ]
    headers = ["hook", "function", "defined at", "applies to", "reads", "writes"]
    return section("On every request", table(headers, rows))


def _hotspots(found: Hotspots) -> Html:
    shared = sorted(found.shared_writes, key=lambda s: (-len(s.areas), s.table))
    return section(
        "Hotspots",
        "An area is a route's top-level blueprint (or its view's module); a table belongs to"
        " the area that writes it most.",
        section(
            "Tables written from several areas",
            table(["table", "areas"], [[code(s.table), join(s.areas)] for s in shared]),
            level=3,
        ),
        section(
            "Queries joining tables of different areas",
            table(
                ["where", "function", "tables (owning area)"],
                [
                    [
                        f"{q.file}:{q.line}",
                        code(_function(q.function)),
                        join(f"{t} ({found.owners.get(t, '?')})" for t in q.tables),
                    ]
                    for q in found.cross_area_queries
                ],
            ),
            level=3,
        ),
    )


def _cycles(analysis: Analysis) -> Html:
    cycles = [" -> ".join([*cycle, cycle[0]]) for cycle in analysis.import_cycles]
    return section("Import cycles", bullets(cycles) if cycles else "None.")


def _diagnostics(analysis: Analysis) -> Html:
    listed = analysis.diagnostics[:MAX_DIAGNOSTICS_LISTED]
    rows = [[f"{d.file}:{d.line}" if d.file else "(project)", d.kind, d.message] for d in listed]
    more = len(analysis.diagnostics) - len(listed)
    return section(
        "Diagnostics",
        table(["where", "kind", "message"], rows),
        *([f"... {more} more (see --format json)"] if more > 0 else []),
    )


def _function(key: FunctionKey) -> str:
    return f"{key[0]}:{key[1]}"
