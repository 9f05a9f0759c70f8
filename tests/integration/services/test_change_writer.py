"""ChangeWriter on real SQLite and PostgreSQL databases holding the catalog's renamed copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text

from extracted_services.catalog.tables import categories, products
from extracted_services.shared.change_messages import (
    ChangeMessage,
    PoisonMessage,
    decode_message,
)
from extracted_services.shared.change_writer import Applied, ChangeWriter, create_applied_table

COPIES = {"categories": "catalog_categories", "products": "catalog_products"}


def product(id: int, price: int, name: str = "Lamp") -> dict[str, Any]:
    return {
        "id": id,
        "sku": f"L-{id}",
        "name": name,
        "description": "",
        "price_cents": price,
        "category_id": 1,
        "is_active": True,
        "created_at": "2026-11-27T10:00:00",
    }


def change(position: int, operation: str, key: int, row: Any, origin: str = "monolith") -> dict:
    return {
        "id": f"monolith:products:{position}",
        "position": position,
        "operation": operation,
        "key": {"id": key},
        "row": row,
        "origin": origin,
    }


def message(*changes: dict[str, Any], table: str = "products") -> Any:
    return decode_message(
        {
            "version": 1,
            "source": "monolith",
            "table": table,
            "transaction": None,
            "changes": list(changes),
        }
    )


def apply(writer: ChangeWriter, message: ChangeMessage) -> Applied:
    """One message in its own transaction."""
    [applied] = writer.write([writer.check(message)])
    return applied


def prices(engine: Engine) -> dict[int, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(products.c.id, products.c.price_cents)).all()
    return dict(rows)


def test_changes_are_applied_once_and_in_position_order_per_key(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    inserted = message(
        change(5, "insert", 7, product(7, 100)), change(6, "insert", 8, product(8, 1))
    )
    assert apply(writer, inserted) == Applied(written=2, skipped=0)
    assert apply(writer, message(change(9, "update", 7, product(7, 300)))) == Applied(1, 0)
    assert prices(engine) == {7: 300, 8: 1}

    # replayed (same position) and late (older position): neither overwrites newer data
    assert apply(writer, message(change(9, "update", 7, product(7, 999)))) == Applied(0, 1)
    assert apply(writer, message(change(8, "update", 7, product(7, 200)))) == Applied(0, 1)
    assert prices(engine) == {7: 300, 8: 1}

    # a delete is ordered too: the late insert of key 8 does not bring it back
    assert apply(writer, message(change(10, "delete", 8, None))) == Applied(1, 0)
    assert apply(writer, message(change(6, "insert", 8, product(8, 1)))) == Applied(0, 1)
    assert prices(engine) == {7: 300}
    with engine.connect() as connection:
        applied = connection.execute(
            text("SELECT row_key, position, change_id FROM strangler_sync_applied ORDER BY 1")
        ).all()
    assert [tuple(row) for row in applied] == [
        ('{"id":7}', 9, "monolith:products:9"),
        ('{"id":8}', 10, "monolith:products:10"),
    ]


def test_values_arrive_as_the_columns_hold_them(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    row = {**product(7, 100), "is_active": 0, "created_at": "2026-11-27T10:00:00+01:00"}
    apply(writer, message(change(1, "insert", 7, row)))
    category = {"id": 1, "slug": "lamps", "name": "Lamps", "parent_id": None}
    categories_change = {**change(2, "insert", 1, category), "id": "monolith:categories:2"}
    apply(writer, message(categories_change, table="categories"))
    with engine.connect() as connection:
        stored = connection.execute(select(products.c.is_active, products.c.created_at)).one()
        assert connection.execute(select(categories.c.slug)).scalar() == "lamps"
    assert tuple(stored) == (False, dt.datetime(2026, 11, 27, 9, 0))


def test_a_services_own_changes_are_not_applied_again(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    own = message(change(1, "insert", 7, product(7, 100), origin="catalog"))
    assert apply(writer, own) == Applied(written=0, skipped=1)
    assert prices(engine) == {}


def test_an_unknown_table_is_poison(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    with pytest.raises(PoisonMessage, match="unknown table: 'reviews' is not one of catalog's"):
        apply(writer, message(change(3, "insert", 9, product(9, 1)), table="reviews"))


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ({**product(9, 1), "colour": "red"}, "schema mismatch: catalog_products has no column"),
        ({**product(9, 1), "sku": None}, "refused by the service's database"),  # NOT NULL
    ],
)
def test_a_poison_message_writes_none_of_its_changes(
    engine: Engine, bad_row: dict[str, Any], reason: str
) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    good_then_bad = message(change(2, "insert", 8, product(8, 5)), change(3, "insert", 9, bad_row))
    with pytest.raises(PoisonMessage, match=reason):
        apply(writer, good_then_bad)
    assert prices(engine) == {}
    # nor its positions: the good change, delivered again alone, is applied
    assert apply(writer, message(change(2, "insert", 8, product(8, 5)))) == Applied(1, 0)
    assert prices(engine) == {8: 5}


def test_a_missing_copy_is_a_schema_mismatch(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    create_applied_table(engine)
    writer = ChangeWriter(engine, "catalog", COPIES)
    with pytest.raises(PoisonMessage, match="'catalog_products' of 'products' does not exist"):
        apply(writer, message(change(1, "insert", 7, product(7, 100))))
    engine.dispose()
