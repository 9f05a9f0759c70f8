"""The trigger SQL: run on an in-memory SQLite database, read for PostgreSQL."""

from __future__ import annotations

import json
import sqlite3

from strangler_sync.capture_sql import (
    CapturedColumn,
    CapturedTable,
    change_tables_ddl,
    drop_triggers_sql,
    install_triggers_sql,
)

ITEMS = CapturedTable(
    name="order items",  # a name that needs quoting
    columns=(
        CapturedColumn("order_id"),
        CapturedColumn("line"),
        CapturedColumn("it's", "plain"),
        CapturedColumn("paid", "boolean"),
        CapturedColumn("at", "datetime"),
    ),
    key=("order_id", "line"),
)


def captured(table: CapturedTable, create: str) -> sqlite3.Connection:
    database = sqlite3.connect(":memory:")
    database.execute(create)
    for statement in [*change_tables_ddl("sqlite"), *install_triggers_sql("sqlite", table)]:
        database.execute(statement)
    return database


def changes(database: sqlite3.Connection) -> list[tuple[str, dict[str, object], object]]:
    rows = database.execute(
        "SELECT operation, primary_key, row_image FROM strangler_changes ORDER BY position"
    )
    return [(op, json.loads(key), row and json.loads(row)) for op, key, row in rows]


def test_sqlite_triggers_write_key_and_row_as_json() -> None:
    database = captured(
        ITEMS,
        'CREATE TABLE "order items" (order_id INTEGER, line INTEGER, "it\'s" TEXT,'
        " paid BOOLEAN, at DATETIME, PRIMARY KEY (order_id, line))",
    )
    database.execute("""INSERT INTO "order items" VALUES (1, 2, 'x', 0, '2026-11-27 10:00:00')""")
    database.execute("""UPDATE "order items" SET paid = 1 WHERE order_id = 1""")
    database.execute("""DELETE FROM "order items" """)
    row = {"order_id": 1, "line": 2, "it's": "x", "paid": False, "at": "2026-11-27T10:00:00"}
    assert changes(database) == [
        ("insert", {"order_id": 1, "line": 2}, row),
        ("update", {"order_id": 1, "line": 2}, {**row, "paid": True}),
        ("delete", {"order_id": 1, "line": 2}, None),
    ]


def test_sqlite_a_changed_key_is_a_delete_and_an_insert() -> None:
    database = captured(
        ITEMS,
        'CREATE TABLE "order items" (order_id INTEGER, line INTEGER, "it\'s" TEXT,'
        " paid BOOLEAN, at DATETIME, PRIMARY KEY (order_id, line))",
    )
    database.execute("""INSERT INTO "order items" VALUES (1, 2, NULL, NULL, NULL)""")
    database.execute("""UPDATE "order items" SET line = 3""")
    assert [(op, key) for op, key, _ in changes(database)][1:] == [
        ("delete", {"order_id": 1, "line": 2}),
        ("insert", {"order_id": 1, "line": 3}),
    ]


def test_sqlite_wide_tables_fit_the_function_argument_limit() -> None:
    names = [f"c{i}" for i in range(150)]
    wide = CapturedTable("wide", tuple(CapturedColumn(n) for n in names), ("c0",))
    database = captured(wide, "CREATE TABLE wide (" + ", ".join(names) + ", PRIMARY KEY (c0))")
    database.execute(f"INSERT INTO wide VALUES ({', '.join(str(i) for i in range(150))})")
    ((_, key, row),) = changes(database)
    assert key == {"c0": 0}
    assert row == {name: i for i, name in enumerate(names)}


def test_sqlite_dropping_the_triggers_stops_capture() -> None:
    database = captured(
        ITEMS,
        'CREATE TABLE "order items" (order_id INTEGER, line INTEGER, "it\'s" TEXT,'
        " paid BOOLEAN, at DATETIME, PRIMARY KEY (order_id, line))",
    )
    for statement in drop_triggers_sql("sqlite", ITEMS.name):
        database.execute(statement)
    database.execute("""INSERT INTO "order items" VALUES (1, 2, NULL, NULL, NULL)""")
    assert changes(database) == []
    assert database.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    ).fetchone() == (0,)


def test_postgresql_trigger_passes_table_origin_and_key_columns_to_the_shared_function() -> None:
    *functions, drop, create = install_triggers_sql("postgresql", ITEMS)
    assert drop == 'DROP TRIGGER IF EXISTS strangler_capture ON "order items"'
    assert create.endswith(
        "EXECUTE FUNCTION strangler_capture_change('order items', 'monolith', 'order_id', 'line')"
    )
    assert any("to_jsonb(NEW)" in sql for sql in functions)


def test_postgresql_trigger_of_a_renamed_copy_carries_the_monolith_name_and_origin() -> None:
    copy = CapturedTable("catalog_products", ITEMS.columns, ITEMS.key, published_as="products")
    *functions, _, create = install_triggers_sql("postgresql", copy, origin="catalog")
    assert create.endswith("strangler_capture_change('products', 'catalog', 'order_id', 'line')")
    assert any("current_setting('strangler.applying', true) = 'on'" in sql for sql in functions)
