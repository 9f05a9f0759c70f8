"""Capture with an origin, on SQLite and PostgreSQL: a service's database names the
monolith's table and the service; an applier's marked writes are not captured; installing
upgrades the triggers an older version left, whichever service is installed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from extracted_services.shared.change_writer import marked_as_applying
from strangler_sync.capture import install_capture
from strangler_sync.errors import CaptureRefused

FIRST = 1_000_000

# What the previous version installed: no origin or table argument, no applier check.
OLD_SQLITE_TRIGGER = """CREATE TRIGGER "strangler_capture_products_update" AFTER UPDATE ON
products BEGIN INSERT INTO strangler_changes
(table_name, operation, primary_key, row_image, origin, created_at)
SELECT 'products', 'update', json_object('id', NEW.id), NULL, 'monolith', 'then'; END"""
OLD_PG_FUNCTION = """CREATE OR REPLACE FUNCTION strangler_capture_change() RETURNS trigger
LANGUAGE plpgsql AS $old$
BEGIN
    INSERT INTO strangler_changes (table_name, operation, primary_key, origin)
    SELECT TG_TABLE_NAME, 'update', jsonb_object_agg(name, to_jsonb(NEW) -> name), 'monolith'
    FROM unnest(TG_ARGV) AS name;
    RETURN NULL;
END $old$"""
OLD_PG_TRIGGER = """CREATE TRIGGER strangler_capture AFTER UPDATE ON products
FOR EACH ROW EXECUTE FUNCTION strangler_capture_change('id')"""


def write(engine: Engine, statement: str, *, applying: bool = False) -> None:
    with engine.begin() as connection:
        if applying:
            with marked_as_applying(connection):
                connection.exec_driver_sql(statement)
        else:
            connection.exec_driver_sql(statement)


def captured(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT table_name, operation, origin FROM strangler_changes ORDER BY position"
        )
        return [tuple(row) for row in rows]


def old_capture(engine: Engine) -> None:
    """Capture of `products` for catalog, as the previous version left it."""
    install_capture(engine, "catalog", ["categories"], first_position=FIRST)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO strangler_capture (service, table_name) VALUES ('catalog', 'products')"
        )
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TABLE strangler_applying")  # not made back then
            connection.exec_driver_sql(OLD_SQLITE_TRIGGER)
        else:
            connection.exec_driver_sql(OLD_PG_FUNCTION)
            connection.exec_driver_sql(OLD_PG_TRIGGER)


def test_installing_any_service_upgrades_the_previous_versions_triggers(monolith: Engine) -> None:
    old_capture(monolith)
    write(monolith, "UPDATE products SET price_cents = 1 WHERE id = 1", applying=True)
    assert captured(monolith) == [("products", "update", "monolith")]  # old: no check

    install_capture(monolith, "reports", ["users"], first_position=FIRST)

    write(monolith, "DELETE FROM strangler_changes")
    write(monolith, "UPDATE products SET price_cents = 2 WHERE id = 1", applying=True)
    assert captured(monolith) == []
    write(monolith, "UPDATE products SET price_cents = 3 WHERE id = 1")
    assert captured(monolith) == [("products", "update", "monolith")]


def test_a_services_database_names_the_monolith_table_and_the_service(
    monolith: Engine,
) -> None:
    # the seeded schema stands in for a service's database holding a renamed copy
    install_capture(
        monolith,
        "catalog",
        ["categories"],
        first_position=FIRST,
        origin="catalog",
        published={"categories": "catalog_categories_in_the_monolith"},
    )
    write(monolith, "UPDATE categories SET name = 'by the service' WHERE id = 1")
    write(monolith, "UPDATE categories SET name = 'applied' WHERE id = 2", applying=True)
    write(monolith, "INSERT INTO categories (id, slug, name) VALUES (90, 'n', 'N')", applying=True)
    assert captured(monolith) == [("catalog_categories_in_the_monolith", "update", "catalog")]
    with monolith.connect() as connection:  # the SQLite marker row never outlives its write
        if monolith.dialect.name == "sqlite":
            marks = connection.exec_driver_sql("SELECT count(*) FROM strangler_applying")
            assert marks.scalar_one() == 0


def test_a_services_database_captures_for_that_service_alone(monolith: Engine) -> None:
    install_capture(monolith, "catalog", ["categories"], first_position=FIRST, origin="catalog")
    with pytest.raises(CaptureRefused, match="already captures changes for catalog"):
        install_capture(monolith, "reports", ["users"], first_position=FIRST, origin="reports")


def test_an_applier_in_a_database_without_capture_leaves_no_table_behind(
    monolith: Engine,
) -> None:
    write(monolith, "UPDATE products SET price_cents = 7 WHERE id = 1", applying=True)
    with monolith.connect() as connection:
        price = connection.exec_driver_sql("SELECT price_cents FROM products WHERE id = 1")
        assert price.scalar_one() == 7
        assert not sa.inspect(connection).has_table("strangler_applying")
