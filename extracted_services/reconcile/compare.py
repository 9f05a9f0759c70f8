"""Compare one chunk of a monolith table with the service's copy (pure).

Rows come in as (key, values) with values already canonical text (`checksum.canonical_key`,
so SQLite and PostgreSQL holding the same data agree). A chunk is first compared by its
digest (row count and the sum of the rows' hashes); only a chunk whose digests differ is
compared key by key, so agreeing chunks cost one comparison each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DifferenceKind = Literal["missing", "extra", "different"]
_MODULUS = 2**256


@dataclass(frozen=True)
class Row:
    """One row: its primary key and every compared column, as canonical text."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """A key where the copy disagrees: missing from it, extra in it, or other values."""

    key: str
    kind: DifferenceKind
    columns: tuple[str, ...] = ()  # the columns that differ, for `different`


def digest(rows: Sequence[Row]) -> tuple[int, int]:
    """The chunk's row count and hash sum: equal for equal rows whatever their order."""
    total = 0
    for row in rows:
        hashed = hashlib.sha256("\x1f".join((row.key, *row.values)).encode()).digest()
        total = (total + int.from_bytes(hashed, "big")) % _MODULUS
    return len(rows), total


def compare_chunk(
    columns: Sequence[str], source: Sequence[Row], copy: Sequence[Row]
) -> list[Difference]:
    """The differences of one chunk, in key order; none when the digests agree."""
    if digest(source) == digest(copy):
        return []
    in_source = {row.key: row for row in source}
    in_copy = {row.key: row for row in copy}
    differences = []
    for key in sorted(in_source.keys() | in_copy.keys()):
        ours, theirs = in_source.get(key), in_copy.get(key)
        if theirs is None:
            differences.append(Difference(key, "missing"))
        elif ours is None:
            differences.append(Difference(key, "extra"))
        elif ours.values != theirs.values:
            changed = tuple(
                column
                for column, mine, other in zip(columns, ours.values, theirs.values, strict=True)
                if mine != other
            )
            differences.append(Difference(key, "different", changed))
    return differences
