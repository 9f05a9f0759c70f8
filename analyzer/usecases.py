"""The analyze use case: discover -> facts -> resolve -> graph -> `Analysis`.

`analyze_project` and `report_project` do the I/O (walking, reading, caching);
`build_analysis` is pure and works from facts alone. The cache lives outside the
analyzed tree (`analyzer.collect.cache`); an unchanged tree gets the report of the
run before it without loading the fact extractors or the resolution stage at all.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.collect.cache import FactCache, default_cache_root, project_cache_dir
from analyzer.collect.fingerprint import toolkit_fingerprint
from analyzer.collect.progress import Progress
from analyzer.collect.reuse import Earlier, Report, ReportCache, discovery_shape, run_start
from analyzer.facts.python import Diagnostic, FileFacts
from analyzer.resolution.graph import evidence_order, fold_access, import_cycles
from analyzer.resolution.results import Analysis, ModuleInfo
from analyzer.source.discover import Discovery, discover
from strangler.errors import UsageError

if TYPE_CHECKING:
    from analyzer.resolution.resolve import Resolver


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    dialect: str | None = None
    use_cache: bool = True
    cache_dir: Path | None = None  # cache root; default $XDG_CACHE_HOME/strangler
    include_tests: bool = False
    workers: int | None = None
    show_progress: bool = True

    def facts_shape(self) -> str:
        """The options that change what the facts (and so the reports) are."""
        return f"dialect={self.dialect}\0include_tests={self.include_tests}"


@dataclass(frozen=True, slots=True)
class ReportRun:
    report: Report
    reused: bool  # True: an earlier run's report, the tree (or every file's facts) unchanged
    same_facts: bool = False  # True: reused though files changed, their facts being the same


class CacheInsideTree(UsageError):
    """The cache folder asked for lies inside the tree being analyzed."""


@dataclass(frozen=True, slots=True)
class _Analyzed:
    analysis: Analysis
    digests: dict[str, str]
    keys: dict[str, str]  # the files' fact keys; empty when the facts could not be cached


def analyze_project(path: Path, options: AnalyzeOptions = AnalyzeOptions()) -> Analysis:
    """Analyze the Flask project at `path` without importing or running any of it."""
    discovery = discover(path, include_tests=options.include_tests)
    return _analyze(discovery, options, toolkit_fingerprint()).analysis


def report_project(
    path: Path, options: AnalyzeOptions, output_format: str, render: Callable[[Analysis], str]
) -> ReportRun:
    """`path`'s report in `output_format`, reused from the last run when nothing changed."""
    started_ns = run_start()
    discovery = discover(path, include_tests=options.include_tests)
    fingerprint = toolkit_fingerprint()
    reports = None
    shape = discovery_shape(discovery)
    project_dir = _cache_folder(discovery, options)
    if project_dir is not None:
        kind = f"{fingerprint}\0{options.facts_shape()}\0{output_format}"
        reports = ReportCache(project_dir, kind)
        earlier = reports.earlier(discovery.files, shape)
        if earlier is not None and not earlier.changed:
            return ReportRun(earlier.report, reused=True)
        if earlier is not None and _same_facts(
            earlier, discovery, options, fingerprint, project_dir
        ):
            reports.store(
                discovery.files,
                earlier.digests,
                earlier.report,
                started_ns,
                keys=earlier.keys,
                shape=shape,
            )
            return ReportRun(earlier.report, reused=True, same_facts=True)
    with _no_cyclic_gc():  # the collector would walk the whole analysis while it renders
        analyzed = _analyze(discovery, options, fingerprint)
        analysis = analyzed.analysis
        text = _encodable(render(analysis))
    report = Report(text, len(analysis.routes), len(analysis.diagnostics))
    if reports is not None:
        reports.store(
            discovery.files, analyzed.digests, report, started_ns, keys=analyzed.keys, shape=shape
        )
    return ReportRun(report, reused=False)


def _same_facts(
    earlier: Earlier,
    discovery: Discovery,
    options: AnalyzeOptions,
    fingerprint: str,
    project_dir: Path,
) -> bool:
    """Whether the files changed since `earlier` still have the facts it was made from
    (`analyzer.collect.same_facts`); `earlier`'s digests and keys brought up to date if so."""
    from analyzer.collect.same_facts import facts_unchanged

    try:
        cache = FactCache.open(project_dir)
    except OSError:
        return False
    now = facts_unchanged(earlier.changed, cache, dialect=options.dialect, fingerprint=fingerprint)
    if now is None:
        return False
    for rel, (digest, key) in now.items():
        earlier.digests[rel] = digest
        earlier.keys[rel] = key
    return True


