"""Install and remove capture in a database (the I/O side of `capture_sql.py`).

The monolith's database captures the tables services copy (origin `monolith`); a
service's own database captures the tables it sends back (origin: the service).
Each call is one transaction: on SQLite a `BEGIN IMMEDIATE` is sent first, since the
driver would otherwise run the DDL outside any transaction. Reference counts live in
`strangler_capture`: a table keeps its triggers while any service still lists it.
Installing re-creates the triggers of every captured table of the database, so triggers
an older version installed are upgraded whichever service is installed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from strangler.database import failure_reason
from strangler_sync.capture_sql import (
    CAPTURE_TABLE,
    CHANGES_TABLE,
    IDENTITY_TABLE,
    ORIGIN,
    CapturedColumn,
    CapturedTable,
    ColumnKind,
    Dialect,
    change_tables_ddl,
    drop_change_tables_sql,
    drop_triggers_sql,
    first_position_sql,
    install_triggers_sql,
)
from strangler_sync.errors import CaptureRefused

WAL = "wal"


@dataclass(frozen=True)
class Installed:
    """What `install_capture` did: the service's tables, and those it stopped needing."""

    service: str
    tables: tuple[str, ...]
    released: tuple[str, ...]  # tables this service no longer lists, triggers dropped
    new_change_table: bool
    database_id: str  # the database's identity, carried in each message


@dataclass(frozen=True)
class Uninstalled:
    """What `uninstall_capture` did."""

    service: str
    released: tuple[str, ...]  # triggers dropped: no other service needs the table
    kept: tuple[str, ...]  # still captured for other services
    change_tables_dropped: bool
    unpublished_dropped: int  # changes still waiting in the dropped change table


def database_dialect(engine: Engine) -> Dialect:
    """The engine's database kind, refusing those capture does not support."""
    name = engine.dialect.name
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise CaptureRefused(f"capture supports SQLite and PostgreSQL, not {name}")


def wal_level(engine: Engine) -> str | None:
    """PostgreSQL's `wal_level` (only `logical` allows logical decoding); None elsewhere."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SHOW wal_level").scalar_one())


@dataclass(frozen=True)
class Journal:
    """A SQLite database's journal mode before and after `sync install`; `refused`: why
    it could not be switched to WAL, `kept`: not asked to (`--keep-journal`)."""

    before: str
    after: str
    kept: bool = False
    refused: str | None = None


def use_wal(engine: Engine, *, keep: bool = False) -> Journal | None:
    """Switch a SQLite database to WAL (persistent: the file keeps it), so the relay's reads
    no longer wait for the writers; None for other databases. `keep`: only tell the mode."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        before = str(connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()).lower()
        if keep or before == WAL:
            return Journal(before, before, kept=keep)
        try:  # outside any transaction: the driver begins one only for data changes
            after = str(connection.exec_driver_sql(f"PRAGMA journal_mode={WAL}").scalar_one())
        except OperationalError as exc:
            return Journal(before, before, refused=failure_reason(exc))
    if after.lower() != WAL:
        return Journal(before, after.lower(), refused=f"SQLite kept the {after} journal")
    return Journal(before, WAL)


def describe_tables(
    engine: Engine, service: str, names: Sequence[str], *, origin: str = ORIGIN
) -> list[CapturedTable]:
    """The tables as capture needs them, refusing a missing table or one without a primary
    key."""
    with engine.connect() as connection:
        return _describe(connection, service, names, origin)


def install_capture(
    engine: Engine,
    service: str,
    tables: Sequence[str],
    *,
    first_position: int,
    origin: str = ORIGIN,
    published: Mapping[str, str] | None = None,
) -> Installed:
    """Capture `tables` for `service`: change tables, reference rows, (re)created triggers.

    Idempotent; tables the service listed before and no longer does are released.
    `first_position`: where positions start in a change table made now. `origin`: the
    database's side (`monolith`, or the service whose own database this is: no other
    service may be captured there). `published`: the monolith's name of a table named
    otherwise here.
    """
    dialect = database_dialect(engine)
    with engine.begin() as connection:
        _begin(connection, dialect)
        if origin != ORIGIN:
            _refuse_other_services(connection, service)
        new_change_table = not sa.inspect(connection).has_table(CHANGES_TABLE)
        for statement in change_tables_ddl(dialect):
            connection.exec_driver_sql(statement)
        if new_change_table:
            connection.execute(sa.text(first_position_sql(dialect, first_position)))
        database_id = _identity(connection)
        described = _describe(connection, service, tables, origin, published or {})
        before = _tables_of(connection, service)
        connection.execute(
            sa.text(f"DELETE FROM {CAPTURE_TABLE} WHERE service = :service"), {"service": service}
        )
        connection.execute(
            sa.text(f"INSERT INTO {CAPTURE_TABLE} (service, table_name) VALUES (:service, :table)"),
            [{"service": service, "table": table} for table in tables],
        )
        for table in [*described, *_others_captured(connection, set(tables), origin)]:
            for statement in install_triggers_sql(dialect, table, origin):
                connection.exec_driver_sql(statement)
        released = _release_unneeded(connection, dialect, sorted(set(before) - set(tables)))
    return Installed(service, tuple(tables), tuple(released), new_change_table, database_id)


