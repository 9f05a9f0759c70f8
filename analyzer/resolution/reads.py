"""What resolution reads, unit by unit: the modules whose facts an answer rests on.

The groundwork of incremental re-analysis (`docs/incremental.md`): a unit's answer (a
function's call-graph row, say) can be kept after an edit that changes none of the modules
it read. Off unless a `Reads` is given to the `Resolver`; then its fact indexes are the
recording ones below, so every lookup through them, from any stage, is noted in the
innermost open frame:

- a lookup by module (`files`, `bindings`, `specs`) or by `(module, name)` (`functions`,
  `classes`, `returned_models`) notes the module. Whether a module is in the tree is not
  noted: discovery fixes the set of modules, and a re-run with other modules reuses nothing;
- a loop over a whole index, a whole-program scan, and a cut (the depth cap, a definition met
  again while it is worked out) note "everything";
- an answer the resolver keeps in a memo (a method marked `memoized`) notes what working it
  out read, and a later answer from that memo passes the same on, so a unit reads what it
  would have read had it asked first. A resolver given a `Reads` is of its
  `recording_class`, whose marked methods do this; without one, they run as written.

Granularity is the module; keys per binding or function, and scans keyed by what they look
for, are the next step (`docs/incremental.md`). Memos kept outside the `Resolver` (the
stages' own helpers) do not record yet: an answer taken from one passes nothing on, so the
units of a stage that keeps such memos cannot be reused until they are marked too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

EVERYTHING = "*"
# pseudo-modules: what the protobuf index and the pinned Flask-AppBuilder release are made from
PROTOBUF = "<protobuf>"
REQUIREMENTS = "<requirements>"
ENTRY_POINTS = "<entry points>"  # the entry points the tree's manifests declare

R = TypeVar("R")
V = TypeVar("V")


class Reads:
    """Frames of modules read: one per unit, and one per memo entry being worked out."""

    def __init__(self) -> None:
        self._frames: list[set[str]] = [set()]
        self._made: dict[Hashable, set[str]] = {}
        self.units: dict[Hashable, set[str]] = {}  # what each unit a stage named read

    def read(self, module: str) -> None:
        self._frames[-1].add(module)

    def everything(self, why: str) -> None:
        """A read of every file; `why` is kept beside it (as "*why") for whoever tells which
        reads most often stand in the way of reuse."""
        self._frames[-1].update((EVERYTHING, EVERYTHING + why))

    def begin(self) -> None:
        self._frames.append(set())

    def end(self, entry: Hashable | None) -> None:
        """Close the innermost frame; `entry`: the memo entry it made (None if none kept)."""
        top = self._frames.pop()
        if entry is not None:
            self._made[entry] = top
        self._frames[-1] |= top

    def again(self, entry: Hashable) -> None:
        """An answer taken from a memo: what making it read (everything, if it was made
        while nothing was recorded)."""
        made = self._made.get(entry)
        if made is None:
            self.everything("an answer asked for while it is worked out")
        else:
            self._frames[-1] |= made

    @contextmanager
    def unit(self, key: Hashable | None = None) -> Iterator[set[str]]:
        """A frame for one unit; the set holds its reads once the block is done (also kept
        in `units` under `key`, when given)."""
        self.begin()
        frame = self._frames[-1]
        try:
            yield frame
        finally:
            self.end(None)
            if key is not None:
                self.units[key] = frame

    @property
    def outside(self) -> set[str]:
        """What was read outside any unit."""
        return self._frames[0]


K = TypeVar("K", bound=Hashable)


class _RecordingIndex(dict[K, V]):
    """A fact index whose lookups note the module a key names and whose loops note
    everything; `module_of` says which module a key names."""

    def __init__(self, reads: Reads, name: str, items: dict[K, V]) -> None:
        super().__init__(items)
        self.reads = reads
        self.loop = f"a loop over {name}"

    def module_of(self, key: K) -> str:
        raise NotImplementedError

    def __getitem__(self, key: K) -> V:
        self.reads.read(self.module_of(key))
        return super().__getitem__(key)

    def get(self, key: K, default: Any = None) -> Any:
        self.reads.read(self.module_of(key))
        return super().get(key, default)

    def __iter__(self) -> Iterator[K]:
        self.reads.everything(self.loop)
        return super().__iter__()

    def items(self) -> Any:
        self.reads.everything(self.loop)
        return super().items()

    def values(self) -> Any:
        self.reads.everything(self.loop)
        return super().values()

    def keys(self) -> Any:
        self.reads.everything(self.loop)
        return super().keys()


class ModuleIndex(_RecordingIndex[str, V]):
    """An index by module (or spec path): a lookup notes it, a loop notes everything; a
    membership test notes nothing (which modules there are is fixed by discovery)."""

    def module_of(self, key: str) -> str:
        return key


class DefinitionIndex(_RecordingIndex[tuple[str, str], V]):
    """An index by (module, name): a lookup or a membership test notes the module, a loop
    notes everything."""

    def module_of(self, key: tuple[str, str]) -> str:
        return key[0]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, tuple) and key and isinstance(key[0], str):
            self.reads.read(key[0])
        else:
            self.reads.everything(f"an odd key {key!r}")
        return super().__contains__(key)


F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)
_MEMO = "__recorded_memo__"


def memoized(memo: str, key: Callable[..., Hashable | None]) -> Callable[[F], F]:
    """Marks a method keeping its answers in the dict attribute `memo` under `key(*args)`
    (None: this call keeps none). The method itself is left as it is (nothing is recorded
    unless asked): `recording_class` wraps the marked methods."""

    def mark(method: F) -> F:
        setattr(method, _MEMO, (memo, key))
        return method

    return mark


_RECORDING: dict[type, type] = {}


def recording_class(cls: C) -> C:
    """`cls` with each `memoized` method (its own or inherited) recording through the
    instance's `reads`: an answer found in its memo passes on what making it read (a
    placeholder for one still being worked out: everything, as the method counts a cut);
    one worked out and kept notes its reads as the entry's. Made once per class."""
    found = _RECORDING.get(cls)
    if found is None:
        wrapped = {
            name: _framed(method, *getattr(method, _MEMO))
            for klass in reversed(cls.__mro__)
            for name, method in vars(klass).items()
            if hasattr(method, _MEMO)
        }
        found = _RECORDING[cls] = type(f"Recording{cls.__name__}", (cls,), wrapped)
    return cast(C, found)


def _framed(
    method: Callable[..., R], memo: str, key: Callable[..., Hashable | None]
) -> Callable[..., R]:
    @functools.wraps(method)
    def framed(self: Any, *args: Any, **kwargs: Any) -> R:
        reads: Reads = self.reads
        entry = key(*args, **kwargs)
        answers = getattr(self, memo)
        if entry is not None and entry in answers:
            reads.again((memo, entry))
            return method(self, *args, **kwargs)
        reads.begin()
        try:
            return method(self, *args, **kwargs)
        finally:
            reads.end((memo, entry) if entry is not None and entry in answers else None)

    return framed