def _encodable(text: str) -> str:
    """`text` writable as UTF-8: a lone surrogate (a string constant in the analyzed code
    may hold one) is shown as its `\\udxxx` escape instead of failing every writer."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


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


def _cache_folder(discovery: Discovery, options: AnalyzeOptions) -> Path | None:
    """This project's cache folder, or None when caching is off or would write into the tree.

    An explicit `cache_dir` inside the tree is refused; the default one (e.g. when the
    tree is a home directory) only turns the cache off.
    """
    if not options.use_cache:
        return None
    root = (options.cache_dir or default_cache_root()).resolve()
    if root == discovery.root or discovery.root in root.parents:
        if options.cache_dir is not None:
            raise CacheInsideTree(
                f"--cache-dir {options.cache_dir} is inside the analyzed tree {discovery.root}",
                hint="the analyzer never writes into the code it reads: choose a folder outside it",
            )
        return None
    return project_cache_dir(discovery.root, root)


def _analyze(discovery: Discovery, options: AnalyzeOptions, fingerprint: str) -> _Analyzed:
    # the extractors: loaded only when some file's facts must be read (and sqlglot only once
    # one of its strings looks like SQL)
    from analyzer.collect.pipeline import collect_facts

    notes: list[Diagnostic] = []
    cache = _open_cache(discovery, options, notes)
    progress = Progress("analyzing", len(discovery.files)) if options.show_progress else None
    try:
        with _no_cyclic_gc():
            run = collect_facts(
                discovery.files,
                cache=cache,
                dialect=options.dialect,
                fingerprint=fingerprint,
                progress=progress,
                workers=options.workers,
            )
            analysis = build_analysis(discovery, run.facts, extra_diagnostics=notes)
    finally:
        if progress is not None:
            progress.close()
    analysis.stats.update(from_cache=run.from_cache, extracted=run.extracted)
    return _Analyzed(analysis, run.digests, run.keys if cache is not None else {})


def _open_cache(
    discovery: Discovery, options: AnalyzeOptions, notes: list[Diagnostic]
) -> FactCache | None:
    project_dir = _cache_folder(discovery, options)
    if project_dir is None:
        if options.use_cache:
            notes.append(
                Diagnostic("", 0, "cache", "cache disabled: its folder is inside the analyzed tree")
            )
        return None
    try:
        return FactCache.open(project_dir)
    except OSError as exc:
        notes.append(
            Diagnostic(
                "", 0, "cache", f"cache disabled: cannot write {project_dir} ({exc.strerror})"
            )
        )
        return None


def build_analysis(
    discovery: Discovery,
    facts: Iterable[FileFacts],
    *,
    extra_diagnostics: Iterable[Diagnostic] = (),
) -> Analysis:
    """Resolve names across modules and fold table access into routes and hooks."""
    # the resolution stage: loaded only when there is something to resolve (a reused report
    # needs none of it)
    from analyzer.resolution.calls import build_call_graph, with_extra_calls
    from analyzer.resolution.guarded_uses import move_guarded_calls
    from analyzer.resolution.guards import protect_routes
    from analyzer.resolution.hooks import collect_hooks, fold_per_route
    from analyzer.resolution.registrations import collect_registrations
    from analyzer.resolution.resolve import Resolver
    from analyzer.resolution.routes import build_route_map
    from analyzer.resolution.table_access import resolve_table_access

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
    edges = move_guarded_calls(resolver, call_graph.edges)  # calls under `if <param>:` too
    # + mapper event listeners, methods run on a model's receiver
    calls = with_extra_calls(edges, tables.flush_calls, tables.receiver_calls)
    route_access = {
        (route.app, route.rule, route.endpoint): fold_access(
            route.handlers, calls, tables.uses, tables.external, tables.commits
        )
        for route in route_map.routes
    }
    hook_access = {
        hook: fold_access((hook.handler,), calls, tables.uses, tables.external, tables.commits)
        for hook in hooks
    }
    protections = protect_routes(resolver, route_map.routes, hooks, calls)
    route_hook_access = fold_per_route(
        {key: p.runs_also for key, p in protections.items()},
        calls,
        tables.uses,
        tables.external,
        tables.commits,
    )
    modules = _module_infos(resolver, files)
    diagnostics = [
        *discovery.diagnostics,
        *extra_diagnostics,
        *(d for f in files for d in f.diagnostics),
        *route_map.diagnostics,
        *hook_notes,
        *call_graph.diagnostics,
        *tables.diagnostics,
        *resolver.bound_notes.values(),
        *resolver.entry_point_notes.values(),
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
        calls=calls,
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
        route_guards={key: p.guards for key, p in protections.items()},
        route_hook_access=route_hook_access,
        external=tuple(
            sorted({u for found in tables.external.values() for u in found}, key=evidence_order)
        ),
    )


def _module_infos(resolver: Resolver, files: Iterable[FileFacts]) -> tuple[ModuleInfo, ...]:
    infos = []
    for facts in files:
        if facts.kind != "python":
            continue
        lines: list[tuple[str, int]] = []
        for imported in facts.imports:
            submodules = [f"{imported.target}.{n}" for n in imported.names]
            found = [resolver.canonical(s) for s in submodules if s in resolver.files]
            if imported.target in resolver.files and len(found) < len(imported.names or (None,)):
                found.append(resolver.canonical(imported.target))
            lines.extend((target, imported.line) for target in found if target != facts.module)
        targets = tuple(dict.fromkeys(target for target, _ in lines))
        infos.append(ModuleInfo(facts.module, facts.path, facts.lines, targets, tuple(lines)))
    return tuple(infos)
