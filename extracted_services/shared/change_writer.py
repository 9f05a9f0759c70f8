"""Write change messages into the service's copies, a batch of them in one transaction.

The service's copy of each monolith table is named by its manifest (`tables`, possibly
renamed) and reflected from the service's database the first time a change to it comes
(again after a schema mismatch, in case the copy was migrated since). Every change of
a message is checked before anything is written (`check`, `change_messages.py`), so a
poison message writes nothing; then (`write`, several messages in one transaction) each
change whose position is newer than its key's last applied one
(`change_statements.claim_statement`) is upserted or deleted. The transaction is marked
as an applier's (`strangler.changes.applying_marks`), so capture installed in this
database does not capture these writes again: nothing loops.

A message naming the database it was captured in (`database`) must come from the one
this database follows for its source: the first such message of the source records it
(`strangler_sync_sources`, in the same transaction); one from another database (an
earlier or another monolith's, left in the queue) is poison, refused with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Delete, Engine, Insert, MetaData, Table
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
    bound_values,
    claim_parameters,
    claim_statement,
    delete_statement,
    follow_statement,
    followed_statement,
    upsert_statement,
)
from strangler.changes import SOURCES_TABLE, applying_marks

_CONVERTED_TYPES = (bool, int, float, Decimal, str, bytes, dt.datetime, dt.date, dt.time)


@dataclass(frozen=True)
class Applied:
    """What one message did: changes written, and changes skipped (replayed, late, own)."""

    written: int
    skipped: int


@contextmanager
def marked_as_applying(connection: Connection) -> Iterator[None]:
    """Mark the transaction as an applier's, so capture in this database skips its writes."""
    marks = applying_marks(connection.dialect.name)
    needed = marks.needed is None or connection.exec_driver_sql(marks.needed).first() is not None
    for statement in marks.begin if needed else ():
        connection.exec_driver_sql(statement)
    yield
    for statement in marks.end if needed else ():
        connection.exec_driver_sql(statement)


@dataclass(frozen=True)
class CopyTable:
    """The service's copy of a monolith table as reflected, with its statements, built
    once and run with each change's values."""

    table: Table
    shape: TableShape
    upsert: Insert
    delete: Delete


@dataclass(frozen=True)
class CheckedMessage:
    """A message whose every change fits the service's copy: ready to write."""

    message: ChangeMessage
    copy: CopyTable
    values: tuple[tuple[Change, dict[str, Any]], ...]  # each change, as the copy's values


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
        self._tables: dict[str, CopyTable] = {}
        self._claim = claim_statement(engine.dialect.name)
        self._follow = follow_statement(engine.dialect.name)
        self._followed_query = followed_statement()
        self._followed: dict[str, str] = {}  # source -> the database followed, as committed

    def check(self, message: ChangeMessage) -> CheckedMessage:
        """The message with its changes as the copy's values; PoisonMessage if it can never
        be applied."""
        _refuse_other_database(message, self._followed.get(message.source))
        copy = self._table(message.table)
        try:
            values = tuple((change, _values(change, copy.shape)) for change in message.changes)
        except PoisonMessage as poison:
            if poison.reason.startswith("schema mismatch"):
                self._tables.pop(message.table, None)  # reflected again for the next message
            raise
        return CheckedMessage(message, copy, values)

    def write(self, checked: Sequence[CheckedMessage]) -> list[Applied]:
        """Write the messages in order in one transaction, what each did; PoisonMessage if
        the database refuses one of them (then none is written)."""
        followed = dict(self._followed)
        try:
            with self.engine.begin() as connection, marked_as_applying(connection):
                applied = [self._write(connection, one, followed) for one in checked]
        except (IntegrityError, DataError) as exc:
            raise PoisonMessage(
                f"refused by the service's database: {str(exc.orig).splitlines()[0]}"
            ) from None
        self._followed = followed
        return applied

    def _write(
        self, connection: Connection, checked: CheckedMessage, followed: dict[str, str]
    ) -> Applied:
        message, copy = checked.message, checked.copy
        if message.database is not None and message.source not in followed:
            connection.execute(
                self._follow,
                {
                    "source": message.source,
                    "database_id": message.database,
                    "first_change_id": message.changes[0].id,
                },
            )
            recorded = connection.execute(self._followed_query, {"source": message.source})
            followed[message.source] = str(recorded.scalar_one())
        _refuse_other_database(message, followed.get(message.source))
        written = skipped = 0
        for change, values in checked.values:
            claim = claim_parameters(
                message.source, message.table, change.key, change.position, change.id
            )
            if (
                change.origin == self.service
                or connection.execute(self._claim, claim).first() is None
            ):
                skipped += 1
            else:
                connection.execute(
                    copy.delete if change.operation == "delete" else copy.upsert, values
                )
                written += 1
        return Applied(written=written, skipped=skipped)

    def _table(self, monolith_table: str) -> CopyTable:
        copy = self.copies.get(monolith_table)
        if copy is None:
            raise PoisonMessage(
                f"unknown table: {monolith_table!r} is not one of {self.service}'s tables"
                f" ({', '.join(sorted(self.copies))})"
            )
        known = self._tables.get(monolith_table)
        if known is not None:
            return known
        try:
            table = Table(copy, MetaData(), autoload_with=self.engine)
        except NoSuchTableError:
            raise PoisonMessage(
                f"schema mismatch: the service's copy {copy!r} of {monolith_table!r}"
                " does not exist (run its backfill first)"
            ) from None
        if not table.primary_key.columns:
            raise PoisonMessage(f"schema mismatch: the service's copy {copy!r} has no primary key")
        known = CopyTable(
            table,
            table_shape(table),
            upsert=upsert_statement(self.engine.dialect.name, table, bound_values(table.columns)),
            delete=delete_statement(table, bound_values(table.primary_key.columns)),
        )
        self._tables[monolith_table] = known
        return known


def _refuse_other_database(message: ChangeMessage, followed: str | None) -> None:
    """PoisonMessage when `message` was captured in another database than the one its
    source's copies follow (`followed`; None: none recorded yet, or it names none)."""
    if message.database is None or followed is None or message.database == followed:
        return
    raise PoisonMessage(
        f"another database: change {message.changes[0].id} was captured in database"
        f" {message.database} of source {message.source!r}, but this database follows"
        f" {followed} ({SOURCES_TABLE}): a stale message from an earlier or another"
        " database (`strangler sync install --purge-stale` deletes them)"
    )


def _values(change: Change, shape: TableShape) -> dict[str, Any]:
    """The key (delete) or row image (insert, update) as the copy's column values."""
    if change.operation == "delete":
        return key_values(change, shape)
    return row_values(change, shape)
