"""What a backfill reports, hand-written or generic: where from, where to, what it copied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class BackfillSummary(Protocol):
    """The shape a `backfill = "module:function"` must return (passwords hidden in URLs)."""

    @property
    def source(self) -> str: ...

    @property
    def target(self) -> str: ...

    def describe(self) -> str:
        """One line: what was copied."""
        ...

    def is_empty(self) -> bool:
        """True when nothing the service serves was copied (a wrong or unseeded source)."""
        ...


@dataclass(frozen=True)
class CopiedTable:
    name: str  # in the service's database
    rows: int
    checksum: str


@dataclass(frozen=True)
class CopySummary:
    """What the generic backfill copied; every table's rows and checksum matched the source's."""

    source: str
    target: str
    tables: tuple[CopiedTable, ...]

    def describe(self) -> str:
        rows = sum(table.rows for table in self.tables)
        each = ", ".join(f"{table.name} {table.rows}" for table in self.tables)
        return (
            f"{len(self.tables)} tables, {rows} rows ({each});"
            " row counts and checksums match the source"
        )

    def is_empty(self) -> bool:
        return all(table.rows == 0 for table in self.tables)
