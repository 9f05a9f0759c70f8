"""Checkout through the order saga (ORDER_SAGA on) against the inventory service's own code,
run in-process behind a stand-in for its durable queue (the real broker and process:
tests/integration/services/test_order_saga.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from extracted_services.inventory.schemas import parse_items
from extracted_services.inventory.service import InventoryService
from extracted_services.inventory.storage import InventoryStore, create_schema
from extracted_services.inventory.tables import reservations, stock_levels
from extracted_services.shared.errors import ServiceError
from legacy_monolith import create_app
from legacy_monolith.db import db
from legacy_monolith.helpers import now_utc
from legacy_monolith.orders.saga import EXTENSION
from legacy_monolith.orders.saga_inventory import Inventory
from legacy_monolith.orders.saga_runner import RunnerPass, resume_sagas
from legacy_monolith.orders.saga_store import SagaItem, items_payload, start
from strangler.nameko_rpc import RpcRemoteError, RpcTimeout

SQL = Callable[..., list[Any]]
ADDRESS = {"line1": "5 Elm Road", "city": "Leeds", "postal_code": "LS1", "country": "gb"}
CARD = "4242424242424242"
DECLINED_CARD = "4242424242420002"


class QueuedRpc:
    """The inventory service in-process. While `down`, a call gets no answer but waits in
    the queue, as on the service's durable queue; `come_back()` applies what waited."""

    def __init__(self, store: InventoryStore) -> None:
        self.service = InventoryService()
        self.service.storage = store
        self.down = False
        self.down_after: str | None = None  # go down once this method was answered
        self.waiting: list[tuple[str, dict[str, Any]]] = []
        self.calls: list[str] = []

    def _apply(self, method: str, kwargs: dict[str, Any]) -> Any:
        try:
            return getattr(self.service, method)(**kwargs)
        except ServiceError as exc:
            raise RpcRemoteError(type(exc).__name__, str(exc)) from exc

    def call(self, service: str, method: str, kwargs: Any, **_: Any) -> Any:
        self.calls.append(method)
        if self.down:
            self.waiting.append((method, dict(kwargs)))
            raise RpcTimeout(service, f"{method} did not answer")
        answer = self._apply(method, dict(kwargs))
        self.down = method == self.down_after
        return answer

    def come_back(self) -> None:
        self.down = False
        for method, kwargs in self.waiting:
            with suppress(RpcRemoteError):  # as the service answers it, to nobody
                self._apply(method, kwargs)
        self.waiting.clear()

    def close(self) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path, sql: SQL) -> Iterator[InventoryStore]:
    """The inventory service's database, holding a copy of the monolith's stock."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'inventory.sqlite3'}")
    create_schema(engine)
    rows = sql("SELECT id, product_id, warehouse_id, quantity FROM stock_levels")
    with engine.begin() as connection:
        connection.execute(stock_levels.insert(), [dict(row._mapping) for row in rows])
    yield InventoryStore(engine)
    engine.dispose()


@pytest.fixture
def rpc(store: InventoryStore) -> QueuedRpc:
    return QueuedRpc(store)


@pytest.fixture
def app(database_url: str, rpc: QueuedRpc) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "ORDER_SAGA": True})
    app.extensions[EXTENSION] = Inventory(rpc, timeout=1.0)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def runner(app: Flask, database_url: str) -> Iterator[Callable[..., RunnerPass]]:
    """One pass of the saga runner over the monolith's database."""
    engine = sa.create_engine(database_url)
    inventory = app.extensions[EXTENSION]

    def one_pass(stale_after: float = 60.0) -> RunnerPass:
        return resume_sagas(engine, inventory, stale_after=stale_after)

    yield one_pass
    engine.dispose()


@pytest.fixture
def shopper(login: Callable[[str, str], FlaskClient]) -> FlaskClient:
    return login("user1@example.com", "password1")


def _stocked_product(sql: SQL) -> int:
    rows = sql(
        "SELECT p.id FROM products p JOIN stock_levels s ON s.product_id = p.id"
        " WHERE p.is_active = 1 GROUP BY p.id HAVING SUM(s.quantity) >= 5 ORDER BY p.id LIMIT 1"
    )
    return int(rows[0].id)


def _checkout(client: FlaskClient, product_id: int, card: str = CARD) -> Any:
    client.post("/api/cart/items", json={"product_id": product_id, "quantity": 2})
    return client.post(
        "/api/orders/checkout", json={"address": ADDRESS, "payment": {"card_number": card}}
    )


def _monolith_stock(sql: SQL, product_id: int) -> int:
    return int(
        sql("SELECT SUM(quantity) AS q FROM stock_levels WHERE product_id = :p", p=product_id)[0].q
    )


def _available(store: InventoryStore, product_id: int) -> int:
    statement = sa.select(sa.func.sum(stock_levels.c.quantity)).where(
        stock_levels.c.product_id == product_id
    )
    with store.engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def _reservation(store: InventoryStore, saga_id: str) -> str:
    statement = sa.select(reservations.c.status).where(reservations.c.saga_id == saga_id)
    with store.engine.connect() as connection:
        return str(connection.execute(statement).scalar_one())


