"""Write a generated package, never over a person's edits.

The package keeps `.strangler-extract.json`: the SHA-256 of every file it wrote. A re-run
rewrites the package only when each of those files is still as written (or with `force`);
files the new run no longer generates go, unless edited. A folder that holds no such record
is not overwritten without `force` either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from strangler.errors import UsageError

RECORD = ".strangler-extract.json"


class HandEdited(UsageError):
    """The package folder holds changes a re-run would lose."""


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    removed: tuple[str, ...]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_writable(directory: Path, *, force: bool) -> dict[str, str]:
    """The previous run's record; HandEdited when writing would lose someone's changes."""
    if not directory.exists():
        return {}
    record_path = directory / RECORD
    if not record_path.is_file():
        if force or not any(directory.iterdir()):
            return {}
        raise HandEdited(
            f"{directory} exists and was not written by `strangler extract`",
            hint="choose another --service name or --into folder, or pass --force to overwrite",
        )
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    if not isinstance(record, dict):
        record = {}
    edited = sorted(
        path
        for path, digest in record.items()
        if (directory / path).is_file() and _digest((directory / path).read_bytes()) != digest
    )
    if edited and not force:
        shown = ", ".join(edited[:5]) + (" ..." if len(edited) > 5 else "")
        raise HandEdited(
            f"{directory} has hand edits a re-run would lose: {shown}",
            hint="keep them (extract into another folder) or pass --force to overwrite",
        )
    return {path: digest for path, digest in record.items() if path not in edited}


def write_package(directory: Path, files: Mapping[str, bytes], *, force: bool) -> WriteResult:
    """Write `files` (path inside the package -> bytes) and the record."""
    previous = check_writable(directory, force=force)
    for path, data in files.items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    removed = []
    for path in sorted(set(previous) - set(files)):
        stale = directory / path
        if stale.is_file() and _digest(stale.read_bytes()) == previous[path]:
            stale.unlink()
            removed.append(path)
    record = {path: _digest(data) for path, data in sorted(files.items())}
    (directory / RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return WriteResult(tuple(sorted(files)), tuple(removed))
