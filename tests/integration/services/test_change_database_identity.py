"""A message captured in another database than the one a copy follows is refused, on real
SQLite and PostgreSQL: the first message of a source naming its database records it; a
message naming none (an older relay's) still applies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, text

from extracted_services.catalog.tables import products
from extracted_services.shared.change_batch import Refused, apply_batch
from extracted_services.shared.change_writer import Applied, ChangeWriter

COPIES = {"categories": "catalog_categories", "products": "catalog_products"}
OLD, NEW = "0ld0ld", "feedbeef"


def body(position: int, price: int, database: str | None, source: str = "monolith") -> Any:
    """A message updating product 1 to `price`, captured in `database`."""
    row = {
        "id": 1,
        "sku": "L-1",
        "name": "Lamp",
        "description": "",
        "price_cents": price,
        "category_id": 1,
        "is_active": True,
        "created_at": "2026-11-27T10:00:00",
    }
    message = {
        "version": 1,
        "source": source,
        "table": "products",
        "transaction": None,
        "changes": [
            {
                "id": f"{source}:products:{position}",
                "position": position,
                "operation": "update",
                "key": {"id": 1},
                "row": row,
                "origin": "monolith",
            }
        ],
    }
    return message if database is None else {**message, "database": database}


def price(engine: Engine) -> int | None:
    with engine.connect() as connection:
        return connection.execute(select(products.c.price_cents).where(products.c.id == 1)).scalar()


def followed(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM strangler_sync_sources ORDER BY source"))
        return [tuple(row) for row in rows]


def test_a_message_from_another_database_is_refused_with_the_reason(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)

    # one batch: the first naming a database records it, the second one's is another
    outcomes = apply_batch(writer, [body(10, 100, OLD), body(11, 200, NEW)])

    assert outcomes[0] == Applied(written=1, skipped=0)
    assert isinstance(outcomes[1], Refused)
    assert outcomes[1].reason.startswith(
        f"another database: change monolith:products:11 was captured in database {NEW} of"
        f" source 'monolith', but this database follows {OLD} (strangler_sync_sources)"
    )
    assert price(engine) == 100
    assert followed(engine) == [("monolith", OLD, "monolith:products:10")]

    # a writer started afresh (a restarted service) reads what it follows from the database
    again = ChangeWriter(engine, "catalog", COPIES)
    [refused, unnamed, same] = apply_batch(
        again, [body(12, 300, NEW), body(13, 400, None), body(14, 500, OLD)]
    )

    assert isinstance(refused, Refused) and refused.reason.startswith("another database")
    assert unnamed == Applied(written=1, skipped=0)  # an older relay's message names none
    assert same == Applied(written=1, skipped=0)
    assert price(engine) == 500


def test_each_source_follows_its_own_database(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)

    outcomes = apply_batch(writer, [body(10, 100, OLD), body(20, 200, NEW, source="shop")])

    assert outcomes == [Applied(written=1, skipped=0), Applied(written=1, skipped=0)]
    assert followed(engine) == [
        ("monolith", OLD, "monolith:products:10"),
        ("shop", NEW, "shop:products:20"),
    ]
