"""The Analyzer JSON contract (docs/contracts.md): routes with reads/writes, tables, modules,
diagnostics, plus apps, hooks, import cycles, hotspots and statistics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from analyzer.reports.hotspots import Hotspots, find_hotspots
from analyzer.resolution.results import Access, Analysis, FunctionKey, TableUse

SCHEMA_VERSION = 1
_EXTERNAL_KEYS = ("database", "table", "mode", "file", "line")


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    readers: dict[str, list[dict[str, Any]]] = {t.name: [] for t in analysis.tables}
    writers: dict[str, list[dict[str, Any]]] = {t.name: [] for t in analysis.tables}
    routes = []
    for route in analysis.routes:
        key = (route.app, route.rule, route.endpoint)
        access = analysis.route_access[key]
        hook_access = analysis.route_hook_access.get(key, Access())
        ref = {"app": route.app, "endpoint": route.endpoint, "rule": route.rule}
        for table in access.reads:
            readers.setdefault(table, []).append(ref)
        for table in access.writes:
            writers.setdefault(table, []).append(ref)
        routes.append(
            {
                "app": route.app,
                "rule": route.rule,
                "endpoint": route.endpoint,
                "methods": list(route.methods),
                "file": route.file,
                "line": route.line,
                "blueprint": route.blueprint,
                "kind": route.kind,
                "view": [_function(h) for h in route.handlers],
                **_access(access),
                "external": _external(access.external),
                "hook_reads": list(hook_access.reads),
                "hook_writes": list(hook_access.writes),
                "hook_external": _external(hook_access.external),
                "guards": [
                    {"name": g.name, "kind": g.kind, "file": g.file, "line": g.line}
                    for g in analysis.route_guards.get(key, ())
                ],
            }
        )
    definitions = {t.name: t for t in analysis.tables}
    return {
        "schema_version": SCHEMA_VERSION,
        "root": analysis.root,
        "apps": [
            {"name": a.name, "kind": a.kind, "file": a.file, "line": a.line} for a in analysis.apps
        ],
        "routes": routes,
        "hooks": [
            {
                "kind": hook.kind,
                "on_every_request": True,
                "applies_to": hook.applies_to,
                "function": _function(hook.handler),
                "file": hook.file,
                "line": hook.line,
                **_access(analysis.hook_access[hook]),
                "external": _external(analysis.hook_access[hook].external),
            }
            for hook in analysis.hooks
        ],
        "tables": [
            {
                "name": name,
                "file": definitions[name].file if name in definitions else None,
                "line": definitions[name].line if name in definitions else None,
                "model": definitions[name].model if name in definitions else None,
                "foreign_keys": list(definitions[name].foreign_keys) if name in definitions else [],
                "read_by": readers.get(name, []),
                "written_by": writers.get(name, []),
            }
            for name in sorted(
                set(readers)
                | set(writers)
                | {u.table for v in analysis.function_uses.values() for u in v}
            )
        ],
        "external": _external(analysis.external),
        "modules": [
            {"name": m.name, "file": m.file, "lines": m.lines, "imports": list(m.imports)}
            for m in analysis.modules
        ],
        "import_cycles": [list(cycle) for cycle in analysis.import_cycles],
        "hotspots": _hotspots(find_hotspots(analysis)),
        "diagnostics": [
            {"file": d.file, "line": d.line, "kind": d.kind, "message": d.message}
            for d in analysis.diagnostics
        ],
        "stats": dict(analysis.stats),
    }


def render_json(analysis: Analysis) -> str:
    """Compact JSON (the C encoder; indenting would make big reports several times slower)."""
    return json.dumps(analysis_to_dict(analysis), separators=(",", ":")) + "\n"


def _hotspots(hotspots: Hotspots) -> dict[str, Any]:
    return {
        "owners": dict(sorted(hotspots.owners.items())),
        "shared_writes": [
            {"table": s.table, "areas": list(s.areas)} for s in hotspots.shared_writes
        ],
        "cross_area_queries": [
            {
                "file": q.file,
                "line": q.line,
                "function": _function(q.function),
                "tables": list(q.tables),
                "areas": list(q.areas),
            }
            for q in hotspots.cross_area_queries
        ],
    }


def _access(access: Access) -> dict[str, Any]:
    return {
        "reads": list(access.reads),
        "writes": list(access.writes),
        "indirect": list(access.indirect),
        "low_confidence": list(access.low_confidence),
        "evidence": [_evidence(use) for use in access.evidence],
    }


def _evidence(use: TableUse) -> dict[str, Any]:
    return {
        "table": use.table,
        "mode": use.mode,
        "function": _function(use.function),
        "file": use.file,
        "line": use.line,
        "confidence": use.confidence,
        "via": use.via,
        "indirect": use.indirect,
    }


def _external(uses: Iterable[TableUse]) -> list[dict[str, Any]]:
    """`{database, table, mode, file, line}`, once each (in the order of `uses`)."""
    found = dict.fromkeys((u.database, u.table, u.mode, u.file, u.line) for u in uses)
    return [dict(zip(_EXTERNAL_KEYS, item, strict=True)) for item in found]


def _function(key: FunctionKey) -> str:
    return f"{key[0]}:{key[1]}"
