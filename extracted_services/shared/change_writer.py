"""Write one change message into the service's copies, in one transaction.

The service's copy of each monolith table is named by its manifest (`tables`, possibly
renamed) and reflected from the service's database the first time a change to it comes
(again after a schema mismatch, in case the copy was migrated since). Every change of
the message is checked before anything is written (`change_messages.py`), so a poison
message writes nothing; then each change whose position is newer than its key's last
applied one (`change_statements.claim_statement`) is upserted or deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table
from sqlalchemy.exc import DataError, IntegrityError, NoSuchTableError

from extracted_services.shared.change_messages import (
    Change,
    ChangeMessage,
    ColumnShape,
    PoisonMessage,
    TableShape,
    key_values,
    row_values,
)
from extracted_services.shared.change_statements import (
    applied_metadata,
    claim_statement,
    delete_statement,
    upsert_statement,
)

_CONVERTED_TYPES = (bool, int, float, Decimal, str, bytes, dt.datetime, dt.date, dt.time)


@dataclass(frozen=True)
class Applied:
    """What one message did: changes written, and changes skipped (replayed, late, own)."""

    written: int
    skipped: int


def create_applied_table(engine: Engine) -> None:
    """Create `strangler_sync_applied` in the service's database if it is missing."""
    applied_metadata.create_all(engine)


def table_shape(table: Table) -> TableShape:
    """What the applier checks a change against, from the copy's (reflected) table."""
    columns = {}
    for column in table.columns:
        try:
            python_type: type | None = column.type.python_type
        except NotImplementedError:
            python_type = None
        columns[column.name] = ColumnShape(
            python_type=python_type if python_type in _CONVERTED_TYPES else None,
            timezone=bool(getattr(column.type, "timezone", False)),
        )
    return TableShape(
        name=table.name,
        columns=columns,
        primary_key=tuple(column.name for column in table.primary_key.columns),
    )


class ChangeWriter:
    """Applies change messages to one service's database; holds the copies it reflected."""

    def __init__(self, engine: Engine, service: str, copies: Mapping[str, str]) -> None:
        self.engine = engine
        self.service = service  # a change whose origin is this service was made here
        self.copies = dict(copies)  # monolith table -> the service's copy
        self._tables: dict[str, Table] = {}

    def apply(self, message: ChangeMessage) -> Applied:
        """Apply the message in one transaction; PoisonMessage if it can never be."""
        table = self._table(message.table)
        shape = table_shape(table)
        try:
            checked = [(change, _values(change, shape)) for change in message.changes]
        except PoisonMessage as poison:
            if poison.reason.startswith("schema mismatch"):
                self._tables.pop(message.table, None)  # reflected again for the next message
            raise
        try:
            with self.engine.begin() as connection:
                return self._write(connection, message, table, checked)
        except (IntegrityError, DataError) as exc:
            raise PoisonMessage(
                f"refused by the service's database: {str(exc.orig).splitlines()[0]}"
            ) from None

    def _write(
        self,
        connection: Connection,
        message: ChangeMessage,
        table: Table,
        checked: list[tuple[Change, dict[str, Any]]],
    ) -> Applied:
        dialect = connection.dialect.name
        written = skipped = 0
        for change, values in checked:
            claim = claim_statement(
                dialect, message.source, message.table, change.key, change.position, change.id
            )
            if change.origin == self.service or connection.execute(claim).first() is None:
                skipped += 1
            elif change.operation == "delete":
                connection.execute(delete_statement(table, values))
                written += 1
            else:
                connection.execute(upsert_statement(dialect, table, values))
                written += 1
        return Applied(written=written, skipped=skipped)

    def _table(self, monolith_table: str) -> Table:
        copy = self.copies.get(monolith_table)
        if copy is None:
            raise PoisonMessage(
                f"unknown table: {monolith_table!r} is not one of {self.service}'s tables"
                f" ({', '.join(sorted(self.copies))})"
            )
        table = self._tables.get(monolith_table)
        if table is None:
            try:
                table = Table(copy, MetaData(), autoload_with=self.engine)
            except NoSuchTableError:
                raise PoisonMessage(
                    f"schema mismatch: the service's copy {copy!r} of {monolith_table!r}"
                    " does not exist (run its backfill first)"
                ) from None
            if not table.primary_key.columns:
                raise PoisonMessage(
                    f"schema mismatch: the service's copy {copy!r} has no primary key"
                )
            self._tables[monolith_table] = table
        return table


def _values(change: Change, shape: TableShape) -> dict[str, Any]:
    """The key (delete) or row image (insert, update) as the copy's column values."""
    if change.operation == "delete":
        return key_values(change, shape)
    return row_values(change, shape)
