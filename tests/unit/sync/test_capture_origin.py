"""SQLite capture on a service's side: origin and published name in each change, and an
applier's marked transaction not captured (run on an in-memory database)."""

from __future__ import annotations

import sqlite3

from strangler.changes import applying_marks
from strangler_sync.capture_sql import (
    CapturedColumn,
    CapturedTable,
    change_tables_ddl,
    install_triggers_sql,
)

COPY = CapturedTable(
    "catalog_products", (CapturedColumn("id"), CapturedColumn("name")), ("id",), "products"
)


def service_database() -> sqlite3.Connection:
    database = sqlite3.connect(":memory:", isolation_level=None)  # explicit transactions
    database.execute("CREATE TABLE catalog_products (id INTEGER PRIMARY KEY, name TEXT)")
    for statement in [
        *change_tables_ddl("sqlite"),
        *install_triggers_sql("sqlite", COPY, "catalog"),
    ]:
        database.execute(statement)
    return database


def captured(database: sqlite3.Connection) -> list[tuple[str, str, str]]:
    rows = database.execute(
        "SELECT table_name, operation, origin FROM strangler_changes ORDER BY position"
    )
    return [tuple(row) for row in rows]


def test_changes_carry_the_monolith_name_and_the_service_as_origin() -> None:
    database = service_database()
    database.execute("INSERT INTO catalog_products VALUES (1, 'a')")
    database.execute("UPDATE catalog_products SET name = 'b'")
    assert captured(database) == [
        ("products", "insert", "catalog"),
        ("products", "update", "catalog"),
    ]


def test_writes_inside_a_marked_transaction_are_not_captured() -> None:
    database = service_database()
    marks = applying_marks("sqlite")
    assert marks.needed is not None and database.execute(marks.needed).fetchone() == (1,)
    database.execute("BEGIN")
    for statement in marks.begin:
        database.execute(statement)
    database.execute("INSERT INTO catalog_products VALUES (1, 'applied')")
    database.execute("UPDATE catalog_products SET name = 'applied again'")
    database.execute("DELETE FROM catalog_products")
    for statement in marks.end:
        database.execute(statement)
    database.execute("COMMIT")
    assert captured(database) == []
    assert database.execute("SELECT count(*) FROM strangler_applying").fetchone() == (0,)
    database.execute("INSERT INTO catalog_products VALUES (2, 'own write')")  # marker gone
    assert captured(database) == [("products", "insert", "catalog")]
