"""How much resolution an incremental re-run could reuse (issue 7), measured before building it.

Two measurements on each tree, from its facts (extracted once into a scratch cache):

1. **Stages and memo state.** Each resolution stage (registrations and the route map, the
   call graph, table access, guarded calls) run on the resolver the stages before it filled,
   as `build_analysis` runs them, and on a fresh one: are the answers the same? Reusing a
   unit's stored answer while resolving others again is only sound if they are.
2. **Reads per call-graph row.** With a resolver recording what it reads
   (`analyzer.resolution.reads`), the modules each function's row of the call graph rests
   on; a row that meets a cut or asks a whole-program scan (the calls by name, the
   constructions, the settings, a loop over every class) reads "everything", and why is
   counted. For each module given, how many rows an edit of it would resolve again: a
   ceiling, as the helpers the call graph builds before its rows (signal receivers, schema
   rules, stored callables, models by class name) loop over every function and are left
   out here (they are to become scans keyed by what they look for).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/reuse_ceiling.py [TREE [MODULE ...]]

Without arguments: privacyidea's sdist (as `analyze_speed.py` fetches it), the module
`analyze_speed.py` edits and some that many others read.
"""

from __future__ import annotations

import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from analyze_speed import DOWNLOADS, fetch_real_app

from analyzer.collect.cache import FactCache
from analyzer.collect.fingerprint import toolkit_fingerprint
from analyzer.collect.pipeline import collect_facts
from analyzer.facts.python import FileFacts
from analyzer.resolution.calls import build_call_graph
from analyzer.resolution.guarded_uses import move_guarded_calls
from analyzer.resolution.reads import EVERYTHING, Reads
from analyzer.resolution.registrations import collect_registrations
from analyzer.resolution.resolve import Resolver
from analyzer.resolution.routes import build_route_map
from analyzer.resolution.table_access import resolve_table_access
from analyzer.source.discover import Discovery, discover

DEFAULT_MODULES = (
    "privacyidea.api.token",
    "privacyidea.models",
    "privacyidea.models.token",
    "privacyidea.lib.token",
    "privacyidea.lib.utils",
)


def plain_resolver(
    files: tuple[FileFacts, ...], discovery: Discovery, reads: Reads | None = None
) -> Resolver:
    resolver = Resolver(files, reads)
    for source in discovery.files:
        if source.alias:
            resolver.add_alias(source.alias, source.module)
    return resolver


def stage_answers(files: tuple[FileFacts, ...], discovery: Discovery, fresh: bool) -> list[Any]:
    """Each stage's answers, in `build_analysis`'s order, on one resolver or a fresh one each."""
    shared = plain_resolver(files, discovery)

    def resolver() -> Resolver:
        return plain_resolver(files, discovery) if fresh else shared

    registrations, unresolved = collect_registrations(resolver())
    route_map = build_route_map(resolver(), registrations, unresolved)
    graph = build_call_graph(resolver())
    tables = resolve_table_access(resolver(), files)
    guarded = move_guarded_calls(resolver(), graph.edges)
    return [(route_map.routes, route_map.diagnostics), graph, tables, guarded]


def facts_of(root: Path, scratch: Path) -> tuple[Discovery, tuple[FileFacts, ...]]:
    discovery = discover(root)
    cache = FactCache.open(scratch / "facts")
    run = collect_facts(
        discovery.files, cache=cache, dialect=None, fingerprint=toolkit_fingerprint()
    )
    return discovery, run.facts


def measure(root: Path, modules: tuple[str, ...], scratch: Path) -> None:
    discovery, files = facts_of(root, scratch)
    gc.disable()  # the analyzer's own runs keep the collector off while resolving
    print(f"{root.name}: {len(files)} files")
    shared, fresh = stage_answers(files, discovery, False), stage_answers(files, discovery, True)
    stages = ("registrations and routes", "call graph", "table access", "guarded calls")
    for stage, one, other in zip(stages, shared, fresh, strict=True):
        verdict = "the same" if one == other else "DIFFERENT"
        print(f"  {stage}: on a fresh resolver {verdict} as after the stages before it")
    started = time.process_time()
    plain = plain_resolver(files, discovery)
    registrations, unresolved = collect_registrations(plain)
    build_route_map(plain, registrations, unresolved)
    build_call_graph(plain)
    plain_seconds = time.process_time() - started
    started = time.process_time()
    reads = Reads()
    resolver = plain_resolver(files, discovery, reads)
    registrations, unresolved = collect_registrations(resolver)
    build_route_map(resolver, registrations, unresolved)
    build_call_graph(resolver)
    recording_seconds = time.process_time() - started
    rows = {
        key: read
        for key, read in reads.units.items()
        if isinstance(key, tuple) and key[0] == "call graph"
    }
    everything = [row for row in rows.values() if EVERYTHING in row]
    sizes = sorted(len(row) for row in rows.values() if EVERYTHING not in row)
    print(
        f"  call graph: {len(rows)} rows; {len(everything)} read everything; the others read "
        f"{statistics.median(sizes):.0f} modules (median), {sizes[len(sizes) * 9 // 10]} "
        f"(90th percentile), {sizes[-1]} at most"
    )
    why = Counter(part for row in everything for part in row if part.startswith(EVERYTHING))
    why.pop(EVERYTHING, None)
    print("  why everything: " + ", ".join(f"{w[1:]} {n}" for w, n in why.most_common()))
    print(
        f"  registrations, routes and call graph: {plain_seconds:.2f} s of CPU, "
        f"{recording_seconds:.2f} s recording ({recording_seconds / plain_seconds:.2f}x)"
    )
    for module in modules:
        again = sum(1 for row in rows.values() if EVERYTHING in row or module in row)
        print(f"  an edit of {module}: {again} of {len(rows)} rows resolved again")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="strangler-reuse-") as temporary:
        scratch = Path(temporary)
        if len(sys.argv) > 1:
            root, modules = Path(sys.argv[1]), tuple(sys.argv[2:])
        else:
            root = scratch / "tree"
            shutil.copytree(fetch_real_app(DOWNLOADS), root)
            modules = DEFAULT_MODULES
        measure(root, modules, scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
