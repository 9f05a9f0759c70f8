"""A Markdown report for people: a short summary first, then the route x table matrix (one
per app), each route's guards, who reads and writes each table, the tables of other databases,
what runs on every request,
hotspots, import cycles and diagnostics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from analyzer.reports.hotspots import Hotspots, find_hotspots
from analyzer.resolution.results import Access, Analysis, FunctionKey, Route

MAX_DIAGNOSTICS_LISTED = 200
SUMMARY_ITEMS = 5  # hotspots and cycles named in the summary before "and N more"
NO_APP = "blueprints no app registers"


def render_markdown(analysis: Analysis) -> str:
    hotspots = find_hotspots(analysis)
    sections = [
        _summary(analysis, hotspots),
        _matrix(analysis),
        _guards(analysis),
        _per_table(analysis),
        _other_databases(analysis),
        _hooks(analysis),
        _hotspots(hotspots),
        _cycles(analysis),
        _diagnostics(analysis),
    ]
    return "\n\n".join(sections) + "\n"


def code(text: str) -> str:
    """`text` as a code span, even when it holds a backtick."""
    if "`" in text:
        return f"`` {text} ``"
    return f"`{text}`"


def row(cells: Iterable[str]) -> str:
    """One table row; a `|` inside a cell (a regex converter, say) is escaped, as GFM wants."""
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def header(*names: str, numeric: frozenset[str] = frozenset()) -> list[str]:
    rule = "|" + "".join(" ---: |" if n in numeric else " --- |" for n in names)
    return [row(names), rule]


def _summary(analysis: Analysis, hotspots: Hotspots) -> str:
    routes = [r for r in analysis.routes if r.kind != "static"]
    lines = [
        f"# Analysis of {code(analysis.root)}",
        "",
        "## Summary",
        "",
        f"- {_count(len(analysis.apps), 'app')}, {_count(len(routes), 'route')} "
        f"(not counting static files), {_count(len(_tables(analysis)), 'table')}, "
        f"{_count(len(analysis.modules), 'module')}, "
        f"{_count(len(analysis.hooks), 'hook')} run on every request.",
        "- Tables written from several areas" + _first(_shared_writes(hotspots)),
        "- Queries joining tables of different areas" + _first(_cross_queries(hotspots)),
        "- Import cycles" + _first(" -> ".join([*c, c[0]]) for c in analysis.import_cycles),
    ]
    counts = Counter(d.kind for d in analysis.diagnostics)
    lines.append(f"- Diagnostics: {len(analysis.diagnostics) or 'none'}.")
    if counts:
        lines += ["", *header("diagnostic kind", "count", numeric=frozenset({"count"}))]
        lines += [row([k, str(n)]) for k, n in sorted(counts.items(), key=_most_first)]
    per_app = Counter(r.app for r in routes)
    if analysis.apps or per_app:
        lines += ["", *header("app", "defined at", "routes", numeric=frozenset({"routes"}))]
        lines += [
            row([code(a.name), f"{a.file}:{a.line}", str(per_app[a.name])]) for a in analysis.apps
        ]
        if per_app[None]:
            lines.append(row([f"({NO_APP})", "", str(per_app[None])]))
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def _first(items: Iterable[str]) -> str:
    """ ": none." or " (N): the first few; ..." for a summary line."""
    listed = list(items)
    if not listed:
        return ": none."
    rest = len(listed) - SUMMARY_ITEMS
    more = f", and {rest} more below" if rest > 0 else ""
    return f" ({len(listed)}): " + ", ".join(listed[:SUMMARY_ITEMS]) + more + "."


def _shared_writes(hotspots: Hotspots) -> list[str]:
    ordered = sorted(hotspots.shared_writes, key=lambda s: (-len(s.areas), s.table))
    return [f"{code(s.table)} ({len(s.areas)} areas)" for s in ordered]


def _cross_queries(hotspots: Hotspots) -> list[str]:
    ordered = sorted(hotspots.cross_area_queries, key=lambda q: (-len(q.areas), q.file, q.line))
    return [f"{q.file}:{q.line} ({len(q.areas)} areas)" for q in ordered]


def _access(analysis: Analysis, route: Route) -> Access:
    return analysis.route_access[(route.app, route.rule, route.endpoint)]


def _tables(analysis: Analysis) -> list[str]:
    names = {t.name for t in analysis.tables}
    for access in [*analysis.route_access.values(), *analysis.hook_access.values()]:
        names.update(access.reads, access.writes, access.indirect)
    return sorted(names)


def _matrix(analysis: Analysis) -> str:
    routes = [r for r in analysis.routes if r.kind != "static"]
    lines = [
        "## Routes x tables",
        "",
        "R = reads, W = writes, i = only through an ORM relationship, "
        "? = only from dynamic SQL or best effort. Static-file routes are left out.",
    ]
    if not routes:
        return "\n".join([*lines, "", "No routes found."])
    groups: dict[str | None, list[Route]] = {app.name: [] for app in analysis.apps}
    for route in routes:
        groups.setdefault(route.app, []).append(route)
    groups = {app: members for app, members in groups.items() if members}
    if len(groups) == 1:
        [(app, only)] = groups.items()
        lines += ["", f"All routes belong to {_app_label(app)}.", "", _matrix_table(analysis, only)]
        return "\n".join(lines)
    for app, members in groups.items():
        lines += ["", f"### {_app_label(app)}", "", _matrix_table(analysis, members)]
    return "\n".join(lines)


def _app_label(app: str | None) -> str:
    return f"app {code(app)}" if app else NO_APP


def _matrix_table(analysis: Analysis, routes: list[Route]) -> str:
    accesses = [_access(analysis, r) for r in routes]
    used = sorted({t for a in accesses for t in (*a.reads, *a.writes, *a.indirect)})
    lines = header("methods", "rule", "endpoint", *(code(t) for t in used))
    for route, access in zip(routes, accesses, strict=True):
        marks = [access_mark(access, table) for table in used]
        lines.append(row([" ".join(route.methods), code(route.rule), code(route.endpoint), *marks]))
    if not used:
        lines += ["", "No route touches a table that the analyzer could see."]
    return "\n".join(lines)


def access_mark(access: Access, table: str) -> str:
    """A route x table matrix cell: R, W, RW, i (relationship only), ? (uncertain)."""
    mark = ("R" if table in access.reads else "") + ("W" if table in access.writes else "")
    if table in access.indirect:
        mark = "i"
    if mark and table in access.low_confidence:
        mark += "?"
    return mark


def _guards(analysis: Analysis) -> str:
    """Each route's guards (an unguarded route says so), and the tables that its hooks, user
    loaders and decorators read and write besides the view."""
    routes = [r for r in analysis.routes if r.kind != "static"]
    lines = [
        "## Guards per route",
        "",
        "Guards are decorators on the view, its class's `decorators`/`method_decorators` "
        "(class) and `before_request` hooks that refuse requests (hook). Hook reads/writes: "
        "tables touched by the hooks, user loaders and decorators that run for the route.",
    ]
    if not routes:
        return "\n".join([*lines, "", "No routes found."])
    several_apps = len({r.app for r in routes}) > 1
    lines += ["", *header("methods", "rule", "endpoint", "guards", "hook reads", "hook writes")]
    for route in routes:
        key = (route.app, route.rule, route.endpoint)
        guards = [
            code(g.name) + ("" if g.kind == "decorator" else f" ({g.kind.partition('-')[0]})")
            for g in analysis.route_guards.get(key, ())
        ]
        access = analysis.route_hook_access.get(key, Access())
        cells = [" ".join(route.methods), code(route.rule), _endpoint(route, several_apps)]
        cells += [", ".join(guards) or "none", ", ".join(access.reads), ", ".join(access.writes)]
        lines.append(row(cells))
    return "\n".join(lines)


def _per_table(analysis: Analysis) -> str:
    lines = ["## Tables: who reads, who writes"]
    tables = _tables(analysis)
    if not tables:
        return "\n".join([*lines, "", "No tables found."])
    several_apps = len({r.app for r in analysis.routes}) > 1
    definitions = {t.name: t for t in analysis.tables}
    accesses = [(r, _access(analysis, r)) for r in analysis.routes]
    for table in tables:
        lines += ["", f"### {code(table)}", ""]
        definition = definitions.get(table)
        if definition is not None and definition.file:
            model = f" (model {code(definition.model)})" if definition.model else ""
            lines.append(f"- defined at {definition.file}:{definition.line}{model}")
        for label, routes in (
            ("written by", [r for r, a in accesses if table in a.writes]),
            ("read by", [r for r, a in accesses if table in a.reads]),
            ("reached through relationships by", [r for r, a in accesses if table in a.indirect]),
        ):
            if routes or label != "reached through relationships by":
                names = ", ".join(_endpoint(r, several_apps) for r in routes) or "no route"
                lines.append(f"- {label}: {names}")
        hooks = [
            h for h, a in analysis.hook_access.items() if table in a.reads or table in a.writes
        ]
        if hooks:
            lines.append(
                "- on every request: " + ", ".join(code(_function(h.handler)) for h in hooks)
            )
    return "\n".join(lines)


def _other_databases(analysis: Analysis) -> str:
    """Tables reached through another connection: not the app's, never extracted with it."""
    lines = ["## Other databases", ""]
    if not analysis.external:
        return "\n".join([*lines, "None."])
    several_apps = len({r.app for r in analysis.routes}) > 1
    accesses = [(r, _access(analysis, r)) for r in analysis.routes]
    lines += header("database", "table", "mode", "at", "routes")
    for use in analysis.external:
        routes = [_endpoint(r, several_apps) for r, a in accesses if use in a.external]
        routes += [  # a hook's or loader's: reached for the routes it runs for
            f"{hook.kind} {code(_function(hook.handler))}"
            for hook, access in analysis.hook_access.items()
            if use in access.external
        ]
        lines.append(
            row(
                [
                    code(use.database or ""),
                    code(use.table),
                    use.mode,
                    f"{use.file}:{use.line}",
                    ", ".join(routes) or "no route",
                ]
            )
        )
    return "\n".join(lines)


