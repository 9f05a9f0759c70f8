"""Reusing the report of an earlier run when files changed but none of their facts did.

An edit that leaves a file's facts as they were (a comment, a reformatted expression on its
line, a docstring, a name no fact records) cannot change the report. For each file whose
bytes changed since the report was made (`analyzer.collect.reuse.Earlier.changed`), its
facts are had now (from the cache, else extracted, and stored like any file's) and the
text of their cache entry compared, byte for byte, with the entry the report was made from.

Why that is sound:

- The report is a pure function of discovery and the facts: `build_analysis` reads facts
  alone (never source), and the renderers the `Analysis` alone. What it takes from
  discovery besides the facts (root, module names, aliases, kinds, discovery's diagnostics,
  skipped tests) is compared separately (`reuse.discovery_shape`); the toolkit, its facts
  format and the options that shape facts are in the report entry's name.
- A file whose bytes did not change has the same fact key, so the same entry, as when the
  report was made (entries are keyed on the bytes and never rewritten with other facts).
- A changed file's new entry holds the same text as its earlier one: the codec's text
  writes every fact, field by field, with its type (`1`, `1.0` and `True` differ), so
  equal text reads back as equal facts of equal types. Comparing the facts with `==`
  instead would not do: `Lit(1) == Lit(True)`.
- Whole-program indexes (settings, calls by name, constructions, the user class, hook
  implementations, protobuf, pinned versions) are computed from these same facts, so they
  are the same too; nothing is reused below the whole report.

What is not reused: any file whose entry is missing, unreadable or different, a file that
cannot be read, a run whose facts could not be cached (no keys): those make a full run.
The reused report keeps the `from_cache` / `extracted` counts of the run that made it, as a
report reused on an unchanged tree does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from analyzer.collect.cache import FactCache, cache_key
from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.source.discover import SourceFile


def facts_unchanged(
    changed: Sequence[tuple[SourceFile, str]],
    cache: FactCache,
    *,
    dialect: str | None,
    fingerprint: str,
) -> dict[str, tuple[str, str]] | None:
    """For each changed file (with the fact key its earlier bytes had): its digest and fact
    key now, when its facts are exactly the earlier ones; None as soon as one's are not."""
    now: dict[str, tuple[str, str]] = {}
    for file, earlier_key in changed:
        earlier = cache.entry_text(earlier_key) if earlier_key else None
        if earlier is None:
            return None
        spec = FileSpec(file.rel, file.kind, file.module, file.is_package)
        try:
            source = file.path.read_bytes()
        except OSError:
            return None
        key = cache_key(source, spec, dialect, fingerprint)
        if cache.entry_text(key) is None:
            cache.store(key, extract_file(source, spec, dialect))
        if cache.entry_text(key) != earlier or cache.load(key) is None:
            return None
        now[file.rel] = (hashlib.sha256(source).hexdigest(), key)
    return now
