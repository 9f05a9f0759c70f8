"""Reusing the report of an earlier run when the analyzed tree has not changed.

Next to the facts, a project's cache folder keeps one entry per report kind (format and
the options that shape facts): the report's text, a stamp of every file it was made
from (path, size, modification time, SHA-256, the key of its fact entry) and a digest of
what discovery found besides the files' bytes (module names, aliases, kinds, its
diagnostics, the tests it skipped). A tree is unchanged when discovery finds the same and
each file's size and time match, or, where they do not (a `touch`, a checkout) or the time
is too close to the earlier run to be trusted, its bytes hash the same. Files that did
change are handed back (`Earlier.changed`, with their earlier fact keys) for
`analyzer.collect.same_facts` to tell whether their facts changed too. Plain JSON, read
with `json` alone: nothing here imports the analysis itself.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.collect.cache import write_atomically
from analyzer.source.discover import Discovery, SourceFile

REPORT_ENVELOPE = "strangler-report"
FORMAT_VERSION = 2
# a file changed again within this long of a run may keep its size and time: hash it
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Report:
    """A rendered report and the counts the command prints about it."""

    text: str
    routes: int
    diagnostics: int


@dataclass(frozen=True, slots=True)
class Earlier:
    """The stored report of a run on the same files (same paths, same discovery), and those
    of them whose bytes changed since, each with the fact key the report was made from."""

    report: Report
    changed: tuple[tuple[SourceFile, str], ...]
    digests: dict[str, str]  # by relative path, as the report was made from them
    keys: dict[str, str]  # fact keys, likewise ("" where the run had none)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discovery_shape(discovery: Discovery) -> str:
    """A digest of what the report takes from discovery besides the files' bytes."""
    digest = hashlib.sha256(str(discovery.root).encode())
    for f in discovery.files:
        digest.update(f"\0{f.rel}\0{f.kind}\0{f.module}\0{f.alias}\0{f.is_package}".encode())
    for d in discovery.diagnostics:
        digest.update(f"\1{d.file}\0{d.line}\0{d.kind}\0{d.message}".encode())
    digest.update(f"\2{discovery.skipped_tests}".encode())
    return digest.hexdigest()


class ReportCache:
    """The entry for one report kind in one project's cache folder."""

    def __init__(self, project_dir: Path, kind: str) -> None:
        name = hashlib.sha256(kind.encode()).hexdigest()[:24]
        self.path = project_dir / "reports" / f"{name}.json"

    def lookup(self, files: Sequence[SourceFile], shape: str | None = None) -> Report | None:
        """The stored report if `files` are the ones it was made from, unchanged (and
        discovery's `shape` the same, when given); else None."""
        earlier = self.earlier(files, shape)
        return earlier.report if earlier is not None and not earlier.changed else None

    def earlier(self, files: Sequence[SourceFile], shape: str | None = None) -> Earlier | None:
        """The stored entry if it was made from files at the same paths (and discovery's
        `shape` the same, when given), with those whose bytes changed since; else None."""
        try:
            entry = json.loads(self.path.read_bytes())
            if entry.get(REPORT_ENVELOPE) != FORMAT_VERSION:
                return None
            if shape is not None and entry["shape"] != shape:
                return None
            stamps = {row[0]: (int(row[1]), int(row[2]), str(row[3])) for row in entry["files"]}
            keys = {str(row[0]): str(row[4]) for row in entry["files"]}
            if len(stamps) != len(files) or any(file.rel not in stamps for file in files):
                return None
            started = int(entry["run_started_ns"])
            changed = tuple(
                (file, keys[file.rel])
                for file in files
                if not _unchanged(file, stamps[file.rel], started)
            )
            report = entry["report"]
            return Earlier(
                Report(str(report["text"]), int(report["routes"]), int(report["diagnostics"])),
                changed,
                {rel: digest for rel, (_, _, digest) in stamps.items()},
                keys,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None

    def store(
        self,
        files: Sequence[SourceFile],
        digests: Mapping[str, str],
        report: Report,
        run_started_ns: int,
        *,
        keys: Mapping[str, str] | None = None,
        shape: str = "",
    ) -> None:
        """Remember `report` as made from `files` (with their `digests`, the keys of their
        fact entries, discovery's `shape`); skipped if unwritable."""
        if any(file.rel not in digests for file in files):
            return  # a file could not be read: nothing to compare with next time
        keys = keys or {}
        entry = {
            REPORT_ENVELOPE: FORMAT_VERSION,
            "run_started_ns": run_started_ns,
            "shape": shape,
            "files": [
                [f.rel, f.size, f.mtime_ns, digests[f.rel], keys.get(f.rel, "")] for f in files
            ],
            "report": {
                "text": report.text,
                "routes": report.routes,
                "diagnostics": report.diagnostics,
            },
        }
        try:
            write_atomically(self.path, json.dumps(entry, separators=(",", ":")))
        except OSError:
            return


def run_start() -> int:
    """The clock reading a run's entry is compared against (take it before discovery)."""
    return time.time_ns()


def _unchanged(file: SourceFile, stamp: tuple[int, int, str] | None, started_ns: int) -> bool:
    if stamp is None:
        return False
    size, mtime_ns, digest = stamp
    if size != file.size:
        return False
    if mtime_ns == file.mtime_ns and mtime_ns < started_ns - RACY_NS:
        return True
    try:
        return file_digest(file.path.read_bytes()) == digest
    except OSError:
        return False
