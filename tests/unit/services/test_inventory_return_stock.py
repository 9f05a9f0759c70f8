"""The inventory service's `return_stock`: a confirmed saga's sold stock comes back once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from inventory_stock import quantities, stocked_engine
from sqlalchemy import Engine, func, select

from extracted_services.inventory.exceptions import Conflict
from extracted_services.inventory.records import Item
from extracted_services.inventory.storage import InventoryStore
from extracted_services.inventory.tables import reservation_lines, reservations

START = {(1, 1): 3, (1, 2): 4, (2, 1): 1}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[InventoryStore]:
    engine = stocked_engine(tmp_path / "inventory.sqlite3")
    yield InventoryStore(engine)
    engine.dispose()


def _status(engine: Engine, saga_id: str) -> str | None:
    with engine.connect() as connection:
        status: str | None = connection.execute(
            select(reservations.c.status).where(reservations.c.saga_id == saga_id)
        ).scalar_one_or_none()
    return status


def test_return_puts_a_confirmed_sagas_stock_back_where_it_came_from_once(
    store: InventoryStore,
) -> None:
    store.reserve("s1", (Item(1, 5), Item(2, 1)))
    store.confirm("s1")
    assert quantities(store.engine) == {(1, 1): 0, (1, 2): 2, (2, 1): 0}
    first = store.return_stock("s1")
    assert first.status == "returned"
    assert quantities(store.engine) == START
    again = store.return_stock("s1")
    assert again.status == "returned"
    assert quantities(store.engine) == START  # the repeat put nothing more back
    assert _status(store.engine, "s1") == "returned"
    with store.engine.connect() as connection:  # the lines stay: they say what was returned
        lines = connection.execute(select(func.count()).select_from(reservation_lines))
        assert lines.scalar_one() == 3


def test_a_returned_saga_is_neither_released_nor_reserved_again(store: InventoryStore) -> None:
    store.reserve("s1", (Item(1, 2),))
    store.confirm("s1")
    store.return_stock("s1")
    with pytest.raises(Conflict, match="returned"):
        store.release("s1")
    assert store.confirm("s1").status == "returned"  # a late confirm changes nothing
    assert store.reserve("s1", (Item(1, 2),)).status == "returned"
    assert quantities(store.engine) == START


@pytest.mark.parametrize("state", ["reserved", "released", "refused", "unknown"])
def test_returning_a_saga_that_sold_nothing_is_a_conflict(
    store: InventoryStore, state: str
) -> None:
    if state != "unknown":
        store.reserve("s1", (Item(2, 5 if state == "refused" else 1),))
    if state == "released":
        store.release("s1")
    before = quantities(store.engine)
    with pytest.raises(Conflict, match="no stock to return") as raised:
        store.return_stock("s1")
    assert ("unknown" if state == "unknown" else f"is {state}") in str(raised.value)
    assert quantities(store.engine) == before
    assert _status(store.engine, "s1") == (None if state == "unknown" else state)