def _endpoint(route: Route, with_app: bool) -> str:
    app = f" ({route.app or NO_APP})" if with_app else ""
    return f"{code(route.endpoint)}{app}"


def _function(key: FunctionKey) -> str:
    return f"{key[0]}:{key[1]}"


def _hooks(analysis: Analysis) -> str:
    lines = ["## On every request", ""]
    if not analysis.hooks:
        return "\n".join([*lines, "No request hooks or user loaders found."])
    lines += header("hook", "function", "defined at", "applies to", "reads", "writes")
    for hook in analysis.hooks:
        access = analysis.hook_access[hook]
        lines.append(
            row(
                [
                    hook.kind,
                    code(_function(hook.handler)),
                    f"{hook.file}:{hook.line}",
                    hook.applies_to,
                    ", ".join(access.reads),
                    ", ".join(access.writes),
                ]
            )
        )
    return "\n".join(lines)


def _hotspots(found: Hotspots) -> str:
    lines = [
        "## Hotspots",
        "",
        "An area is a route's top-level blueprint (or its view's module); a table belongs to "
        "the area that writes it most.",
        "",
        "### Tables written from several areas",
        "",
    ]
    if found.shared_writes:
        ordered = sorted(found.shared_writes, key=lambda s: (-len(s.areas), s.table))
        lines += [f"- {code(s.table)}: {', '.join(s.areas)}" for s in ordered]
    else:
        lines.append("None.")
    lines += ["", "### Queries joining tables of different areas", ""]
    if found.cross_area_queries:
        lines += [
            f"- {q.file}:{q.line} {code(_function(q.function))}: "
            + ", ".join(f"{code(t)} ({found.owners.get(t, '?')})" for t in q.tables)
            for q in found.cross_area_queries
        ]
    else:
        lines.append("None.")
    return "\n".join(lines)


def _cycles(analysis: Analysis) -> str:
    lines = ["## Import cycles", ""]
    if not analysis.import_cycles:
        return "\n".join([*lines, "None."])
    lines += ["- " + " -> ".join([*cycle, cycle[0]]) for cycle in analysis.import_cycles]
    return "\n".join(lines)


def _diagnostics(analysis: Analysis) -> str:
    lines = ["## Diagnostics", ""]
    if not analysis.diagnostics:
        return "\n".join([*lines, "None."])
    for d in analysis.diagnostics[:MAX_DIAGNOSTICS_LISTED]:
        where = f"{d.file}:{d.line}" if d.file else "(project)"
        lines.append(f"- {where} [{d.kind}] {d.message}")
    if len(analysis.diagnostics) > MAX_DIAGNOSTICS_LISTED:
        lines.append(
            f"- ... {len(analysis.diagnostics) - MAX_DIAGNOSTICS_LISTED} more (see --format json)"
        )
    return "\n".join(lines)
