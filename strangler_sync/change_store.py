"""Reading and deleting rows of the change table (the relay's database side).

The change table is the relay's position: a change is deleted, in one transaction with
other confirmed ones, only after the broker confirmed it, so whatever is still there is
what remains to publish (or was confirmed a moment ago: a running relay reads past its
own confirmed changes until it deletes them). No stored cursor can run ahead of or behind
it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from strangler.errors import UsageError
from strangler_sync.capture_sql import CAPTURE_TABLE, CHANGES_TABLE, IDENTITY_TABLE
from strangler_sync.changes import StoredChange
from strangler_sync.positions import CommitView

_READ = sa.text(
    f"""SELECT c.position, c.table_name, c.operation, c.primary_key, c.row_image,
       c.transaction_id, c.created_at, c.origin,
       CASE WHEN c.transaction_id IS NULL THEN c.position ELSE
            (SELECT max(t.position) FROM {CHANGES_TABLE} t
             WHERE t.transaction_id = c.transaction_id) END AS transaction_last
FROM {CHANGES_TABLE} c WHERE c.position > :after ORDER BY c.position LIMIT :limit"""
)
# Other transactions of this database holding a transaction id: those still writing.
# Seeing other roles' sessions needs pg_read_all_stats (or a superuser).
_OLDEST_WRITER = """SELECT min(xact_start) FROM pg_stat_activity
WHERE backend_xid IS NOT NULL AND datname = current_database() AND pid <> pg_backend_pid()"""
_SEES_ALL_SESSIONS = "SELECT pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')"
_UNPUBLISHED = sa.text(
    f"""SELECT table_name, count(*) AS changes, min(created_at) AS oldest
FROM {CHANGES_TABLE} GROUP BY table_name"""
)
_DELETE = sa.text(f"DELETE FROM {CHANGES_TABLE} WHERE position IN :positions").bindparams(
    sa.bindparam("positions", expanding=True)
)


def has_change_table(engine: Engine) -> bool:
    """Whether capture is installed in this database."""
    with engine.connect() as connection:
        return sa.inspect(connection).has_table(CHANGES_TABLE)


def check_installed(engine: Engine) -> None:
    """Refuse a database without the change table, naming the command that makes it."""
    if not has_change_table(engine):
        raise UsageError(
            f"no change table ({CHANGES_TABLE}) in this database: capture is not installed",
            hint="run `strangler sync install SERVICE --database-url URL` first",
        )


def read_changes(
    engine: Engine, limit: int, after: int
) -> tuple[list[StoredChange], CommitView | None]:
    """The first `limit` changes by position past `after` and (PostgreSQL) what was still
    writing: the clock and the oldest writer are looked at first, the changes read after,
    in one statement (see `positions.py`)."""
    with engine.connect() as connection:
        view = None
        if connection.dialect.name == "postgresql":
            with connection.begin():
                read_at = connection.exec_driver_sql("SELECT clock_timestamp()").scalar_one()
                oldest_writer_start = connection.exec_driver_sql(_OLDEST_WRITER).scalar_one()
            view = CommitView(read_at, oldest_writer_start)
        rows = connection.execute(_READ, {"limit": limit, "after": after}).all()
        connection.rollback()
    return [_change(row) for row in rows], view


def capture_identity(engine: Engine) -> str | None:
    """The database's identity (`sync install` draws it); None when capture is not
    installed, or was installed by a version without identities (install again)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(IDENTITY_TABLE):
            return None
        known = connection.execute(sa.text(f"SELECT database_id FROM {IDENTITY_TABLE}")).scalar()
    return None if known is None else str(known)


def sees_all_sessions(engine: Engine) -> bool:
    """Whether the relay's role sees every session's transaction (PostgreSQL; else True)."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as connection:
        return bool(connection.exec_driver_sql(_SEES_ALL_SESSIONS).scalar_one())


def readers_wait_for_writers(engine: Engine) -> bool:
    """Whether this is SQLite with a rollback journal (not WAL): then the relay's reads
    and deletes queue behind the monolith's writers for the file's lock."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()) != "wal"


def delete_changes(engine: Engine, positions: Sequence[int]) -> None:
    """Delete the published changes, all in one transaction."""
    with engine.begin() as connection:
        connection.execute(_DELETE, {"positions": list(positions)})


def _change(row: sa.Row[Any]) -> StoredChange:
    transaction = row.transaction_id
    return StoredChange(
        position=int(row.position),
        table=row.table_name,
        operation=row.operation,
        key=_json(row.primary_key),
        row=None if row.row_image is None else _json(row.row_image),
        transaction=None if transaction is None else int(transaction),
        drawn_at=row.created_at if transaction is not None else None,
        origin=row.origin,
        transaction_last=int(row.transaction_last),
    )


def _json(value: Any) -> Any:
    """PostgreSQL hands jsonb over parsed; SQLite as text."""
    return json.loads(value) if isinstance(value, str) else value


def unpublished_by_table(engine: Engine) -> dict[str, tuple[int, datetime]]:
    """Per table, the changes still in the change table and when the oldest was captured."""
    with engine.connect() as connection:
        rows = connection.execute(_UNPUBLISHED).all()
    return {row.table_name: (int(row.changes), _moment(row.oldest)) for row in rows}


def captured_tables(engine: Engine) -> dict[str, tuple[str, ...]]:
    """Per service with capture installed in this database, the tables captured for it."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(CAPTURE_TABLE):
            return {}
        rows = connection.execute(
            sa.text(f"SELECT service, table_name FROM {CAPTURE_TABLE} ORDER BY service, table_name")
        ).all()
    tables: dict[str, tuple[str, ...]] = {}
    for row in rows:
        tables[row.service] = (*tables.get(row.service, ()), row.table_name)
    return tables


def _moment(value: datetime | str) -> datetime:
    """`created_at` as an aware time: PostgreSQL gives one, SQLite ISO 8601 text in UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
