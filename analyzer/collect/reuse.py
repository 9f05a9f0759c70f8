"""Reusing the report of an earlier run when the analyzed tree has not changed.

Next to the facts, a project's cache folder keeps one entry per report kind (format and
the options that shape facts): the report's text and a stamp of every file it was made
from (path, size, modification time, SHA-256). A tree is unchanged when it holds the
same files and each one's size and time match, or, where they do not (a `touch`, a
checkout) or the time is too close to the earlier run to be trusted, its bytes hash the
same. Plain JSON, read with `json` alone: nothing here imports the analysis itself.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.collect.cache import write_atomically
from analyzer.source.discover import SourceFile

REPORT_ENVELOPE = "strangler-report"
FORMAT_VERSION = 1
# a file changed again within this long of a run may keep its size and time: hash it
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Report:
    """A rendered report and the counts the command prints about it."""

    text: str
    routes: int
    diagnostics: int


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReportCache:
    """The entry for one report kind in one project's cache folder."""

    def __init__(self, project_dir: Path, kind: str) -> None:
        name = hashlib.sha256(kind.encode()).hexdigest()[:24]
        self.path = project_dir / "reports" / f"{name}.json"

    def lookup(self, files: Sequence[SourceFile]) -> Report | None:
        """The stored report if `files` are the ones it was made from, unchanged; else None."""
        try:
            entry = json.loads(self.path.read_bytes())
            if entry.get(REPORT_ENVELOPE) != FORMAT_VERSION:
                return None
            stamps = {rel: (size, mtime, digest) for rel, size, mtime, digest in entry["files"]}
            if len(stamps) != len(files) or not all(
                _unchanged(file, stamps.get(file.rel), entry["run_started_ns"]) for file in files
            ):
                return None
            report = entry["report"]
            return Report(str(report["text"]), int(report["routes"]), int(report["diagnostics"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store(
        self,
        files: Sequence[SourceFile],
        digests: Mapping[str, str],
        report: Report,
        run_started_ns: int,
    ) -> None:
        """Remember `report` as made from `files` (with their `digests`); skipped if unwritable."""
        if any(file.rel not in digests for file in files):
            return  # a file could not be read: nothing to compare with next time
        entry = {
            REPORT_ENVELOPE: FORMAT_VERSION,
            "run_started_ns": run_started_ns,
            "files": [[f.rel, f.size, f.mtime_ns, digests[f.rel]] for f in files],
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
