"""Import cycles remembered per module graph, so a re-run whose imports did not change needs
no networkx (importing it takes longer than the rest of most re-runs).

One entry in a project's cache folder: the key of the graph it was found for (the toolkit's
fingerprint and every module's imports, in order) and the cycles. Plain JSON; a damaged or
foreign entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from analyzer.collect.cache import write_atomically
from analyzer.resolution.graph import import_cycles
from analyzer.resolution.results import ModuleInfo

CYCLES_ENVELOPE = "strangler-import-cycles"
FORMAT_VERSION = 1

Cycles = tuple[tuple[str, ...], ...]


class ImportCycleMemo:
    """`import_cycles`, answered from the last graph seen when it is the same graph."""

    def __init__(self, project_dir: Path, fingerprint: str) -> None:
        self.path = project_dir / "import-cycles.json"
        self.fingerprint = fingerprint

    def cycles(self, modules: Sequence[ModuleInfo]) -> Cycles:
        key = self.key(modules)
        remembered = self._load(key)
        if remembered is not None:
            return remembered
        found = import_cycles(modules)
        entry = {CYCLES_ENVELOPE: FORMAT_VERSION, "key": key, "cycles": found}
        with suppress(OSError):  # an unwritable cache only costs the next run the search
            write_atomically(self.path, json.dumps(entry, separators=(",", ":")))
        return found

    def key(self, modules: Sequence[ModuleInfo]) -> str:
        """What identifies a graph: the toolkit and every module's imports, in order."""
        # the order matters: the example cycle found depends on the order edges were added
        graph = [[module.name, *module.imports] for module in modules]
        text = json.dumps([self.fingerprint, graph], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def _load(self, key: str) -> Cycles | None:
        try:
            entry = json.loads(self.path.read_bytes())
            if entry.get(CYCLES_ENVELOPE) != FORMAT_VERSION or entry.get("key") != key:
                return None
            cycles = entry["cycles"]
            if not isinstance(cycles, list) or not all(_names(cycle) for cycle in cycles):
                return None
            return tuple(tuple(cycle) for cycle in cycles)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def _names(cycle: object) -> bool:
    return isinstance(cycle, list) and all(isinstance(name, str) for name in cycle)
