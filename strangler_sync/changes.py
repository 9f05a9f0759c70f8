"""A captured change as the relay reads it from the change table (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StoredChange:
    """One row of `strangler_changes`, with its transaction's last position beside it."""

    position: int
    table: str
    operation: str
    key: dict[str, Any]
    row: dict[str, Any] | None
    transaction: int | None  # PostgreSQL's txid_current(); None on SQLite
    drawn_at: datetime | None  # PostgreSQL: the clock right after the position was drawn
    origin: str
    transaction_last: int  # the largest position of its transaction (its own without one)
