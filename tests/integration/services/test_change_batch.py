"""A batch of change messages on real SQLite and PostgreSQL: one transaction when all is
well; a poison message refused alone; nothing applied twice when a batch comes again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError

from extracted_services.catalog.tables import products
from extracted_services.shared.change_batch import Refused, apply_batch
from extracted_services.shared.change_writer import Applied, ChangeWriter

COPIES = {"categories": "catalog_categories", "products": "catalog_products"}


def product(id: int, price: int) -> dict[str, Any]:
    return {
        "id": id,
        "sku": f"L-{id}",
        "name": "Lamp",
        "description": "",
        "price_cents": price,
        "category_id": 1,
        "is_active": True,
        "created_at": "2026-11-27T10:00:00",
    }


def body(position: int, row: dict[str, Any], table: str = "products") -> dict[str, Any]:
    """A message of one insert-or-update of `row`, as the relay sends it."""
    change = {
        "id": f"monolith:{table}:{position}",
        "position": position,
        "operation": "update",
        "key": {"id": row["id"]},
        "row": row,
        "origin": "monolith",
    }
    return {
        "version": 1,
        "source": "monolith",
        "table": table,
        "transaction": None,
        "changes": [change],
    }


@pytest.fixture
def commits(engine: Engine) -> list[int]:
    """One entry per transaction the engine commits."""
    committed: list[int] = []
    event.listen(engine, "commit", lambda connection: committed.append(1))
    return committed


def prices(engine: Engine) -> dict[int, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(products.c.id, products.c.price_cents)).all()
    return dict(rows)


def test_a_batch_is_applied_in_one_transaction_in_order(engine: Engine, commits: list[int]) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    # key 1 changes twice in the batch, the later position last: it wins
    bodies = [body(1, product(1, 10)), body(2, product(2, 20)), body(3, product(1, 11))]

    assert apply_batch(writer, bodies) == [Applied(1, 0), Applied(1, 0), Applied(1, 0)]
    assert len(commits) == 1
    assert prices(engine) == {1: 11, 2: 20}


def test_a_redelivered_batch_applies_nothing_twice(engine: Engine) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    bodies = [body(5, product(1, 50)), body(6, product(2, 60)), body(7, product(1, 70))]
    apply_batch(writer, bodies)
    # a late change of key 2 (smaller position) comes with the redelivered batch
    again = [*bodies, body(4, product(2, 40))]

    assert apply_batch(writer, again) == [Applied(0, 1)] * 4
    assert prices(engine) == {1: 70, 2: 60}


def test_a_poison_message_is_refused_alone_and_the_rest_applied(
    engine: Engine, commits: list[int]
) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    bodies = [
        body(1, product(1, 10)),
        body(2, {**product(2, 20), "colour": "red"}),  # refused before anything is written
        {"version": 1},
        body(3, product(3, 30), table="reviews"),
        body(4, product(4, 40)),
    ]

    assert apply_batch(writer, bodies) == [
        Applied(1, 0),
        Refused(
            "schema mismatch: catalog_products has no column colour (change monolith:products:2)"
        ),
        Refused("bad payload: source must be non-empty text"),
        Refused("unknown table: 'reviews' is not one of catalog's tables (categories, products)"),
        Applied(1, 0),
    ]
    assert len(commits) == 1
    assert prices(engine) == {1: 10, 4: 40}


def test_a_message_the_database_refuses_is_refused_alone_the_rest_applied(
    engine: Engine, commits: list[int]
) -> None:
    writer = ChangeWriter(engine, "catalog", COPIES)
    bodies = [
        body(1, product(1, 10)),
        body(2, {**product(2, 20), "sku": None}),  # NOT NULL: only the database says no
        body(3, product(3, 30)),
    ]

    first, refused, last = apply_batch(writer, bodies)

    assert (first, last) == (Applied(1, 0), Applied(1, 0))
    assert isinstance(refused, Refused)
    assert refused.reason.startswith("refused by the service's database")
    assert len(commits) == 2  # the batch rolled back, then one transaction per good message
    assert prices(engine) == {1: 10, 3: 30}
    # the refused message's position was not claimed: fixed, it is applied
    assert apply_batch(writer, [body(2, product(2, 20))]) == [Applied(1, 0)]


def test_a_database_out_of_reach_fails_the_whole_batch(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'catalog.sqlite3'}")
    writer = ChangeWriter(engine, "catalog", COPIES)
    with pytest.raises(OperationalError):
        apply_batch(writer, [body(1, product(1, 10)), body(2, product(2, 20))])
    engine.dispose()
