"""Compare a service's copies with the monolith's tables, chunk by chunk, and repair them.

Each table is read from both databases in primary-key order: the monolith's in chunks
of `chunk_size` rows (keyset pagination), the copy's over the same key range, then the
copy's rows past the monolith's last key. Chunks are compared by digest and only
differing ones key by key (`compare.py`), so memory stays at one chunk per side and
agreeing chunks cost one comparison. With `repair`, a table the service does not own
(`owns`) gets the monolith's rows for missing and different keys and loses its extra
ones, chunk by chunk, each chunk in its own transaction, marked as an applier's
(`change_writer.marked_as_applying`): capture in the service's database (a table it
sends back) does not capture the repair and send it around again.

Keys are ordered by each database: text keys under collations that sort differently
would show a row as missing from one chunk and extra in another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Row, Table, inspect, select, tuple_

from extracted_services.backfill.checksum import canonical_key
from extracted_services.manifest import Manifest, TableCopy
from extracted_services.reconcile import compare
from extracted_services.reconcile.compare import Difference
from extracted_services.shared.change_statements import delete_statement, upsert_statement
from extracted_services.shared.change_writer import marked_as_applying
from strangler.database import display_url, open_engine
from strangler.errors import UsageError

DEFAULT_CHUNK_SIZE = 1000
EXAMPLES_PER_TABLE = 5


class ReconcileRefused(UsageError):
    """The comparison cannot start: a table is unknown, missing, or shaped differently."""


@dataclass
class TableResult:
    """What one table's comparison found (and repaired)."""

    copy: TableCopy
    key_columns: tuple[str, ...]
    owned: bool
    source_rows: int = 0
    copy_rows: int = 0
    chunks: int = 0
    differing_chunks: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # difference kind -> keys
    examples: list[Difference] = field(default_factory=list)
    repaired: int = 0  # keys made equal to the monolith's

    @property
    def differences(self) -> int:
        return sum(self.counts.values())

    def record(self, differences: Sequence[Difference]) -> None:
        for difference in differences:
            self.counts[difference.kind] = self.counts.get(difference.kind, 0) + 1
        room = EXAMPLES_PER_TABLE - len(self.examples)
        self.examples.extend(differences[: max(room, 0)])


@dataclass(frozen=True)
class ReconcileResult:
    """Every compared table of one service, and the databases compared."""

    service: str
    source: str
    target: str
    tables: tuple[TableResult, ...]

    def unrepaired(self) -> int:
        """Keys that still differ (the command's exit status says whether any do)."""
        return sum(table.differences - table.repaired for table in self.tables)


def reconcile_service(
    manifest: Manifest,
    source_url: str,
    target_url: str,
    *,
    tables: Sequence[str] = (),
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    repair: bool = False,
) -> ReconcileResult:
    """Compare (and with `repair`, fix) the copies of `tables` (monolith names; all if empty)."""
    copies = _chosen(manifest, tables)
    source = open_engine(source_url, role="source (monolith) database")
    target = open_engine(target_url, role="service database")
    try:
        results = tuple(
            _reconcile_table(
                source, target, copy, copy.monolith in manifest.owns, chunk_size, repair
            )
            for copy in copies
        )
    finally:
        source.dispose()
        target.dispose()
    return ReconcileResult(manifest.name, display_url(source.url), display_url(target.url), results)


def _chosen(manifest: Manifest, tables: Sequence[str]) -> list[TableCopy]:
    known = {copy.monolith: copy for copy in manifest.tables}
    unknown = [name for name in tables if name not in known]
    if unknown:
        raise ReconcileRefused(
            f"{manifest.name} keeps no copy of {', '.join(unknown)}"
            f" (its tables: {', '.join(known)})"
        )
    return [known[name] for name in tables] if tables else list(manifest.tables)


