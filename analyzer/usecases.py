"""The analyze use case: discover -> facts -> resolve -> graph -> `Analysis`.

`analyze_project` does the I/O (walking, reading, caching); `build_analysis` is pure and
works from facts alone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from analyzer.collect.cache import FactCache
from analyzer.collect.pipeline import collect_facts
from analyzer.collect.progress import Progress
from analyzer.facts.python import Diagnostic, FileFacts
from analyzer.resolution.calls import build_call_graph
from analyzer.resolution.graph import fold_access, import_cycles
from analyzer.resolution.hooks import collect_hooks
from analyzer.resolution.registrations import collect_registrations
from analyzer.resolution.resolve import Resolver
from analyzer.resolution.results import Analysis, ModuleInfo
from analyzer.resolution.routes import build_route_map
from analyzer.resolution.table_access import resolve_table_access
from analyzer.source.discover import CACHE_DIR_NAME, Discovery, discover


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    dialect: str | None = None
    use_cache: bool = True
    cache_dir: Path | None = None  # default: .strangler-cache/ inside the analyzed tree
    include_tests: bool = False
    workers: int | None = None
    show_progress: bool = True


def analyze_project(path: Path, options: AnalyzeOptions = AnalyzeOptions()) -> Analysis:
    """Analyze the Flask project at `path` without importing or running any of it."""
    with _no_cyclic_gc():
        return _analyze(path, options)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Facts are hundreds of thousands of small acyclic objects: the cycle collector would
    walk them over and over while they load, for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _analyze(path: Path, options: AnalyzeOptions) -> Analysis:
    discovery = discover(path, include_tests=options.include_tests)
    notes: list[Diagnostic] = []
    cache = _open_cache(discovery, options, notes)
    progress = Progress("analyzing", len(discovery.files)) if options.show_progress else None
    try:
        run = collect_facts(
            discovery.files,
            cache=cache,
            dialect=options.dialect,
            progress=progress,
            workers=options.workers,
        )
    finally:
        if progress is not None:
            progress.close()
    analysis = build_analysis(discovery, run.facts, extra_diagnostics=notes)
    analysis.stats.update(from_cache=run.from_cache, extracted=run.extracted)
    return analysis


def _open_cache(
    discovery: Discovery, options: AnalyzeOptions, notes: list[Diagnostic]
) -> FactCache | None:
    if not options.use_cache:
        return None
    directory = options.cache_dir or discovery.root / CACHE_DIR_NAME
    try:
        return FactCache.open(directory)
    except OSError as exc:
        notes.append(
            Diagnostic("", 0, "cache", f"cache disabled: cannot write {directory} ({exc.strerror})")
        )
        return None


def build_analysis(
    discovery: Discovery,
    facts: Iterable[FileFacts],
    *,
    extra_diagnostics: Iterable[Diagnostic] = (),
) -> Analysis:
    """Resolve names across modules and fold table access into routes and hooks."""
    files = tuple(facts)
    resolver = Resolver(files)
    for source in discovery.files:
        if source.alias:
            resolver.add_alias(source.alias, source.module)
    registrations, unresolved = collect_registrations(resolver)
    route_map = build_route_map(resolver, registrations, unresolved)
    hooks, hook_notes = collect_hooks(registrations, route_map.app_names, route_map.blueprint_names)
    call_graph = build_call_graph(resolver)
    tables = resolve_table_access(resolver, files)
    route_access = {
        (route.app, route.rule, route.endpoint): fold_access(
            route.handlers, call_graph.edges, tables.uses
        )
        for route in route_map.routes
    }
    hook_access = {
        hook: fold_access((hook.handler,), call_graph.edges, tables.uses) for hook in hooks
    }
    modules = _module_infos(resolver, files)
    diagnostics = [
        *discovery.diagnostics,
        *extra_diagnostics,
        *(d for f in files for d in f.diagnostics),
        *route_map.diagnostics,
        *hook_notes,
        *call_graph.diagnostics,
        *tables.diagnostics,
    ]
    return Analysis(
        root=str(discovery.root),
        apps=route_map.apps,
        routes=route_map.routes,
        route_access=route_access,
        hooks=hooks,
        hook_access=hook_access,
        tables=tables.tables,
        modules=modules,
        import_cycles=import_cycles(modules),
        calls=dict(call_graph.edges),
        function_uses=tables.uses,
        diagnostics=tuple(
            sorted(set(diagnostics), key=lambda d: (d.file, d.line, d.kind, d.message))
        ),
        stats={
            "files": len(files),
            "python_files": sum(1 for f in files if f.kind == "python"),
            "sql_files": sum(1 for f in files if f.kind == "sql"),
            "lines": sum(f.lines for f in files),
            "functions": len(resolver.functions),
            "skipped_test_files": discovery.skipped_tests,
        },
    )


def _module_infos(resolver: Resolver, files: Iterable[FileFacts]) -> tuple[ModuleInfo, ...]:
    infos = []
    for facts in files:
        if facts.kind != "python":
            continue
        targets: dict[str, None] = {}
        for imported in facts.imports:
            submodules = [f"{imported.target}.{n}" for n in imported.names]
            found = [resolver.canonical(s) for s in submodules if s in resolver.files]
            if imported.target in resolver.files and len(found) < len(imported.names or (None,)):
                found.append(resolver.canonical(imported.target))
            targets.update(dict.fromkeys(found))
        targets.pop(facts.module, None)
        infos.append(ModuleInfo(facts.module, facts.path, facts.lines, tuple(targets)))
    return tuple(infos)
