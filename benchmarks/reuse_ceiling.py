"""How much resolution an incremental re-run could reuse (issue 7), measured before building it.

Two measurements on each tree, from its facts (read from a scratch cache, extracted once):

1. **Stages and memo state.** Each resolution stage (registrations and the route map, the
   call graph, table access, guarded calls) run on the resolver the stages before it filled,
   as `build_analysis` runs them, and on a fresh one: are the answers the same? Reusing a
   unit's stored answer while resolving others again is only sound if they are.
2. **Reads per call-graph row.** A resolver instrumented here (not the analyzer's own: the
   analyzer records nothing yet) notes, for each function's row of the call graph, the
   modules whose facts its resolution reads; an answer taken from a memo passes on the
   reads that made it. A row that meets a depth cut or asks a whole-program scan (the calls
   by name, the constructions, the settings, a loop over every class) reads "everything".
   For each module given, how many rows an edit of it would resolve again: an upper bound
   (per module, not per binding or function).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/reuse_ceiling.py [TREE [MODULE ...]]

Without arguments: privacyidea's sdist (as `analyze_speed.py` fetches it), the modules
`analyze_speed.py` edits and three that many others read.
"""

from __future__ import annotations

import gc
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analyze_speed import DOWNLOADS, fetch_real_app

from analyzer.collect.cache import FactCache
from analyzer.collect.fingerprint import toolkit_fingerprint
from analyzer.collect.pipeline import collect_facts
from analyzer.facts.python import FileFacts
from analyzer.facts.values import CallOf, Ref
from analyzer.resolution.calls import build_call_graph
from analyzer.resolution.guarded_uses import move_guarded_calls
from analyzer.resolution.registrations import collect_registrations
from analyzer.resolution.resolve import _CYCLE as CYCLE
from analyzer.resolution.resolve import MAX_DEPTH, Ctx, Resolved, Resolver
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
EVERYTHING = "*"
# the resolver's memoized questions: name -> (the memo it keeps answers in, the key of a
# question there; None: not kept, its parameters being bound by a caller)
MEMOIZED: dict[str, tuple[str, Callable[..., Any]]] = {
    "global_name": ("_globals", lambda module, name: (module, name)),
    "ref": ("_refs", lambda dotted, ctx: None if ctx.env else (ctx.module, dotted)),
    "call": ("_calls", lambda value, ctx: None if ctx.env else (id(value), ctx.module, ctx.scope)),
    "called": ("_called", lambda call, ctx: None if ctx.env else (id(call), ctx.module, ctx.scope)),
    "class_member": (
        "_class_members",
        lambda cls, attr, instance, skip_own=False: (cls, attr, instance, skip_own),
    ),
    "mro": ("_mro", lambda cls: cls),
    "members": ("_members", lambda cls: cls),
    "parameter": (
        "_parameters",
        lambda name, ctx: None if ctx.env else (name, ctx.module, ctx.scope),
    ),
}
# whole-program scans: an answer from one depends on every file
SCANS = (
    "calls_named",
    "constructions",
    "constructed_argument",
    "settings",
    "setting_definitions",
    "user_class",
    "attached_to_apps",
    "passed",
)


class Reads:
    """The modules read, one set per unit being resolved (and per memo entry being made)."""

    def __init__(self) -> None:
        self.frames: list[set[str]] = [set()]
        self.made: dict[tuple[str, Any], set[str]] = {}  # memo entry -> what making it read
        # per loop over every function while `per_row`: each function's reads
        self.loops: list[dict[tuple[str, str], set[str]]] = []
        self.per_row = False
        self.looping = False

    def read(self, module: str) -> None:
        self.frames[-1].add(module)

    def everything(self, why: str) -> None:
        self.frames[-1].update((EVERYTHING, f"{EVERYTHING}{why}"))

    @contextmanager
    def frame(self, entry: tuple[str, Any] | None, hit: bool) -> Iterator[None]:
        """Around a memoized question: a hit passes on what making the entry read; an answer
        worked out notes its own reads as the entry's."""
        self.frames.append(set())
        try:
            yield
        finally:
            top = self.frames.pop()
            if entry is not None and hit:
                top |= self.made.get(entry, set())
            elif entry is not None:
                self.made[entry] = top
            self.frames[-1] |= top


class _ByModule(dict[Any, Any]):
    """An index keyed by (module, name): a lookup reads the module, a loop everything."""

    reads: Reads
    kind: str

    def __getitem__(self, key: Any) -> Any:
        self.reads.read(key[0])
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        self.reads.read(key[0])
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, tuple):
            self.reads.read(key[0])
        return dict.__contains__(self, key)

    def items(self) -> Any:
        if self.kind == "functions" and self.reads.per_row and not self.reads.looping:
            return self._rows()
        self.reads.everything(f"loop over {self.kind}")
        return dict.items(self)

    def _rows(self) -> Iterator[tuple[Any, Any]]:
        """A loop over every function (the call graph's own is its last): each function's
        reads in a frame of their own."""
        self.reads.looping = True
        rows = {}
        for key, value in dict.items(self):
            self.reads.frames.append(set())
            yield key, value
            rows[key] = self.reads.frames.pop()
        self.reads.looping = False
        self.reads.loops.append(rows)

    def __iter__(self) -> Iterator[Any]:
        self.reads.everything(f"loop over {self.kind}")
        return dict.__iter__(self)