def _sagas(sql: SQL) -> list[Any]:
    return sql("SELECT saga_id, step, status, order_id, reason, attempts FROM order_sagas")


def test_checkout_reserves_in_the_inventory_service_then_confirms(
    shopper: FlaskClient, sql: SQL, store: InventoryStore, rpc: QueuedRpc
) -> None:
    product_id = _stocked_product(sql)
    before, available = _monolith_stock(sql, product_id), _available(store, product_id)
    response = _checkout(shopper, product_id)
    assert response.status_code == 201, response.get_json()
    [saga] = _sagas(sql)
    assert (saga.step, saga.status, saga.order_id) == ("confirm", "completed", response.json["id"])
    assert rpc.calls == ["reserve", "confirm"]
    assert _reservation(store, saga.saga_id) == "confirmed"
    assert _available(store, product_id) == available - 2
    assert _monolith_stock(sql, product_id) == before  # the service owns stock now


def test_not_enough_stock_answers_409_and_compensates(
    shopper: FlaskClient, sql: SQL, store: InventoryStore, rpc: QueuedRpc
) -> None:
    product_id = _stocked_product(sql)
    with store.engine.begin() as connection:
        connection.execute(
            stock_levels.update().where(stock_levels.c.product_id == product_id).values(quantity=0)
        )
    orders = sql("SELECT COUNT(*) AS n FROM orders")[0].n
    response = _checkout(shopper, product_id)
    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        f"not enough stock for product {product_id}: 0 available, 2 requested"
    )
    [saga] = _sagas(sql)
    assert (saga.step, saga.status) == ("release", "compensated")
    assert saga.reason == response.json["error"]["message"]
    assert rpc.calls == ["reserve", "release"]
    assert sql("SELECT COUNT(*) AS n FROM orders")[0].n == orders


def test_a_failed_order_releases_the_reserved_stock(
    shopper: FlaskClient, sql: SQL, store: InventoryStore
) -> None:
    product_id = _stocked_product(sql)
    available = _available(store, product_id)
    response = _checkout(shopper, product_id, DECLINED_CARD)
    assert response.status_code == 422
    assert response.json["error"]["message"] == "payment declined; use another card"
    [saga] = _sagas(sql)
    assert (saga.step, saga.status, saga.order_id) == ("release", "compensated", None)
    assert "payment declined" in saga.reason
    assert _reservation(store, saga.saga_id) == "released"
    assert _available(store, product_id) == available


def test_a_reserve_left_unanswered_is_compensated_once_the_service_is_back(
    shopper: FlaskClient,
    sql: SQL,
    store: InventoryStore,
    rpc: QueuedRpc,
    runner: Callable[..., RunnerPass],
) -> None:
    product_id = _stocked_product(sql)
    available = _available(store, product_id)
    rpc.down = True
    response = _checkout(shopper, product_id)
    assert response.status_code == 503
    [saga] = _sagas(sql)
    assert (saga.step, saga.status) == ("release", "running")
    assert runner() == RunnerPass(unanswered=1)
    rpc.come_back()  # the reserve, then the releases that waited in the queue, apply
    assert runner() == RunnerPass(finished=1)
    [saga] = _sagas(sql)
    assert (saga.status, saga.attempts) == ("compensated", 1)
    assert _reservation(store, saga.saga_id) == "released"
    assert _available(store, product_id) == available


def test_a_confirm_left_unanswered_is_finished_by_the_runner(
    shopper: FlaskClient,
    sql: SQL,
    store: InventoryStore,
    rpc: QueuedRpc,
    runner: Callable[..., RunnerPass],
) -> None:
    product_id = _stocked_product(sql)
    available = _available(store, product_id)
    rpc.down_after = "reserve"
    response = _checkout(shopper, product_id)
    assert response.status_code == 201  # the order stands: its stock is reserved
    [saga] = _sagas(sql)
    assert (saga.step, saga.status, saga.order_id) == ("confirm", "running", response.json["id"])
    rpc.come_back()
    assert runner() == RunnerPass(finished=1)
    assert runner() == RunnerPass()
    [saga] = _sagas(sql)
    assert saga.status == "completed"
    assert _reservation(store, saga.saga_id) == "confirmed"
    assert _available(store, product_id) == available - 2


def test_the_runner_compensates_a_saga_its_request_left_behind(
    app: Flask, sql: SQL, store: InventoryStore, runner: Callable[..., RunnerPass]
) -> None:
    product_id = _stocked_product(sql)
    available = _available(store, product_id)
    items = (SagaItem(product_id, 3),)
    with app.app_context():
        start(db.session, "orphan", items, now_utc() - timedelta(seconds=120))
        db.session.commit()
    store.reserve("orphan", parse_items(items_payload(items)))  # then the request died
    assert runner(stale_after=300) == RunnerPass()  # not stale yet
    assert runner(stale_after=60) == RunnerPass(finished=1, abandoned=1)
    [saga] = _sagas(sql)
    assert (saga.step, saga.status) == ("release", "compensated")
    assert saga.reason == "abandoned at reserve: its checkout request ended"
    assert _available(store, product_id) == available


