"""The SQL of capture, built from a table's reflected columns (pure: text in, text out).

Names the monolith's database gets:

- `strangler_changes`: one row per captured change, written by the triggers in the
  change's own transaction and deleted by the relay once the broker confirmed it;
- `strangler_capture`: which service needs which table (a table's reference count is
  its number of rows here);
- `strangler_capture_identity`: one row, the database's identity (a random id drawn at
  the first install), carried in each message so appliers can tell another database's;
- `strangler_applying` (SQLite): the marker of an applier's transaction (below);
- SQLite: triggers `strangler_capture_<table>_{insert,update,delete}`, whose row image is
  a `json_object(...)` over the reflected columns; PostgreSQL: one trigger
  `strangler_capture` per table calling the shared plpgsql function
  `strangler_capture_change()` with the change's table name, its origin and the primary
  key columns as arguments (`to_jsonb(NEW)` is the row image).

A change is recorded under the table name it is published by (the monolith's name, also
for a service's renamed copy) and with the origin of the database it was made in
(`monolith`, or the service whose database it is). Writes of an applier are not captured,
so nothing loops: on PostgreSQL its transaction sets `strangler.applying` to `on`, on
SQLite it holds a row in `strangler_applying` (`strangler/changes.py`, `applying_marks`).

On PostgreSQL each change also records `transaction_id` (`txid_current()`) and, in
`created_at`, the clock time right after its position was drawn: a transaction that drew
a smaller position had started before then, which is what the relay checks
(`positions.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from strangler.changes import (
    APPLYING_SETTING,
    APPLYING_TABLE,
    APPLYING_TABLE_DDL,
    BYTES_PREFIX,
)

CHANGES_TABLE = "strangler_changes"
CAPTURE_TABLE = "strangler_capture"
IDENTITY_TABLE = "strangler_capture_identity"
POSITION_SEQUENCE = "strangler_changes_position_seq"  # PostgreSQL's bigserial sequence
PG_FUNCTION = "strangler_capture_change"  # the trigger function
PG_ROW_FUNCTION = "strangler_capture_change_row"  # writes one change row
PG_TRIGGER = "strangler_capture"
ORIGIN = "monolith"
OPERATIONS = ("insert", "update", "delete")
# SQLite allows 127 function arguments: a row image is built from json_object()s of at
# most this many columns, merged with json_patch()
_SQLITE_COLUMNS_PER_OBJECT = 60

Dialect = Literal["sqlite", "postgresql"]
ColumnKind = Literal["boolean", "datetime", "bytes", "plain"]


@dataclass(frozen=True)
class CapturedColumn:
    """A column of a captured table and how its value becomes JSON."""

    name: str
    kind: ColumnKind = "plain"


@dataclass(frozen=True)
class CapturedTable:
    """A table as capture needs it: its columns in order, its primary key, and the name its
    changes are published by when that is not its own (a service's renamed copy)."""

    name: str
    columns: tuple[CapturedColumn, ...]
    key: tuple[str, ...]
    published_as: str | None = None

    @property
    def change_name(self) -> str:
        """The table name its changes carry (the monolith's)."""
        return self.published_as or self.name


def quote(identifier: str) -> str:
    """`identifier` as a double-quoted SQL identifier (both SQLite and PostgreSQL)."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """`text` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def change_tables_ddl(dialect: Dialect) -> list[str]:
    """CREATE statements for the change table and the capture table (idempotent)."""
    if dialect == "postgresql":
        changes = f"""CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} (
    position bigserial PRIMARY KEY,
    table_name text NOT NULL,
    operation text NOT NULL,
    primary_key jsonb NOT NULL,
    row_image jsonb,
    transaction_id bigint,
    origin text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
)"""
        text_type = "text"
        # the relay asks for each transaction's last position
        extra = [
            f"CREATE INDEX IF NOT EXISTS {CHANGES_TABLE}_transaction"
            f" ON {CHANGES_TABLE} (transaction_id)"
        ]
    else:
        # AUTOINCREMENT: a position is never reused, even once every row is deleted
        changes = f"""CREATE TABLE IF NOT EXISTS {CHANGES_TABLE} (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    primary_key TEXT NOT NULL,
    row_image TEXT,
    transaction_id INTEGER,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL
)"""
        text_type = "TEXT"
        extra = []
    capture = f"""CREATE TABLE IF NOT EXISTS {CAPTURE_TABLE} (
    service {text_type} NOT NULL,
    table_name {text_type} NOT NULL,
    PRIMARY KEY (service, table_name)
)"""
    identity = f"""CREATE TABLE IF NOT EXISTS {IDENTITY_TABLE} (
    database_id {text_type} PRIMARY KEY
)"""
    applying = [APPLYING_TABLE_DDL] if dialect == "sqlite" else []
    return [changes, *extra, capture, identity, *applying]


def first_position_sql(dialect: Dialect, first_position: int) -> str:
    """Start positions at `first_position` (a fresh change table only), so a change table
    dropped by a full uninstall and made again never reuses a position a service saw."""
    if dialect == "postgresql":
        return f"ALTER SEQUENCE {POSITION_SEQUENCE} RESTART WITH {first_position}"
    return (
        f"INSERT INTO sqlite_sequence (name, seq) VALUES ({literal(CHANGES_TABLE)},"
        f" {first_position - 1})"
    )


def drop_change_tables_sql(dialect: Dialect) -> list[str]:
    """What a full uninstall drops once no service needs capture any more."""
    statements = [
        f"DROP TABLE IF EXISTS {CHANGES_TABLE}",
        f"DROP TABLE IF EXISTS {CAPTURE_TABLE}",
        f"DROP TABLE IF EXISTS {IDENTITY_TABLE}",
    ]
    if dialect == "postgresql":
        statements.append(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
        statements.append(
            f"DROP FUNCTION IF EXISTS {PG_ROW_FUNCTION}(text, text, jsonb, jsonb, text)"
        )
    else:
        statements.append(f"DELETE FROM sqlite_sequence WHERE name = {literal(CHANGES_TABLE)}")
        statements.append(f"DROP TABLE IF EXISTS {APPLYING_TABLE}")
    return statements


def sqlite_trigger_names(table: str) -> list[str]:
    """The SQLite triggers capturing `table`, one per operation."""
    return [f"strangler_capture_{table}_{operation}" for operation in OPERATIONS]


def install_triggers_sql(dialect: Dialect, table: CapturedTable, origin: str = ORIGIN) -> list[str]:
    """Statements (re)creating `table`'s capture triggers from its current columns; its
    changes carry `origin` (the database's side: `monolith` or the service's name)."""
    if dialect == "postgresql":
        arguments = ", ".join(
            literal(argument) for argument in (table.change_name, origin, *table.key)
        )
        return [
            _PG_ROW_FUNCTION_SQL,
            _PG_FUNCTION_SQL,
            f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON {quote(table.name)}",
            f"CREATE TRIGGER {PG_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {quote(table.name)}"
            f" FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}({arguments})",
        ]
    return [*drop_triggers_sql(dialect, table.name), *_sqlite_triggers(table, origin)]


def drop_triggers_sql(dialect: Dialect, table: str) -> list[str]:
    """Statements removing `table`'s capture triggers (missing ones are fine)."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON {quote(table)}"]
    return [f"DROP TRIGGER IF EXISTS {quote(name)}" for name in sqlite_trigger_names(table)]


def _sqlite_triggers(table: CapturedTable, origin: str) -> list[str]:
    insert_name, update_name, delete_name = sqlite_trigger_names(table.name)
    on = quote(table.name)
    # an applier's transaction holds a row in the marker table: its writes are not captured
    unmarked = f"WHEN NOT EXISTS (SELECT 1 FROM {APPLYING_TABLE})"
    same_key = " AND ".join(f"OLD.{quote(c)} IS NEW.{quote(c)}" for c in table.key)
    new_key, old_key = _sqlite_key(table, "NEW"), _sqlite_key(table, "OLD")
    new_row = _sqlite_row(table, "NEW")

    def change(operation: str, key: str, row: str) -> str:
        return (
            f"INSERT INTO {CHANGES_TABLE}"
            " (table_name, operation, primary_key, row_image, origin, created_at)"
            f" SELECT {literal(table.change_name)}, {literal(operation)}, {key}, {row},"
            f" {literal(origin)}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        )

    return [
        f"CREATE TRIGGER {quote(insert_name)} AFTER INSERT ON {on} {unmarked} BEGIN\n"
        f"  {change('insert', new_key, new_row)};\nEND",
        # a changed primary key is the old row deleted and the new one inserted
        f"CREATE TRIGGER {quote(update_name)} AFTER UPDATE ON {on} {unmarked} BEGIN\n"
        f"  {change('delete', old_key, 'NULL')} WHERE NOT ({same_key});\n"
        f"  {change('insert', new_key, new_row)} WHERE NOT ({same_key});\n"
        f"  {change('update', new_key, new_row)} WHERE {same_key};\nEND",
        f"CREATE TRIGGER {quote(delete_name)} AFTER DELETE ON {on} {unmarked} BEGIN\n"
        f"  {change('delete', old_key, 'NULL')};\nEND",
    ]


def _sqlite_key(table: CapturedTable, image: str) -> str:
    by_name = {column.name: column for column in table.columns}
    return _sqlite_object([by_name[name] for name in table.key], image)


def _sqlite_row(table: CapturedTable, image: str) -> str:
    return _sqlite_object(list(table.columns), image)


def _sqlite_object(columns: list[CapturedColumn], image: str) -> str:
    chunks = [
        "json_object("
        + ", ".join(
            f"{literal(column.name)}, {_sqlite_value(column, image)}"
            for column in columns[start : start + _SQLITE_COLUMNS_PER_OBJECT]
        )
        + ")"
        for start in range(0, len(columns), _SQLITE_COLUMNS_PER_OBJECT)
    ]
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged = f"json_patch({merged}, {chunk})"
    return merged


def _sqlite_value(column: CapturedColumn, image: str) -> str:
    """A column's value as JSON: booleans as true/false, datetimes as ISO 8601 text, bytes
    as hex text (`\\x0aff`, as PostgreSQL writes bytea)."""
    value = f"{image}.{quote(column.name)}"
    if column.kind == "bytes":
        # hex(NULL) is '', not NULL
        return (
            f"CASE WHEN {value} IS NULL THEN NULL"
            f" ELSE {literal(BYTES_PREFIX)} || lower(hex({value})) END"
        )
    if column.kind == "boolean":
        return (
            f"CASE WHEN {value} IS NULL THEN NULL WHEN {value} THEN json('true')"
            " ELSE json('false') END"
        )
    if column.kind == "datetime":
        return f"replace({value}, ' ', 'T')"
    return value


# Draws the position first, then reads the clock (`created_at`): see `positions.py`.
_PG_ROW_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {PG_ROW_FUNCTION}(
    changed_table text, change_operation text, change_key jsonb, change_row jsonb,
    change_origin text
) RETURNS void
LANGUAGE plpgsql AS $strangler$
DECLARE
    change_position bigint := nextval({literal(POSITION_SEQUENCE)});
BEGIN
    INSERT INTO {CHANGES_TABLE}
        (position, table_name, operation, primary_key, row_image, transaction_id, origin,
         created_at)
    VALUES (change_position, changed_table, change_operation, change_key, change_row,
            txid_current(), change_origin, clock_timestamp());
END
$strangler$"""

# One function for every captured table. Trigger arguments: the table name its changes
# carry, their origin, then the primary key's columns. A changed primary key is the old
# row deleted and the new one inserted. The session setting `strangler.origin`, when
# set, overrides the origin; an applier's transaction (`strangler.applying`) is skipped.
# `to_jsonb` writes bytea in the session's `bytea_output`: the function sets it to hex.
_PG_FUNCTION_SQL = f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql SET bytea_output = 'hex' AS $strangler$
DECLARE
    new_image jsonb;
    old_image jsonb;
    new_key jsonb;
    old_key jsonb;
    change_table text := TG_ARGV[0];
    change_origin text := coalesce(
        nullif(current_setting('strangler.origin', true), ''), TG_ARGV[1]);
    key_columns text[] := TG_ARGV[2:];
BEGIN
    IF current_setting({literal(APPLYING_SETTING)}, true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_image := to_jsonb(NEW);
        SELECT jsonb_object_agg(name, new_image -> name) INTO new_key
            FROM unnest(key_columns) AS name;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_image := to_jsonb(OLD);
        SELECT jsonb_object_agg(name, old_image -> name) INTO old_key
            FROM unnest(key_columns) AS name;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM {PG_ROW_FUNCTION}(change_table, 'insert', new_key, new_image, change_origin);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM {PG_ROW_FUNCTION}(change_table, 'delete', old_key, NULL, change_origin);
    ELSIF old_key IS DISTINCT FROM new_key THEN
        PERFORM {PG_ROW_FUNCTION}(change_table, 'delete', old_key, NULL, change_origin);
        PERFORM {PG_ROW_FUNCTION}(change_table, 'insert', new_key, new_image, change_origin);
    ELSE
        PERFORM {PG_ROW_FUNCTION}(change_table, 'update', new_key, new_image, change_origin);
    END IF;
    RETURN NULL;
END
$strangler$"""
