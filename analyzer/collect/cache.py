"""Per-file facts cached on disk, keyed by a hash of the file's bytes and what shaped its facts.

A damaged or unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from analyzer.collect.file_facts import FACTS_VERSION, FileSpec
from analyzer.facts.python import FileFacts


def cache_key(source: bytes, spec: FileSpec, dialect: str | None) -> str:
    digest = hashlib.sha256()
    header = (
        f"{FACTS_VERSION}\0{spec.rel}\0{spec.kind}\0{spec.module}\0{spec.is_package}\0{dialect}\0"
    )
    digest.update(header.encode())
    digest.update(source)
    return digest.hexdigest()


class FactCache:
    """A directory of pickled `FileFacts`, one file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def open(cls, directory: Path) -> FactCache:
        """Create the directory if needed; raises OSError when it cannot be written."""
        directory.mkdir(parents=True, exist_ok=True)
        ignore = directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        return cls(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def load(self, key: str) -> FileFacts | None:
        try:
            with open(self._path(key), "rb") as handle:
                facts = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            return None
        return facts if isinstance(facts, FileFacts) else None

    def store(self, key: str, pickled_facts: bytes) -> None:
        """Write (atomically) `FileFacts` already pickled; an unwritable cache is skipped."""
        path = self._path(key)
        try:
            path.parent.mkdir(exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(pickled_facts)
            os.replace(temporary, path)
        except OSError:
            return