class _Modules(dict[str, Any]):
    """An index keyed by module name (`files`, `bindings`)."""

    reads: Reads

    def __getitem__(self, key: str) -> Any:
        self.reads.read(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self.reads.read(key)
        return dict.get(self, key, default)

    def items(self) -> Any:
        self.reads.everything("loop over files")
        return dict.items(self)

    def __iter__(self) -> Iterator[str]:
        self.reads.everything("loop over files")
        return dict.__iter__(self)


def _by_module(reads: Reads, kind: str, index: dict[Any, Any]) -> _ByModule:
    wrapped = _ByModule(index)
    wrapped.reads, wrapped.kind = reads, kind
    return wrapped


def _modules(reads: Reads, index: dict[str, Any]) -> _Modules:
    wrapped = _Modules(index)
    wrapped.reads = reads
    return wrapped


def recording_resolver(files: tuple[FileFacts, ...], discovery: Discovery) -> Resolver:
    """A resolver whose fact indexes, memoized questions and scans note what they read."""
    reads = Reads()

    class Recording(Resolver):
        @property
        def _cuts(self) -> int:
            return self._cut_count

        @_cuts.setter
        def _cuts(self, count: int) -> None:
            if count > getattr(self, "_cut_count", 0):
                reads.everything("a cut (the depth cap, or a definition met again)")
            self._cut_count = count

        def resolve(self, value: Any, ctx: Ctx) -> Resolved:
            if not ctx.env and type(value) in (Ref, CallOf) and self._depth <= MAX_DEPTH:
                # the memo fast path would answer without the question (and its frame)
                self._depth += 1
                try:
                    if type(value) is Ref:
                        return self.ref(value.dotted, ctx)
                    return self.call(value, ctx)
                finally:
                    self._depth -= 1
            return super().resolve(value, ctx)

    for name, (memo, key) in MEMOIZED.items():
        setattr(Recording, name, _framed(reads, name, memo, key, getattr(Resolver, name)))
    for name in SCANS:
        setattr(Recording, name, _scan(reads, name, getattr(Resolver, name)))
    resolver = Recording(files)
    for source in discovery.files:
        if source.alias:
            resolver.add_alias(source.alias, source.module)
    resolver.functions = _by_module(reads, "functions", resolver.functions)
    resolver.classes = _by_module(reads, "classes", resolver.classes)
    resolver.returned_models = _by_module(reads, "returned models", resolver.returned_models)
    resolver.files = _modules(reads, resolver.files)
    resolver.bindings = _modules(reads, resolver.bindings)
    resolver.reads = reads  # type: ignore[attr-defined]
    return resolver


def _framed(
    reads: Reads, name: str, memo: str, key: Callable[..., Any], method: Callable[..., Any]
) -> Callable[..., Any]:
    def framed(self: Resolver, *args: Any, **kwargs: Any) -> Any:
        entry = key(*args, **kwargs)
        known = getattr(self, memo).get(entry) if entry is not None else None
        hit = known is not None and known is not CYCLE
        with reads.frame(None if entry is None else (name, entry), hit):
            return method(self, *args, **kwargs)

    return framed


def _scan(reads: Reads, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def scan(self: Resolver, *args: Any, **kwargs: Any) -> Any:
        reads.everything(name)
        return method(self, *args, **kwargs)

    return scan


def plain_resolver(files: tuple[FileFacts, ...], discovery: Discovery) -> Resolver:
    resolver = Resolver(files)
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
    resolver = recording_resolver(files, discovery)
    reads: Reads = resolver.reads  # type: ignore[attr-defined]
    registrations, unresolved = collect_registrations(resolver)
    build_route_map(resolver, registrations, unresolved)
    reads.frames = [set()]
    reads.per_row = True
    build_call_graph(resolver)
    recording_seconds = time.process_time() - started
    *before, rows = reads.loops
    outside = set(reads.frames[0]).union(*(r for loop in before for r in loop.values()))
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
    built = "everything" if EVERYTHING in outside else f"{len(outside)} modules"
    print(f"  read outside the rows (helpers built before the loop): {built}")
    print(
        f"  registrations, routes and call graph: {plain_seconds:.2f} s of CPU, "
        f"{recording_seconds:.2f} s recording reads here ({recording_seconds / plain_seconds:.2f}x)"
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
