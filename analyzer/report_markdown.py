"""A Markdown report for people: route x table matrix, who reads and writes each table,
what runs on every request, hotspots, import cycles and diagnostics."""

from __future__ import annotations

from collections import Counter

from analyzer.hotspots import find_hotspots
from analyzer.results import Access, Analysis, Route

MAX_DIAGNOSTICS_LISTED = 200


def render_markdown(analysis: Analysis) -> str:
    sections = [
        _summary(analysis),
        _matrix(analysis),
        _per_table(analysis),
        _hooks(analysis),
        _hotspots(analysis),
        _cycles(analysis),
        _diagnostics(analysis),
    ]
    return "\n\n".join(sections) + "\n"


def _summary(analysis: Analysis) -> str:
    lines = [
        f"# Analysis of `{analysis.root}`",
        "",
        f"{len(analysis.apps)} app(s), {len(analysis.routes)} route(s), "
        f"{len(_tables(analysis))} table(s), {len(analysis.modules)} module(s), "
        f"{len(analysis.diagnostics)} diagnostic(s).",
    ]
    if analysis.apps:
        lines += ["", "| app | defined at |", "| --- | --- |"]
        lines += [f"| `{a.name}` | {a.file}:{a.line} |" for a in analysis.apps]
    return "\n".join(lines)


def _route_label(route: Route) -> str:
    app = f" ({route.app})" if route.app else " (no app)"
    return f"{' '.join(route.methods)} `{route.rule}` {route.endpoint}{app}"


def _access(analysis: Analysis, route: Route) -> Access:
    return analysis.route_access[(route.app, route.rule, route.endpoint)]


def _tables(analysis: Analysis) -> list[str]:
    names = {t.name for t in analysis.tables}
    for access in [*analysis.route_access.values(), *analysis.hook_access.values()]:
        names.update(access.reads, access.writes, access.indirect)
    return sorted(names)


def _matrix(analysis: Analysis) -> str:
    routes = [r for r in analysis.routes if r.kind != "static"]
    used = sorted(
        {
            t
            for r in routes
            for a in [_access(analysis, r)]
            for t in (*a.reads, *a.writes, *a.indirect)
        }
    )
    lines = [
        "## Routes x tables",
        "",
        "R = reads, W = writes, i = only through an ORM relationship, "
        "? = only from dynamic SQL or best effort.",
        "",
    ]
    if not routes or not used:
        return "\n".join([*lines, "No route touches a table that the analyzer could see."])
    lines.append("| route | " + " | ".join(f"`{t}`" for t in used) + " |")
    lines.append("| --- |" + " --- |" * len(used))
    for route in routes:
        access = _access(analysis, route)
        cells = []
        for table in used:
            mark = ("R" if table in access.reads else "") + ("W" if table in access.writes else "")
            if table in access.indirect:
                mark = "i"
            if mark and table in access.low_confidence:
                mark += "?"
            cells.append(mark)
        lines.append(f"| {_route_label(route)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _per_table(analysis: Analysis) -> str:
    lines = ["## Tables: who reads, who writes"]
    for table in _tables(analysis):
        readers = [r for r in analysis.routes if table in _access(analysis, r).reads]
        writers = [r for r in analysis.routes if table in _access(analysis, r).writes]
        lines += ["", f"### `{table}`", ""]
        lines.append(
            "- written by: " + (", ".join(f"`{r.endpoint}`" for r in writers) or "no route")
        )
        lines.append("- read by: " + (", ".join(f"`{r.endpoint}`" for r in readers) or "no route"))
    return "\n".join(lines)


def _hooks(analysis: Analysis) -> str:
    lines = ["## On every request", ""]
    if not analysis.hooks:
        return "\n".join([*lines, "No request hooks or user loaders found."])
    lines += [
        "| hook | function | applies to | reads | writes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for hook in analysis.hooks:
        access = analysis.hook_access[hook]
        lines.append(
            f"| {hook.kind} | `{hook.handler[0]}:{hook.handler[1]}` ({hook.file}:{hook.line}) | "
            f"{hook.applies_to} | {', '.join(access.reads)} | {', '.join(access.writes)} |"
        )
    return "\n".join(lines)


def _hotspots(analysis: Analysis) -> str:
    found = find_hotspots(analysis)
    lines = ["## Hotspots", "", "### Tables written from several areas", ""]
    if found.shared_writes:
        lines += [f"- `{s.table}`: {', '.join(s.areas)}" for s in found.shared_writes]
    else:
        lines.append("None.")
    lines += ["", "### Queries joining tables of different areas", ""]
    if found.cross_area_queries:
        lines += [
            f"- {q.file}:{q.line} `{q.function}`: "
            + ", ".join(f"`{t}` ({found.owners.get(t, '?')})" for t in q.tables)
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
    counts = Counter(d.kind for d in analysis.diagnostics)
    lines.append(", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items())))
    lines.append("")
    for d in analysis.diagnostics[:MAX_DIAGNOSTICS_LISTED]:
        where = f"{d.file}:{d.line}" if d.file else "(project)"
        lines.append(f"- {where} [{d.kind}] {d.message}")
    if len(analysis.diagnostics) > MAX_DIAGNOSTICS_LISTED:
        lines.append(
            f"- ... {len(analysis.diagnostics) - MAX_DIAGNOSTICS_LISTED} more (see --format json)"
        )
    return "\n".join(lines)
