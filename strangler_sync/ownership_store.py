"""What a database tells about who wrote owned tables (the I/O side of `ownership.py`).

Two places hold captured changes with their origin: the change table (changes the relay
has not published yet) and `strangler_ownership_violations`, where `sync apply` records,
in the database it applies to, each change to an owned table that it saw come from
another origin (once per change id, so a redelivered message counts once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from extracted_services.shared.change_messages import Change
from strangler_sync.capture_sql import CHANGES_TABLE

VIOLATIONS_TABLE = "strangler_ownership_violations"

_CREATE = f"""CREATE TABLE IF NOT EXISTS {VIOLATIONS_TABLE} (
    change_id TEXT PRIMARY KEY,
    table_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    seen_at TEXT NOT NULL
)"""
_RECORD = sa.text(
    f"""INSERT INTO {VIOLATIONS_TABLE} (change_id, table_name, origin, seen_at)
VALUES (:change_id, :table_name, :origin, :seen_at) ON CONFLICT (change_id) DO NOTHING"""
)


def create_violations_table(engine: Engine) -> None:
    """Make the violations table if missing (`sync apply` does, in its target database)."""
    with engine.begin() as connection:
        connection.exec_driver_sql(_CREATE)


def record_violations(engine: Engine, table: str, changes: Sequence[Change]) -> None:
    """Record changes to an owned table made by another origin (idempotent by change id)."""
    seen_at = datetime.now(UTC).isoformat()
    with engine.begin() as connection:
        connection.execute(
            _RECORD,
            [
                {"change_id": c.id, "table_name": table, "origin": c.origin, "seen_at": seen_at}
                for c in changes
            ],
        )


def unpublished_origins(engine: Engine) -> dict[tuple[str, str], int]:
    """Per (table, origin), the captured changes still in the change table (if any)."""
    return _counts(engine, CHANGES_TABLE)


def recorded_violations(engine: Engine) -> dict[tuple[str, str], int]:
    """Per (table, origin), the violations `sync apply` recorded here (if any)."""
    return _counts(engine, VIOLATIONS_TABLE)


def _counts(engine: Engine, table: str) -> dict[tuple[str, str], int]:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(table):
            return {}
        rows = connection.exec_driver_sql(
            f"SELECT table_name, origin, count(*) FROM {table} GROUP BY table_name, origin"
        ).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}
