"""A table's content as one number, whichever database holds it and in whatever order.

Each row is written in a canonical text form (values as Python sees them through
SQLAlchemy's types, so the same data reads the same from SQLite and PostgreSQL),
hashed with SHA-256, and the hashes are summed modulo 2**256: the order of rows does
not matter, a repeated row counts twice, and any changed value changes the sum.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

_MODULUS = 2**256


def canonical(value: Any) -> Any:
    """`value` as plain JSON-able data that two databases holding the same value agree on.

    A time with a zone becomes naive UTC (what a copy into a database without zones holds);
    numbers keep their kind (1 and 1.0 and "1" differ), decimals lose trailing zeros.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, Decimal):
        return {"decimal": format(value.normalize(), "f") if value.is_finite() else str(value)}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date | dt.time):
        return {type(value).__name__: value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"interval": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    if isinstance(value, dict):
        return {"json": {str(key): canonical(item) for key, item in value.items()}}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    return {type(value).__name__: str(value)}


def canonical_key(values: Iterable[Any]) -> str:
    """A row's (or a key's) values as one comparable string."""
    return json.dumps([canonical(value) for value in values], sort_keys=True, separators=(",", ":"))


class TableDigest:
    """Counts rows and sums their hashes; two tables agree when both numbers do."""

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def add(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            hashed = hashlib.sha256(canonical_key(row).encode()).digest()
            self._sum = (self._sum + int.from_bytes(hashed, "big")) % _MODULUS
            self.rows += 1

    @property
    def checksum(self) -> str:
        """The sum as 16 hex digits (enough to tell tables apart in a message)."""
        return f"{self._sum:064x}"[:16]

    def matches(self, other: TableDigest) -> bool:
        return self.rows == other.rows and self._sum == other._sum
