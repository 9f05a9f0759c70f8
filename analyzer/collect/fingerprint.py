"""What identifies the analyzer that produced a cached result.

The facts' format and the size and modification time of every analyzer source file: a new
release, an upgrade (both write the files anew) or a local edit each make old entries misses.
Only `stat` calls, and no package metadata (looking the version up imports
`importlib.metadata` and scans the installed distributions, a tenth of a re-run): this runs on
the path that must stay instant.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from analyzer.facts.python import FACTS_VERSION

ANALYZER_DIR = Path(__file__).resolve().parents[1]


def _source_stamps(directory: Path) -> list[str]:
    stamps = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(name for name in dirnames if name != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".js", ".css")):  # the HTML report inlines .js, .css
                stat = os.stat(os.path.join(dirpath, name))
                stamps.append(f"{dirpath}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return stamps


def toolkit_fingerprint() -> str:
    """A short hash that changes whenever the analyzer's code or facts format does."""
    digest = hashlib.sha256(f"{FACTS_VERSION}".encode())
    for stamp in _source_stamps(ANALYZER_DIR):
        digest.update(stamp.encode())
    return digest.hexdigest()[:24]