def test_with_the_setting_off_checkout_takes_the_stock_itself(database_url: str, sql: SQL) -> None:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    client = app.test_client()
    client.post("/api/accounts/login", json={"email": "user1@example.com", "password": "password1"})
    product_id = _stocked_product(sql)
    before = _monolith_stock(sql, product_id)
    assert _checkout(client, product_id).status_code == 201
    assert _monolith_stock(sql, product_id) == before - 2
    assert _sagas(sql) == []
    with app.app_context():
        db.engine.dispose()


def _cancel(client: FlaskClient, order_id: int) -> Any:
    return client.post(f"/api/orders/{order_id}/cancel")


def test_cancelling_a_saga_order_returns_its_stock_to_the_service(
    shopper: FlaskClient, sql: SQL, store: InventoryStore, rpc: QueuedRpc
) -> None:
    product_id = _stocked_product(sql)
    before, available = _monolith_stock(sql, product_id), _available(store, product_id)
    order_id = _checkout(shopper, product_id).json["id"]
    response = _cancel(shopper, order_id)
    assert response.status_code == 200, response.get_json()
    assert response.json["status"] == "cancelled"
    [saga] = _sagas(sql)
    assert (saga.step, saga.status, saga.order_id) == ("return", "returned", order_id)
    assert rpc.calls == ["reserve", "confirm", "return_stock"]
    assert _reservation(store, saga.saga_id) == "returned"
    assert _available(store, product_id) == available
    assert _monolith_stock(sql, product_id) == before  # not restocked here too
    assert (
        sql("SELECT COUNT(*) AS n FROM stock_movements WHERE order_id = :o", o=order_id)[0].n == 0
    )


def test_an_order_cancelled_before_its_confirm_applied_is_confirmed_then_returned(
    shopper: FlaskClient,
    sql: SQL,
    store: InventoryStore,
    rpc: QueuedRpc,
    runner: Callable[..., RunnerPass],
) -> None:
    product_id = _stocked_product(sql)
    available = _available(store, product_id)
    rpc.down_after = "reserve"
    order_id = _checkout(shopper, product_id).json["id"]
    rpc.down = False  # back, but the confirm that waited was lost: never applied
    rpc.waiting.clear()
    [saga] = _sagas(sql)
    assert (saga.step, saga.status) == ("confirm", "running")
    assert _cancel(shopper, order_id).status_code == 200
    [saga] = _sagas(sql)
    assert (saga.step, saga.status) == ("return", "returned")
    # the return is refused (the stock is only reserved), so the confirm goes first
    assert rpc.calls == ["reserve", "confirm", "return_stock", "confirm", "return_stock"]
    assert _reservation(store, saga.saga_id) == "returned"
    assert _available(store, product_id) == available
    assert runner() == RunnerPass()


def test_a_return_left_unanswered_is_sent_by_the_runner_and_applied_once(
    shopper: FlaskClient,
    sql: SQL,
    store: InventoryStore,
    rpc: QueuedRpc,
    runner: Callable[..., RunnerPass],
) -> None:
    product_id = _stocked_product(sql)
    available = _available(store, product_id)
    order_id = _checkout(shopper, product_id).json["id"]
    rpc.down = True
    response = _cancel(shopper, order_id)
    assert response.status_code == 200  # the cancel answers; the return waits
    assert response.json["status"] == "cancelled"
    [saga] = _sagas(sql)
    assert (saga.step, saga.status) == ("return", "running")
    assert runner() == RunnerPass(unanswered=1)
    assert _available(store, product_id) == available - 2
    rpc.come_back()  # the two queued returns apply: the stock comes back once
    assert _available(store, product_id) == available
    assert runner() == RunnerPass(finished=1)
    [saga] = _sagas(sql)
    assert (saga.step, saga.status, saga.attempts) == ("return", "returned", 1)
    assert _available(store, product_id) == available
    assert rpc.calls.count("return_stock") == 3


def test_an_order_placed_without_the_saga_is_restocked_in_the_monolith(
    database_url: str, sql: SQL, shopper: FlaskClient, store: InventoryStore, rpc: QueuedRpc
) -> None:
    plain = create_app({"DATABASE_URL": database_url, "TESTING": True})
    client = plain.test_client()
    client.post("/api/accounts/login", json={"email": "user1@example.com", "password": "password1"})
    product_id = _stocked_product(sql)
    before, available = _monolith_stock(sql, product_id), _available(store, product_id)
    order_id = _checkout(client, product_id).json["id"]
    with plain.app_context():
        db.engine.dispose()
    assert _cancel(shopper, order_id).status_code == 200  # the saga app cancels it
    assert _monolith_stock(sql, product_id) == before
    assert _available(store, product_id) == available
    assert rpc.calls == []
    assert _sagas(sql) == []
