"""The SQL one change becomes on the service's database (SQLite or PostgreSQL).

Pure: statements are built here and executed by `change_writer.py`, which builds
each once and runs it with every change's parameters (`claim_parameters`; for a
copy, `upsert_statement` and `delete_statement` over `bound_values`). Order and
idempotency are decided by the database, in the change's own transaction:
`claim_statement` raises the (source, table, key)'s last applied position in
`strangler_sync_applied` only if the change's position is greater, and returns a
row only then. So a replayed change (same position) or a late one (smaller) is
skipped, and two workers applying changes to one key concurrently are
serialized by the row lock the claim takes, whichever commits first.
`follow_statement` records, per source, the database the copies follow (the first
identity a message of that source carried; `strangler_sync_sources`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Column,
    Delete,
    Insert,
    MetaData,
    Select,
    String,
    Table,
    Text,
    bindparam,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from strangler.changes import APPLIED_TABLE, SOURCES_TABLE

SUPPORTED_DIALECTS = ("sqlite", "postgresql")

applied_metadata = MetaData()
applied = Table(
    APPLIED_TABLE,
    applied_metadata,
    Column("source", String(200), primary_key=True),
    Column("table_name", String(200), primary_key=True),
    Column("row_key", Text, primary_key=True),  # the key as canonical JSON
    Column("position", BigInteger, nullable=False),
    Column("change_id", Text, nullable=False),
)


sources = Table(
    SOURCES_TABLE,
    applied_metadata,
    Column("source", String(200), primary_key=True),
    Column("database_id", String(200), nullable=False),
    Column("first_change_id", Text, nullable=False),  # the change that recorded it
)


def follow_statement(dialect: str) -> Insert:
    """Record the database a source's copies follow, unless one is recorded already. Run
    with `source`, `database_id`, `first_change_id`; then `followed_statement` tells it."""
    statement: Insert = (
        _insert(dialect, sources)
        .values(bound_values(sources.columns))
        .on_conflict_do_nothing(index_elements=[sources.c.source])
    )
    return statement


def followed_statement() -> Select[tuple[str]]:
    """The database a source's copies follow (run with `source`)."""
    return select(sources.c.database_id).where(sources.c.source == bindparam("source"))


def row_key(key: Mapping[str, Any]) -> str:
    """The key as canonical JSON text: equal keys give equal text whatever their order."""
    return json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)


def _insert(dialect: str, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"a change cannot be applied to a {dialect} database")


def bound_values(columns: Iterable[Column[Any]]) -> dict[str, BindParameter[Any]]:
    """A parameter per column, named by it: the values of a statement built once and run
    with each row's values."""
    return {column.name: bindparam(column.name) for column in columns}


def claim_statement(dialect: str) -> Insert:
    """Record a change's position as its key's last applied one if it is newer; returns a
    row if so. Run with `claim_parameters`."""
    statement = _insert(dialect, applied).values(bound_values(applied.columns))
    newer: Insert = statement.on_conflict_do_update(
        index_elements=[applied.c.source, applied.c.table_name, applied.c.row_key],
        set_={"position": statement.excluded.position, "change_id": statement.excluded.change_id},
        where=applied.c.position < statement.excluded.position,
    ).returning(applied.c.position)
    return newer


def claim_parameters(
    source: str, table: str, key: Mapping[str, Any], position: int, change_id: str
) -> dict[str, Any]:
    """`claim_statement`'s parameters for one change."""
    return {
        "source": source,
        "table_name": table,
        "row_key": row_key(key),
        "position": position,
        "change_id": change_id,
    }


def upsert_statement(dialect: str, table: Table, row: Mapping[str, Any]) -> Insert:
    """Insert the row image, or replace the row with its primary key."""
    statement = _insert(dialect, table).values(dict(row))
    key_columns = [column for column in table.primary_key.columns]
    others = {
        column.name: statement.excluded[column.name]
        for column in table.columns
        if column.name in row and not column.primary_key
    }
    upsert: Insert = (
        statement.on_conflict_do_update(index_elements=key_columns, set_=others)
        if others
        else statement.on_conflict_do_nothing(index_elements=key_columns)
    )
    return upsert


def delete_statement(table: Table, key: Mapping[str, Any]) -> Delete:
    """Delete the row with this primary key (nothing when it is already gone)."""
    return delete(table).where(*(table.c[column] == value for column, value in key.items()))