def _reconcile_table(
    source: Engine, target: Engine, copy: TableCopy, owned: bool, chunk_size: int, repair: bool
) -> TableResult:
    with source.connect() as source_connection, target.connect() as target_connection:
        monolith_table = _reflect(source_connection, copy.monolith, "the monolith's database")
        service_table = _reflect(target_connection, copy.service, "the service's database")
        key_columns = tuple(column.name for column in monolith_table.primary_key.columns)
        if not key_columns:
            raise ReconcileRefused(f"{copy.monolith} has no primary key to compare rows by")
        columns = [column.name for column in monolith_table.columns]
        lacking = [name for name in columns if name not in service_table.columns]
        if lacking:
            raise ReconcileRefused(f"{copy.service} lacks the column(s) {', '.join(lacking)}")
        result = TableResult(copy, key_columns, owned)
        chunks = _chunks(
            source_connection,
            target_connection,
            monolith_table,
            service_table,
            key_columns,
            columns,
            chunk_size,
        )
        for source_rows, copy_rows in chunks:
            result.chunks += 1
            result.source_rows += len(source_rows)
            result.copy_rows += len(copy_rows)
            canonical_source = [_canonical(row, key_columns, columns) for row in source_rows]
            canonical_copy = [_canonical(row, key_columns, columns) for row in copy_rows]
            differences = compare.compare_chunk(columns, canonical_source, canonical_copy)
            if not differences:
                continue
            result.differing_chunks += 1
            result.record(differences)
            if repair and not owned:
                result.repaired += _repair(
                    target, service_table, key_columns, source_rows, copy_rows, differences
                )
    return result


def _reflect(connection: Connection, name: str, where: str) -> Table:
    if not inspect(connection).has_table(name):
        raise ReconcileRefused(f"{where} has no table {name!r}")
    return Table(name, MetaData(), autoload_with=connection)


def _chunks(
    source: Connection,
    target: Connection,
    monolith_table: Table,
    service_table: Table,
    key_columns: Sequence[str],
    columns: Sequence[str],
    size: int,
) -> Iterator[tuple[list[Row[Any]], list[Row[Any]]]]:
    """(monolith rows, copy rows) per key range, then the copy's rows past the last key."""
    source_key = tuple_(*(monolith_table.c[name] for name in key_columns))
    copy_key = tuple_(*(service_table.c[name] for name in key_columns))
    read_source = select(*(monolith_table.c[name] for name in columns)).order_by(
        *(monolith_table.c[name] for name in key_columns)
    )
    read_copy = select(*(service_table.c[name] for name in columns)).order_by(
        *(service_table.c[name] for name in key_columns)
    )
    last: tuple[Any, ...] | None = None
    while True:
        page = read_source if last is None else read_source.where(source_key > tuple_(*last))
        source_rows = list(source.execute(page.limit(size)))
        if not source_rows:
            break
        high = tuple(getattr(source_rows[-1], name) for name in key_columns)
        in_range = read_copy.where(copy_key <= tuple_(*high))
        if last is not None:
            in_range = in_range.where(copy_key > tuple_(*last))
        yield source_rows, list(target.execute(in_range))
        last = high
    while True:
        page = read_copy if last is None else read_copy.where(copy_key > tuple_(*last))
        extra_rows = list(target.execute(page.limit(size)))
        if not extra_rows:
            return
        yield [], extra_rows
        last = tuple(getattr(extra_rows[-1], name) for name in key_columns)


def _canonical(row: Row[Any], key_columns: Sequence[str], columns: Sequence[str]) -> compare.Row:
    return compare.Row(
        key=canonical_key(getattr(row, name) for name in key_columns),
        values=tuple(canonical_key([getattr(row, name)]) for name in columns),
    )


def _repair(
    target: Engine,
    table: Table,
    key_columns: Sequence[str],
    source_rows: Sequence[Row[Any]],
    copy_rows: Sequence[Row[Any]],
    differences: Sequence[Difference],
) -> int:
    """Make the chunk's differing keys hold the monolith's rows; returns how many."""

    def keyed(rows: Sequence[Row[Any]]) -> dict[str, Row[Any]]:
        return {canonical_key(getattr(row, name) for name in key_columns): row for row in rows}

    monolith_rows, copied_rows = keyed(source_rows), keyed(copy_rows)
    with target.begin() as connection, marked_as_applying(connection):
        for difference in differences:
            if difference.kind == "extra":
                extra = copied_rows[difference.key]
                key = {name: getattr(extra, name) for name in key_columns}
                connection.execute(delete_statement(table, key))
            else:
                values = dict(monolith_rows[difference.key]._mapping)
                connection.execute(upsert_statement(connection.dialect.name, table, values))
    return len(differences)
