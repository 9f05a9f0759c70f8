"""The generic backfill: copy the manifest's tables from the monolith's database into the service's.

1. Refuse what would harm: the same database on both sides, a target holding tables
   that are not the service's, a source lacking one of them, a target of a kind
   the copy cannot write (SQLite and PostgreSQL can be written).
2. Make the missing target tables (schema.py) and plan the order (plan.py).
3. Copy (copy.py): foreign-key checks off (SQLite) or the service's foreign keys
   dropped (PostgreSQL) during the copy; rows upserted batch by batch, or a table
   without a key replaced whole; rows the source no longer has deleted.
4. Foreign keys back on and checked, PostgreSQL sequences moved past the copied ids.
5. Every table's row count and checksum compared with the source's.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, MetaData, Table
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from extracted_services.backfill import copy as copying
from extracted_services.backfill.checksum import TableDigest
from extracted_services.backfill.plan import CopyPlan, ForeignKey, plan_copy
from extracted_services.backfill.progress import Progress
from extracted_services.backfill.schema import (
    SUPPORTED_TARGETS,
    BackfillRefused,
    design_table,
    facts,
    foreign_tables,
    keep_sql_nulls,
    missing_tables,
    reflect,
    source_foreign_keys,
    target_foreign_keys,
)
from extracted_services.backfill.summary import CopiedTable, CopySummary
from extracted_services.manifest import TableCopy
from strangler.database import (
    database_identity,
    display_url,
    failure_reason,
    open_engine,
    read_snapshot,
)
from strangler.errors import StranglerError

SOURCE_ROLE = "source (monolith) database"
DEFAULT_BATCH_SIZE = 1000


class BackfillFailed(StranglerError):
    """The copy stopped midway; what it wrote is kept and a re-run completes it."""


class BackfillMismatch(StranglerError):
    """The copy ended, but the target's rows differ from the source's."""


def generic_backfill(
    service: str,
    copies: Sequence[TableCopy],
    source_url: str,
    target_url: str,
    *,
    progress: Progress,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> CopySummary:
    """Copy `copies` from `source_url` into `target_url`, then prove they are equal."""
    target_role = f"{service} service database"
    if database_identity(source_url, role=SOURCE_ROLE) == database_identity(
        target_url, role=target_role
    ):
        raise BackfillRefused(
            f"the target {display_url(target_url)} is the source database itself",
            hint="the service needs a database of its own: give --to-url (or set its"
            " database variable) another database",
        )
    source_engine = open_engine(source_url, role=SOURCE_ROLE, must_exist=True, connect=True)
    try:
        with source_engine.connect() as source:
            source = read_snapshot(source)
            _refuse_missing_sources(source, copies, source_url)
            target_engine = open_engine(target_url, role=target_role, connect=True)
            try:
                with target_engine.connect() as target:
                    _refuse_wrong_target(target, copies, target_url)
                    tables = _copy_all(source, target, copies, batch_size, progress)
            finally:
                progress.finish()
                target_engine.dispose()
    except SQLAlchemyError as error:
        raise BackfillFailed(
            f"backfill of {service} from {display_url(source_url)} into"
            f" {display_url(target_url)} stopped: {failure_reason(error)}",
            hint="the rows copied so far are kept; fix the cause and run the backfill"
            " again: it completes the copy",
        ) from None
    finally:
        source_engine.dispose()
    return CopySummary(display_url(source_url), display_url(target_url), tables)


def _copy_all(
    source: Connection,
    target: Connection,
    copies: Sequence[TableCopy],
    batch_size: int,
    progress: Progress,
) -> tuple[CopiedTable, ...]:
    postgres = target.dialect.name == "postgresql"
    sources = reflect(source, [copy.monolith for copy in copies], MetaData())
    absent = set(missing_tables(target, [copy.service for copy in copies]))
    metadata = MetaData()
    targets = reflect(target, [c.service for c in copies if c.service not in absent], metadata)
    wanted = source_foreign_keys(sources, copies)
    created = [
        design_table(
            sources[copy.monolith],
            copy.service,
            metadata,
            source_dialect=source.dialect.name,
            target=target.dialect,
            inline_keys=[] if postgres else [key for key in wanted if key.table == copy.service],
        )
        for copy in copies
        if copy.service in absent
    ]
    targets.update((table.name, table) for table in created)
    keep_sql_nulls(targets.values())
    plan = plan_copy(
        [facts(copy, sources[copy.monolith], targets[copy.service]) for copy in copies], wanted
    )

    # nothing was written before this line
    if target.dialect.name == "sqlite":
        target.exec_driver_sql("PRAGMA foreign_keys = OFF")  # checked at the end instead
    for table in created:
        table.create(target)
    if postgres:
        found = target_foreign_keys(targets)
        copying.drop_foreign_keys(target, [(k, c) for k, c in found if _wanted(k, wanted)])
    target.commit()
    digests = _copy_rows(source, target, plan, sources, targets, batch_size, progress)
    _foreign_keys_on(target, targets, wanted)
    if postgres:
        copying.move_sequences(target, list(targets.values()))
    return _compared(target, plan, targets, digests)


def _refuse_missing_sources(
    source: Connection, copies: Sequence[TableCopy], source_url: str
) -> None:
    absent = missing_tables(source, [copy.monolith for copy in copies])
    if absent:
        raise BackfillRefused(
            f"the source database {display_url(source_url)} has no table"
            f" {', '.join(map(repr, absent))}",
            hint="point --from-url at the monolith's database (env DATABASE_URL), or fix"
            " `tables` in service.toml",
        )


def _refuse_wrong_target(target: Connection, copies: Sequence[TableCopy], target_url: str) -> None:
    if target.dialect.name not in SUPPORTED_TARGETS:
        raise BackfillRefused(
            f"the generic backfill cannot write a {target.dialect.name} database"
            f" ({display_url(target_url)})",
            hint="use a SQLite or PostgreSQL database for the service,"
            " or write a backfill function (`backfill` in service.toml)",
        )
    foreign = foreign_tables(target, copies)
    if foreign:
        raise BackfillRefused(
            f"the target database {display_url(target_url)} holds tables that are not the"
            f" service's: {', '.join(foreign)}",
            hint="a service's database holds only the tables of its service.toml; is --to-url"
            " the monolith's or another service's database?",
        )


def _wanted(key: ForeignKey, wanted: Sequence[ForeignKey]) -> bool:
    return any(key.same_link(other) for other in wanted)


def _copy_rows(
    source: Connection,
    target: Connection,
    plan: CopyPlan,
    sources: dict[str, Table],
    targets: dict[str, Table],
    batch_size: int,
    progress: Progress,
) -> dict[str, TableDigest]:
    totals = [copying.count_rows(source, sources[table.source]) for table in plan.tables]
    progress.start(sum(totals))
    digests = {}
    for table in plan.tables:
        progress.table(table.target)
        digests[table.target] = copying.copy_table(
            source,
            target,
            table,
            (sources[table.source], targets[table.target]),
            batch_size,
            progress.advance,
        )
    progress.finish()
    return digests


def _foreign_keys_on(
    target: Connection, targets: dict[str, Table], wanted: Sequence[ForeignKey]
) -> None:
    hint = (
        "the source holds rows whose reference is missing (SQLite enforces foreign keys"
        " only when asked); fix them in the source and run the backfill again"
    )
    if target.dialect.name == "sqlite":
        broken = copying.sqlite_foreign_key_violations(target, list(targets))
        if broken:
            raise BackfillMismatch(
                f"the copy is complete, but {len(broken)} row(s) break a foreign key:"
                f" {', '.join(broken[:5])}",
                hint=hint,
            )
        return
    try:
        copying.restore_foreign_keys(target, targets, wanted)
    except IntegrityError as error:
        target.rollback()
        raise BackfillMismatch(
            f"the copy is complete, but a foreign key does not hold: {failure_reason(error)}",
            hint=hint,
        ) from None


def _compared(
    target: Connection, plan: CopyPlan, targets: dict[str, Table], digests: dict[str, TableDigest]
) -> tuple[CopiedTable, ...]:
    copied, differences = [], []
    for table in plan.tables:
        expected = digests[table.target]
        found = copying.digest_table(target, targets[table.target], table, DEFAULT_BATCH_SIZE)
        target.rollback()
        if not found.matches(expected):
            differences.append(
                f"{table.target}: source {expected.rows} rows (checksum {expected.checksum}),"
                f" target {found.rows} rows (checksum {found.checksum})"
            )
        copied.append(CopiedTable(table.target, found.rows, found.checksum))
    if differences:
        raise BackfillMismatch(
            "the copy differs from the source: " + "; ".join(differences),
            hint="something else writes the service's tables during the backfill, or a value"
            " does not survive the change of database; run it again when nothing else writes",
        )
    return tuple(copied)
