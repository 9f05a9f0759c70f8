"""Move the rows: batches in, stale rows out, constraints and sequences after, then compare.

Every function takes open connections and does its part of the copy; the use case
(`generic.py`) decides the order. Upserted tables commit batch by batch, so a copy
that stops midway keeps what it wrote and the next run completes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import AddConstraint, DropConstraint
from sqlalchemy.sql.dml import Insert

from extracted_services.backfill.checksum import TableDigest, canonical_key
from extracted_services.backfill.plan import ForeignKey, TableFacts
from extracted_services.backfill.schema import foreign_key_constraint

DELETE_CHUNK = 500

OnBatch = Callable[[int], None]


def count_rows(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def copy_table(
    source: Connection,
    target: Connection,
    facts: TableFacts,
    tables: tuple[Table, Table],
    batch_size: int,
    on_batch: OnBatch,
) -> TableDigest:
    """Copy one table's rows (source, target); return the digest of what was read."""
    if facts.mode == "upsert":
        return _upsert_all(source, target, facts, tables, batch_size, on_batch)
    return _replace_all(source, target, facts, tables, batch_size, on_batch)


def _batches(
    connection: Connection, table: Table, facts: TableFacts, batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    statement = select(*[table.c[name] for name in facts.columns])
    if table.primary_key.columns:
        statement = statement.order_by(*table.primary_key.columns)
    result = connection.execution_options(yield_per=batch_size).execute(statement)
    for partition in result.partitions():
        yield [tuple(row) for row in partition]


def _records(
    rows: list[tuple[Any, ...]], facts: TableFacts, naive_times: bool
) -> list[dict[str, Any]]:
    """Rows as insert parameters; zoned times as naive UTC where the target keeps no zone."""
    if naive_times:
        rows = [tuple(_naive_utc(value) for value in row) for row in rows]
    return [dict(zip(facts.columns, row, strict=True)) for row in rows]


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _upsert_all(
    source: Connection,
    target: Connection,
    facts: TableFacts,
    tables: tuple[Table, Table],
    batch_size: int,
    on_batch: OnBatch,
) -> TableDigest:
    source_table, target_table = tables
    statement = upsert(target_table, facts, target.dialect.name)
    positions = [facts.columns.index(column) for column in facts.key]
    keys = set[str]()

    def write(rows: list[tuple[Any, ...]], records: list[dict[str, Any]]) -> None:
        keys.update(canonical_key(row[p] for p in positions) for row in rows)
        target.execute(statement, records)
        target.commit()  # each batch kept: a re-run after a crash resumes from here

    digest = _copy_batches(source, target, facts, source_table, batch_size, on_batch, write)
    _delete_stale(target, target_table, facts, keys)
    return digest


def upsert(table: Table, facts: TableFacts, dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (key) DO UPDATE the other copied columns (SQLite, PostgreSQL)."""
    insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    others = [column for column in facts.columns if column not in facts.key]
    if not others:
        return insert.on_conflict_do_nothing(index_elements=list(facts.key))
    return insert.on_conflict_do_update(
        index_elements=list(facts.key), set_={name: insert.excluded[name] for name in others}
    )


def _delete_stale(target: Connection, table: Table, facts: TableFacts, keys: set[str]) -> None:
    """Delete the target rows whose key the source no longer has."""
    key_columns = [table.c[name] for name in facts.key]
    stale = [
        tuple(row) for row in target.execute(select(*key_columns)) if canonical_key(row) not in keys
    ]
    for start in range(0, len(stale), DELETE_CHUNK):
        chunk = stale[start : start + DELETE_CHUNK]
        if len(key_columns) == 1:
            condition = key_columns[0].in_([values[0] for values in chunk])
        else:
            condition = tuple_(*key_columns).in_(chunk)
        target.execute(delete(table).where(condition))
    target.commit()


def _replace_all(
    source: Connection,
    target: Connection,
    facts: TableFacts,
    tables: tuple[Table, Table],
    batch_size: int,
    on_batch: OnBatch,
) -> TableDigest:
    """No key to upsert by: empty the target table and fill it, in one transaction."""
    source_table, target_table = tables
    target.execute(delete(target_table))

    def write(rows: list[tuple[Any, ...]], records: list[dict[str, Any]]) -> None:
        target.execute(target_table.insert(), records)

    digest = _copy_batches(source, target, facts, source_table, batch_size, on_batch, write)
    target.commit()
    return digest


def _copy_batches(
    source: Connection,
    target: Connection,
    facts: TableFacts,
    source_table: Table,
    batch_size: int,
    on_batch: OnBatch,
    write: Callable[[list[tuple[Any, ...]], list[dict[str, Any]]], None],
) -> TableDigest:
    """Read the source in batches, digest each and hand it to `write` as target records."""
    digest = TableDigest()
    naive_times = target.dialect.name == "sqlite"
    for rows in _batches(source, source_table, facts, batch_size):
        digest.add(rows)
        write(rows, _records(rows, facts, naive_times))
        on_batch(len(rows))
    return digest


def digest_table(
    connection: Connection, table: Table, facts: TableFacts, batch_size: int
) -> TableDigest:
    """The digest of the table's copied columns as they are now."""
    digest = TableDigest()
    for rows in _batches(connection, table, facts, batch_size):
        digest.add(rows)
    return digest


def drop_foreign_keys(target: Connection, found: Sequence[tuple[ForeignKey, Any]]) -> None:
    """PostgreSQL: drop these constraints for the copy (`restore_foreign_keys` adds them)."""
    for _, constraint in found:
        target.execute(DropConstraint(constraint))
    target.commit()


def restore_foreign_keys(
    target: Connection,
    tables: dict[str, Table],
    wanted: Sequence[ForeignKey],
) -> None:
    """PostgreSQL: add the wanted foreign keys (dropped or never made); checks every row."""
    for key in wanted:
        constraint = foreign_key_constraint(key)
        tables[key.table].append_constraint(constraint)
        target.execute(AddConstraint(constraint))
    target.commit()


def sqlite_foreign_key_violations(target: Connection, tables: Sequence[str]) -> list[str]:
    """SQLite: `table -> parent` for each row whose reference is missing."""
    violations = []
    for name in tables:
        for row in target.exec_driver_sql(f"PRAGMA foreign_key_check({_quoted(target, name)})"):
            violations.append(f"{row[0]} row {row[1]} -> {row[2]}")
    return violations


def move_sequences(target: Connection, tables: Sequence[Table]) -> None:
    """PostgreSQL: each column's sequence (SERIAL, IDENTITY) past the largest copied value."""
    for table in tables:
        quoted = target.dialect.identifier_preparer.format_table(table)
        for column in table.columns:
            sequence = target.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quoted, "column": column.name},
            ).scalar()
            if sequence is not None:
                target.execute(
                    select(
                        func.setval(sequence, func.coalesce(func.max(column) + 1, 1), False)
                    ).select_from(table)
                )
    target.commit()


def _quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)
