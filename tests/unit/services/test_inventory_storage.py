"""The inventory service's reservations: each call idempotent per saga id, stock accounted for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from inventory_stock import quantities, stocked_engine
from sqlalchemy import Engine, func, select

from extracted_services.inventory.exceptions import BadRequest, Conflict
from extracted_services.inventory.records import Item
from extracted_services.inventory.schemas import parse_items
from extracted_services.inventory.storage import InventoryStore
from extracted_services.inventory.tables import reservation_lines


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = stocked_engine(tmp_path / "inventory.sqlite3")
    yield engine
    engine.dispose()


def _line_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(reservation_lines)).scalar_one()
        )


def test_reserve_takes_stock_warehouse_by_warehouse_once_per_saga(engine: Engine) -> None:
    store = InventoryStore(engine)
    first = store.reserve("s1", (Item(1, 5),))
    again = store.reserve("s1", (Item(1, 5),))
    assert first.status == again.status == "reserved"
    assert quantities(engine) == {(1, 1): 0, (1, 2): 2, (2, 1): 1}
    assert _line_count(engine) == 2  # one line per warehouse, not doubled by the repeat


def test_not_enough_stock_refuses_the_whole_reservation_and_says_so(engine: Engine) -> None:
    store = InventoryStore(engine)
    refused = store.reserve("s1", (Item(1, 1), Item(2, 2)))
    assert (refused.status, refused.reason) == (
        "refused",
        "not enough stock for product 2: 1 available, 2 requested",
    )
    assert store.reserve("s1", (Item(2, 1),)).status == "refused"  # the first answer stands
    assert quantities(engine) == {(1, 1): 3, (1, 2): 4, (2, 1): 1}
    assert store.release("s1").status == "refused"
    with pytest.raises(Conflict):
        store.confirm("s1")


def test_release_puts_the_stock_back_where_it_came_from_once(engine: Engine) -> None:
    store = InventoryStore(engine)
    store.reserve("s1", (Item(1, 4), Item(2, 1)))
    assert store.release("s1").status == "released"
    assert store.release("s1").status == "released"
    assert quantities(engine) == {(1, 1): 3, (1, 2): 4, (2, 1): 1}
    with pytest.raises(Conflict):
        store.confirm("s1")


def test_confirm_is_idempotent_and_a_confirmed_saga_is_never_released(engine: Engine) -> None:
    store = InventoryStore(engine)
    store.reserve("s1", (Item(2, 1),))
    assert store.confirm("s1").status == "confirmed"
    assert store.confirm("s1").status == "confirmed"
    with pytest.raises(Conflict, match="confirmed"):
        store.release("s1")
    assert quantities(engine)[(2, 1)] == 0


def test_a_release_before_the_reserve_makes_a_late_reserve_take_nothing(engine: Engine) -> None:
    store = InventoryStore(engine)
    assert store.release("late").status == "released"
    assert store.reserve("late", (Item(1, 2),)).status == "released"
    assert quantities(engine) == {(1, 1): 3, (1, 2): 4, (2, 1): 1}
    assert _line_count(engine) == 0


def test_confirm_of_an_unknown_saga_is_a_conflict(engine: Engine) -> None:
    with pytest.raises(Conflict, match="holds no reserved stock"):
        InventoryStore(engine).confirm("nobody")


def test_items_are_checked_and_summed_per_product() -> None:
    items = [{"product_id": 2, "quantity": 1}, {"product_id": 1, "quantity": 2}]
    assert parse_items([*items, {"product_id": 2, "quantity": 3}]) == (Item(1, 2), Item(2, 4))
    bad_items: list[object] = [
        [{"product_id": 1, "quantity": 0}],
        [{"product_id": True, "quantity": 1}],
        [7],
        {},
    ]
    for bad in bad_items:
        with pytest.raises(BadRequest):
            parse_items(bad)