def _identity(connection: Connection) -> str:
    """The database's identity, drawn (a random id) the first time."""
    known = connection.execute(sa.text(f"SELECT database_id FROM {IDENTITY_TABLE}")).scalar()
    if known is not None:
        return str(known)
    drawn = uuid.uuid4().hex
    connection.execute(
        sa.text(f"INSERT INTO {IDENTITY_TABLE} (database_id) VALUES (:id)"), {"id": drawn}
    )
    return drawn


def _refuse_other_services(connection: Connection, service: str) -> None:
    """A service's own database captures for that service alone (its origin)."""
    if not sa.inspect(connection).has_table(CAPTURE_TABLE):
        return
    others = connection.execute(
        sa.text(f"SELECT DISTINCT service FROM {CAPTURE_TABLE} WHERE service <> :service"),
        {"service": service},
    ).scalars()
    names = sorted(others)
    if names:
        raise CaptureRefused(
            f"this database already captures changes for {', '.join(names)}: it cannot also"
            f" be service {service!r}'s own database",
            hint="check --database-url: with --side service it is the service's database",
        )


def _others_captured(connection: Connection, done: set[str], origin: str) -> list[CapturedTable]:
    """The tables captured here for other services (their triggers re-created too)."""
    rows = connection.execute(sa.text(f"SELECT DISTINCT table_name FROM {CAPTURE_TABLE}"))
    inspector = sa.inspect(connection)
    others = sorted(name for name in rows.scalars() if name not in done)
    present = [name for name in others if inspector.has_table(name)]
    return _describe(connection, "another service", present, origin)


def uninstall_capture(engine: Engine, service: str) -> Uninstalled:
    """Stop capturing for `service`; drop what no other service needs, all of it at the end."""
    dialect = database_dialect(engine)
    with engine.begin() as connection:
        _begin(connection, dialect)
        if not sa.inspect(connection).has_table(CAPTURE_TABLE):
            return Uninstalled(service, (), (), False, 0)
        listed = _tables_of(connection, service)
        connection.execute(
            sa.text(f"DELETE FROM {CAPTURE_TABLE} WHERE service = :service"), {"service": service}
        )
        released = _release_unneeded(connection, dialect, listed)
        kept = tuple(table for table in listed if table not in released)
        if connection.execute(sa.text(f"SELECT count(*) FROM {CAPTURE_TABLE}")).scalar_one():
            return Uninstalled(service, tuple(released), kept, False, 0)
        unpublished = connection.execute(
            sa.text(f"SELECT count(*) FROM {CHANGES_TABLE}")
        ).scalar_one()
        for statement in drop_change_tables_sql(dialect):
            connection.exec_driver_sql(statement)
    return Uninstalled(service, tuple(released), kept, True, int(unpublished))


def _begin(connection: Connection, dialect: Dialect) -> None:
    if dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _tables_of(connection: Connection, service: str) -> list[str]:
    if not sa.inspect(connection).has_table(CAPTURE_TABLE):
        return []
    rows = connection.execute(
        sa.text(f"SELECT table_name FROM {CAPTURE_TABLE} WHERE service = :service"),
        {"service": service},
    )
    return sorted(row[0] for row in rows)


def _release_unneeded(connection: Connection, dialect: Dialect, tables: Iterable[str]) -> list[str]:
    """Drop the triggers of those `tables` no service lists any more; the ones dropped."""
    released = []
    inspector = sa.inspect(connection)
    for table in tables:
        needed = connection.execute(
            sa.text(f"SELECT count(*) FROM {CAPTURE_TABLE} WHERE table_name = :table"),
            {"table": table},
        ).scalar_one()
        if needed:
            continue
        if inspector.has_table(table):
            for statement in drop_triggers_sql(dialect, table):
                connection.exec_driver_sql(statement)
        released.append(table)
    return released


def _describe(
    connection: Connection,
    service: str,
    names: Sequence[str],
    origin: str,
    published: Mapping[str, str] | None = None,
) -> list[CapturedTable]:
    inspector = sa.inspect(connection)
    database = "the monolith's database" if origin == ORIGIN else f"{origin}'s database"
    described = []
    for name in names:
        if not inspector.has_table(name):
            raise CaptureRefused(
                f"{database} has no table {name!r}, which service {service!r} lists",
                hint="check --database-url, or the service's service.toml `tables`",
            )
        key = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
        if not key:
            raise CaptureRefused(
                f"table {name!r} has no primary key: its changes could not be told apart",
                hint="give it a primary key, or leave it out of the service's tables",
            )
        columns = tuple(
            CapturedColumn(column["name"], _kind(column["type"]))
            for column in inspector.get_columns(name)
        )
        described.append(CapturedTable(name, columns, key, (published or {}).get(name)))
    return described


def _kind(column_type: sa.types.TypeEngine[object]) -> ColumnKind:
    if isinstance(column_type, sa.LargeBinary):
        return "bytes"
    if isinstance(column_type, sa.Boolean):
        return "boolean"
    if isinstance(column_type, sa.DateTime):
        return "datetime"
    return "plain"
