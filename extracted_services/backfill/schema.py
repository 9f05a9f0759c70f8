"""The service's tables on both sides of a generic backfill.

The source tables are reflected; a target table that is missing is designed from
its source table: the same columns, primary key, unique constraints and plain
indexes, with each reflected type adapted to the target's dialect through
SQLAlchemy's generic types (kept as they are when both sides are the same kind of
database). A single integer primary key stays auto-incrementing (SERIAL on
PostgreSQL, the rowid on SQLite). Server defaults and check constraints are kept
only between databases of one kind; foreign keys are the source's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    DefaultClause,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.types import TypeEngine

from extracted_services.backfill.plan import ForeignKey, TableFacts
from extracted_services.manifest import TableCopy
from strangler.changes import APPLIED_TABLE, SOURCES_TABLE
from strangler.errors import UsageError
from strangler.idempotency import IDEMPOTENCY_TABLE

SUPPORTED_TARGETS = ("sqlite", "postgresql")


class BackfillRefused(UsageError):
    """The backfill will not start: the databases or their tables are not what it needs."""


def missing_tables(connection: Connection, names: Iterable[str]) -> list[str]:
    present = set(inspect(connection).get_table_names())
    return [name for name in names if name not in present]


def foreign_tables(connection: Connection, copies: Sequence[TableCopy]) -> list[str]:
    """Tables of the target database that are not the service's (its idempotency keys and
    applied change positions are)."""
    own = {copy.service for copy in copies} | {IDEMPOTENCY_TABLE, APPLIED_TABLE, SOURCES_TABLE}
    return sorted(name for name in inspect(connection).get_table_names() if name not in own)


def reflect(connection: Connection, names: Sequence[str], metadata: MetaData) -> dict[str, Table]:
    if names:
        metadata.reflect(bind=connection, only=list(names))
    return {name: metadata.tables[name] for name in names}


def source_foreign_keys(
    sources: Mapping[str, Table], copies: Sequence[TableCopy]
) -> list[ForeignKey]:
    """The source's foreign keys between the service's tables, named as in the target."""
    target_name = {copy.monolith: copy.service for copy in copies}
    return [
        _link(constraint, copy.service, target_name[constraint.referred_table.name])
        for copy in copies
        for constraint in sources[copy.monolith].foreign_key_constraints
        # a reference outside the service: the copy keeps the values only
        if constraint.referred_table.name in target_name
    ]


def target_foreign_keys(
    targets: Mapping[str, Table],
) -> list[tuple[ForeignKey, ForeignKeyConstraint]]:
    """Each foreign key the target tables hold between themselves, with its constraint."""
    return [
        (_link(constraint, name, constraint.referred_table.name), constraint)
        for name, table in targets.items()
        for constraint in table.foreign_key_constraints
        if constraint.referred_table.name in targets
    ]


def _link(constraint: ForeignKeyConstraint, table: str, referred: str) -> ForeignKey:
    return ForeignKey(
        table=table,
        columns=tuple(constraint.column_keys),
        referred_table=referred,
        referred_columns=tuple(element.column.name for element in constraint.elements),
        name=constraint.name if isinstance(constraint.name, str) else None,
        ondelete=constraint.ondelete,
        onupdate=constraint.onupdate,
        deferrable=constraint.deferrable,
        initially=constraint.initially,
    )


def foreign_key_constraint(key: ForeignKey) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        list(key.columns),
        [f"{key.referred_table}.{column}" for column in key.referred_columns],
        name=key.name,
        ondelete=key.ondelete,
        onupdate=key.onupdate,
        deferrable=key.deferrable,
        initially=key.initially,
    )


def design_table(
    source: Table,
    name: str,
    metadata: MetaData,
    *,
    source_dialect: str,
    target: Dialect,
    inline_keys: Sequence[ForeignKey],
) -> Table:
    """The target table `name` made like `source`, for a database of dialect `target`."""
    same_kind = source_dialect == target.name
    integer_key = _integer_key(source)
    columns = [
        Column(
            column.name,
            _target_type(source.name, column, target, same_kind, column.name == integer_key),
            primary_key=column.primary_key,
            nullable=column.nullable,
            autoincrement=column.name == integer_key,
            server_default=_kept_default(column) if same_kind else None,
        )
        for column in source.columns
    ]
    table = Table(name, metadata, *columns)
    for constraint in source.constraints:
        if isinstance(constraint, UniqueConstraint):
            table.append_constraint(
                UniqueConstraint(*[c.name for c in constraint.columns], name=constraint.name)
            )
        elif isinstance(constraint, CheckConstraint) and same_kind:
            table.append_constraint(CheckConstraint(constraint.sqltext, name=constraint.name))
    for index in source.indexes:
        if all(isinstance(expression, Column) for expression in index.expressions):
            Index(index.name, *[table.c[c.name] for c in index.columns], unique=index.unique)
    for key in inline_keys:
        table.append_constraint(foreign_key_constraint(key))
    return table


def keep_sql_nulls(tables: Iterable[Table]) -> None:
    """A JSON column's NULL is written as NULL (SQLAlchemy would write the JSON `null`)."""
    for table in tables:
        for column in table.columns:
            if isinstance(column.type, JSON):
                column.type.none_as_null = True


def facts(copy: TableCopy, source: Table, target: Table) -> TableFacts:
    """What the plan needs of one table; refuses a target lacking a source column."""
    missing = [column.name for column in source.columns if column.name not in target.columns]
    if missing:
        raise BackfillRefused(
            f"target table {target.name!r} lacks column(s) {', '.join(missing)} of the"
            f" source table {source.name!r}",
            hint="the generic backfill copies every column; add them to the service's"
            " table, or drop the table so the backfill creates it",
        )
    return TableFacts(
        source=source.name,
        target=target.name,
        columns=tuple(column.name for column in source.columns),
        key=tuple(column.name for column in target.primary_key.columns),
    )


def _integer_key(table: Table) -> str | None:
    """The name of the table's single integer primary-key column, if it has one."""
    key = list(table.primary_key.columns)
    if len(key) == 1 and isinstance(key[0].type, Integer):
        return key[0].name
    return None


def _kept_default(column: Column) -> DefaultClause | None:
    default = column.server_default
    if not isinstance(default, DefaultClause):
        return None  # an identity, or nothing
    text = str(getattr(default.arg, "text", default.arg))
    return None if "nextval(" in text else DefaultClause(default.arg)


def _target_type(
    table: str, column: Column, target: Dialect, same_kind: bool, integer_key: bool
) -> TypeEngine:
    if integer_key and target.name == "sqlite":
        return Integer()  # only INTEGER PRIMARY KEY is SQLite's auto-incrementing rowid
    if same_kind:
        return column.type
    try:
        adapted = column.type.as_generic()
    except NotImplementedError:
        adapted = None
    if isinstance(adapted, String) and adapted.collation:
        adapted.collation = None  # collations do not travel between databases
    try:
        if adapted is None:
            raise CompileError("no generic type")
        adapted.compile(dialect=target)
    except CompileError:
        raise BackfillRefused(
            f"column {table}.{column.name} has type {column.type}, which a {target.name}"
            " database cannot hold",
            hint="create the service's table yourself with a type that fits, then run the"
            " backfill again (it copies into an existing table), or write a backfill"
            " function for the service (`backfill` in service.toml)",
        ) from None
    return adapted
