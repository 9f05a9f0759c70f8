"""Where the analyzer keeps what it learned: outside the analyzed tree, as plain JSON.

Layout: `<cache root>/<hash of the project's path>/facts/<key[:2]>/<key>.json`, one
entry per file, keyed on the file's bytes, what shaped its facts (module name, dialect)
and the toolkit's fingerprint. The cache root is `--cache-dir`, else
`$XDG_CACHE_HOME/strangler`, else `~/.cache/strangler`. Reading an entry builds only
fact classes (`analyzer.facts.codec`): a damaged or foreign entry is a miss.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.facts import codec
from analyzer.facts.python import FileFacts

if TYPE_CHECKING:
    from analyzer.collect.file_facts import FileSpec

FACTS_ENVELOPE = "strangler-facts"
FORMAT_VERSION = 3


def default_cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/strangler`, or `~/.cache/strangler` when it is unset or relative."""
    source = os.environ if environ is None else environ
    xdg = source.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "strangler"


def project_cache_dir(project_root: Path, cache_root: Path | None = None) -> Path:
    """This project's own folder under the cache root (the root path, hashed, names it)."""
    digest = hashlib.sha256(str(project_root.resolve()).encode()).hexdigest()[:24]
    return (cache_root or default_cache_root()) / digest


def cache_key(source: bytes, spec: FileSpec, dialect: str | None, fingerprint: str) -> str:
    """What a file's facts depend on: its bytes, its place, the dialect, the toolkit."""
    digest = hashlib.sha256()
    header = (
        f"{fingerprint}\0{spec.rel}\0{spec.kind}\0{spec.module}\0{spec.is_package}\0{dialect}\0"
    )
    digest.update(header.encode())
    digest.update(source)
    return digest.hexdigest()


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FactCache:
    """One project's facts, one JSON file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def open(cls, project_dir: Path) -> FactCache:
        """Create the folder if needed; raises OSError when it cannot be written."""
        directory = project_dir / "facts"
        directory.mkdir(parents=True, exist_ok=True)
        return cls(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def load(self, key: str) -> FileFacts | None:
        try:
            envelope = codec.loads(self._path(key).read_bytes())
        except (OSError, codec.FactDecodeError):
            return None
        if not isinstance(envelope, dict) or envelope.get(FACTS_ENVELOPE) != FORMAT_VERSION:
            return None
        facts = envelope.get("facts")
        return facts if isinstance(facts, FileFacts) else None

    def entry_text(self, key: str) -> bytes | None:
        """The entry's bytes as stored, unread (None when there is none)."""
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def store(self, key: str, facts: FileFacts) -> None:
        """Write the entry atomically; an unwritable cache is skipped, and so are facts the
        format cannot hold (a field holding a value its declared type does not allow)."""
        try:
            text = codec.dumps({FACTS_ENVELOPE: FORMAT_VERSION, "facts": facts})
            write_atomically(self._path(key), text)
        except (OSError, TypeError, ValueError):
            return
