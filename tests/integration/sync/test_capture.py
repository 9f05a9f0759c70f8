"""Capture on the sample monolith's schema, SQLite and PostgreSQL: rows, reference counts,
an uninstall that leaves the schema as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from strangler_sync.capture import install_capture, uninstall_capture
from strangler_sync.errors import CaptureRefused

FIRST = 1_000_000


def schema_objects(engine: Engine) -> list[tuple[str, ...]]:
    """Every table, trigger, function and sequence of the database, with trigger bodies."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
            )
        else:
            rows = connection.exec_driver_sql(
                """SELECT 'table', tablename, '', '' FROM pg_tables WHERE schemaname = 'public'
                UNION ALL SELECT 'trigger', tgname, tgrelid::regclass::text, ''
                    FROM pg_trigger WHERE NOT tgisinternal
                UNION ALL SELECT 'function', proname, '', '' FROM pg_proc
                    WHERE pronamespace = 'public'::regnamespace
                UNION ALL SELECT 'sequence', sequencename, '', '' FROM pg_sequences
                    WHERE schemaname = 'public'
                ORDER BY 1, 2, 3"""
            )
        return [tuple(row) for row in rows]


def changes(engine: Engine) -> list[tuple[str, str, Any, Any, str]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT table_name, operation, primary_key, row_image, origin"
            " FROM strangler_changes ORDER BY position"
        ).all()
    return [(t, op, _json(key), _json(row), origin) for t, op, key, row, origin in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def write(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_writes_in_the_monolith_become_change_rows(monolith: Engine) -> None:
    install_capture(monolith, "catalog", ["categories", "products"], first_position=FIRST)
    write(
        monolith,
        "UPDATE products SET name = 'Renamed', is_active = false WHERE id = 3",
        "INSERT INTO categories (id, slug, name, parent_id) VALUES (90, 'new', 'New', NULL)",
        "DELETE FROM categories WHERE id = 90",
        "UPDATE users SET name = 'not captured' WHERE id = 1",
    )
    (product, inserted, deleted) = changes(monolith)
    assert product[:3] == ("products", "update", {"id": 3})
    assert product[3]["name"] == "Renamed" and product[3]["is_active"] is False
    assert product[3]["created_at"][10] == "T"  # ISO 8601
    assert set(product[3]) == {
        "id", "sku", "name", "description", "price_cents", "category_id", "is_active", "created_at"
    }  # fmt: skip
    assert inserted == (
        "categories",
        "insert",
        {"id": 90},
        {"id": 90, "slug": "new", "name": "New", "parent_id": None},
        "monolith",
    )
    assert deleted == ("categories", "delete", {"id": 90}, None, "monolith")
    with monolith.connect() as connection:
        first = connection.exec_driver_sql("SELECT min(position) FROM strangler_changes")
        assert first.scalar_one() == FIRST


def test_install_is_idempotent(monolith: Engine) -> None:
    install_capture(monolith, "catalog", ["categories", "products"], first_position=FIRST)
    once = schema_objects(monolith)
    again = install_capture(monolith, "catalog", ["categories", "products"], first_position=FIRST)
    assert schema_objects(monolith) == once
    assert not again.new_change_table
    write(monolith, "UPDATE products SET price_cents = 1 WHERE id = 1")
    assert len(changes(monolith)) == 1


def test_uninstall_leaves_the_schema_as_it_was(monolith: Engine) -> None:
    before = schema_objects(monolith)
    install_capture(monolith, "catalog", ["categories", "products"], first_position=FIRST)
    assert schema_objects(monolith) != before
    write(monolith, "UPDATE products SET price_cents = 1 WHERE id = 1")  # one left unpublished
    result = uninstall_capture(monolith, "catalog")
    assert result.change_tables_dropped and result.unpublished_dropped == 1
    assert schema_objects(monolith) == before


def test_tables_shared_by_two_services_keep_capture_until_neither_needs_them(
    monolith: Engine,
) -> None:
    before = schema_objects(monolith)
    install_capture(monolith, "catalog", ["categories", "products"], first_position=FIRST)
    install_capture(monolith, "orders", ["products", "orders"], first_position=FIRST)
    with monolith.connect() as connection:
        claims = connection.exec_driver_sql(
            "SELECT service, table_name FROM strangler_capture ORDER BY 1, 2"
        ).all()
    assert [tuple(claim) for claim in claims] == [
        ("catalog", "categories"),
        ("catalog", "products"),
        ("orders", "orders"),
        ("orders", "products"),
    ]

    result = uninstall_capture(monolith, "catalog")
    assert (result.released, result.kept) == (("categories",), ("products",))
    write(
        monolith,
        "UPDATE categories SET name = 'no longer captured' WHERE id = 1",
        "UPDATE products SET price_cents = 2 WHERE id = 1",
    )
    assert [(table, op) for table, op, *_ in changes(monolith)] == [("products", "update")]

    result = uninstall_capture(monolith, "orders")
    assert result.change_tables_dropped
    assert schema_objects(monolith) == before


def test_a_service_no_longer_listing_a_table_releases_it(monolith: Engine) -> None:
    install_capture(monolith, "catalog", ["categories", "products"], first_position=FIRST)
    result = install_capture(monolith, "catalog", ["products"], first_position=FIRST)
    assert result.released == ("categories",)
    write(monolith, "UPDATE categories SET name = 'x' WHERE id = 1")
    assert changes(monolith) == []


def test_a_missing_table_is_refused_and_nothing_is_installed(monolith: Engine) -> None:
    before = schema_objects(monolith)
    with pytest.raises(CaptureRefused, match="no table 'reviewz'"):
        install_capture(monolith, "catalog", ["products", "reviewz"], first_position=FIRST)
    assert schema_objects(monolith) == before
    with monolith.connect() as connection:
        assert not sa.inspect(connection).has_table("strangler_changes")
