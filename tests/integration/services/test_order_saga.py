"""The order saga on real parts: checkouts (ORDER_SAGA on, SQLite monolith) call the inventory
service, a real `strangler service run inventory` process, over RabbitMQ with the pika client;
the saga runner runs beside them. The service is SIGKILLed between two steps of a saga (its
stock reserved, its order not yet created) and started again: afterwards no stock is lost,
sold twice or held, and every saga is completed or compensated. Cancelling an order the
saga placed returns its stock to the service (not to the monolith's `stock_levels`), once,
however often the return is sent while the service is down."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from waiting import wait_until

from extracted_services.inventory.storage import create_schema
from extracted_services.inventory.tables import reservation_lines, reservations, stock_levels
from legacy_monolith import create_app
from legacy_monolith.db import db
from legacy_monolith.orders import views as orders_views
from legacy_monolith.orders.saga import EXTENSION
from legacy_monolith.orders.saga_inventory import CALLER, Inventory
from legacy_monolith.orders.saga_runner import run_saga_runner
from legacy_monolith.orders.saga_states import SagaState
from legacy_monolith.seed import seed_database
from strangler.nameko_rpc import QUEUED, NamekoRpc, RpcRemoteError
from strangler.processes import ManagedProcess, ProcessGroup, rpc_consumer_ready
from strangler_demo.stack import strangler_argv

pytestmark = pytest.mark.rabbitmq

STEP_TIMEOUT = 3.0
ADDRESS = {"line1": "5 Elm Road", "city": "Leeds", "postal_code": "LS1", "country": "gb"}
CHECKOUT = {"address": ADDRESS, "payment": {"card_number": "4242424242424242"}}
# per product, (warehouse, quantity) rows of the inventory service's stock
STOCK = ([(1, 3), (2, 2)], [(1, 4)], [(2, 100)])


def _sql_of(shopper: int) -> str:
    """The shopper's orders and their sagas (`order_id`, `saga_id`, `step`, ...)."""
    return (
        "SELECT o.id AS order_id, s.saga_id, s.step, s.status, s.attempts FROM orders o"
        " JOIN users u ON u.id = o.user_id LEFT JOIN order_sagas s ON s.order_id = o.id"
        f" WHERE u.email = 'user{shopper}@example.com'"
    )


class Shop:
    """The monolith app, its database, the inventory service's database and process."""

    def __init__(self, tmp_path: Path, amqp_uri: str, group: ProcessGroup) -> None:
        self.monolith_url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
        self.inventory_url = f"sqlite:///{tmp_path / 'inventory.sqlite3'}"
        self.amqp_uri = amqp_uri
        self.group = group
        seed_database(self.monolith_url, products=30, users=12, orders=0)
        self.monolith = sa.create_engine(self.monolith_url)
        self.inventory = sa.create_engine(self.inventory_url)
        with self.monolith.connect() as connection:
            self.products = list(
                connection.execute(
                    sa.text("SELECT id FROM products WHERE is_active = 1 ORDER BY id LIMIT 3")
                ).scalars()
            )
        create_schema(self.inventory)
        with self.inventory.begin() as connection:
            connection.execute(
                stock_levels.insert(),
                [
                    {"product_id": product, "warehouse_id": warehouse, "quantity": quantity}
                    for product, rows in zip(self.products, STOCK, strict=True)
                    for warehouse, quantity in rows
                ],
            )
        self.initial = {
            p: sum(q for _, q in rows) for p, rows in zip(self.products, STOCK, strict=True)
        }
        self.app = create_app(
            {
                "DATABASE_URL": self.monolith_url,
                "TESTING": True,
                "ORDER_SAGA": True,
                "AMQP_URI": amqp_uri,
                "SAGA_STEP_TIMEOUT": STEP_TIMEOUT,
            }
        )
        self.service = self.start_inventory()

    def start_inventory(self) -> ManagedProcess:
        argv = strangler_argv(
            "service", "run", "inventory", "--amqp-uri", self.amqp_uri,
            "--database-url", self.inventory_url,
        )  # fmt: skip
        process = self.group.start(f"inventory-{len(self.group.processes)}", argv)
        process.wait_ready(rpc_consumer_ready(self.amqp_uri, "inventory"), timeout=60)
        return process

    def kill_inventory(self) -> None:
        os.killpg(self.service.pid, signal.SIGKILL)  # the launcher and its nameko child
        assert wait_until(lambda: not self.service.running(), timeout=10)
        assert wait_until(lambda: not rpc_consumer_ready(self.amqp_uri, "inventory")(), 10)

    def checkout(self, shopper: int, product_id: int, quantity: int = 2) -> int:
        """One shopper's checkout in this thread; the HTTP status."""
        client = self.app.test_client()
        login = {"email": f"user{shopper}@example.com", "password": f"password{shopper}"}
        assert client.post("/api/accounts/login", json=login).status_code == 200
        client.post("/api/cart/items", json={"product_id": product_id, "quantity": quantity})
        try:
            return client.post("/api/orders/checkout", json=CHECKOUT).status_code
        finally:
            self.app.extensions[EXTENSION].close()  # this thread's broker connection

    def cancel(self, shopper: int) -> tuple[int, Any]:
        """Cancel the shopper's (only) order in this thread; the HTTP status and body."""
        [order_id] = [row.order_id for row in self.rows(self.monolith, _sql_of(shopper))]
        client = self.app.test_client()
        login = {"email": f"user{shopper}@example.com", "password": f"password{shopper}"}
        assert client.post("/api/accounts/login", json=login).status_code == 200
        try:
            response = client.post(f"/api/orders/{order_id}/cancel")
            return response.status_code, response.get_json()
        finally:
            self.app.extensions[EXTENSION].close()

    def available(self, product_id: int) -> int:
        sql = f"SELECT SUM(quantity) FROM {stock_levels.name} WHERE product_id = {product_id}"
        return int(self.rows(self.inventory, sql)[0][0])

    def monolith_stock(self) -> list[Any]:
        return self.rows(self.monolith, "SELECT id, quantity FROM stock_levels ORDER BY id")

    def saga(self, shopper: int) -> Any:
        [saga] = self.rows(self.monolith, _sql_of(shopper))
        return saga

    def checkouts(self, orders: list[tuple[int, int]]) -> list[int]:
        """(shopper, product) checkouts, all at once; their statuses in order."""
        with ThreadPoolExecutor(len(orders)) as pool:
            return list(pool.map(lambda order: self.checkout(*order), orders))

    def rows(self, engine: sa.Engine, sql: str) -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql)).all())

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        self.monolith.dispose()
        self.inventory.dispose()


@pytest.fixture
def shop(tmp_path: Path, amqp_uri: str) -> Iterator[Shop]:
    with ProcessGroup(tmp_path / "logs") as group:
        shop = Shop(tmp_path, amqp_uri, group)
        yield shop
        shop.close()


@pytest.fixture
def runner(shop: Shop) -> Iterator[None]:
    """The saga runner in a thread, as `strangler monolith saga-run` runs it."""
    stop = threading.Event()

    def run() -> None:
        inventory = Inventory.over(shop.amqp_uri, timeout=STEP_TIMEOUT)
        try:
            run_saga_runner(shop.monolith, inventory, stop, poll_interval=0.2, stale_after=30)
        finally:
            inventory.close()

    thread = threading.Thread(target=run, name="saga-runner")
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)


@pytest.fixture
def kill_between_steps(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """SIGKILL the inventory service as the first saga whose stock was reserved is about
    to create its order; the user ids of the shoppers whose saga that was."""
    place_order = orders_views.place_order
    killed: list[int] = []
    lock = threading.Lock()

    def place_order_then_kill(user_id: int, cart_id: Any, checkout: Any, lines: Any = None) -> int:
        if lines is not None:
            with lock:
                if not killed:
                    shop.kill_inventory()
                    killed.append(user_id)
        return place_order(user_id, cart_id, checkout, lines)

    monkeypatch.setattr(orders_views, "place_order", place_order_then_kill)
    return killed


def _all_sagas_finished(shop: Shop) -> Callable[[], bool]:
    def check() -> bool:
        sql = "SELECT COUNT(*) FROM order_sagas WHERE status = 'running'"
        return shop.rows(shop.monolith, sql)[0][0] == 0

    return check


def test_killing_inventory_between_steps_loses_and_doubles_no_stock(
    shop: Shop, runner: None, kill_between_steps: list[int]
) -> None:
    a, b, c = shop.products
    first = shop.checkouts([(1, a), (2, a), (3, b), (4, c)])  # the service dies in there
    assert kill_between_steps, "no saga reached its order step"
    down = shop.checkouts([(5, a), (6, c)])  # reserves wait in the queue, unanswered
    assert down == [503, 503]
    shop.service = shop.start_inventory()
    assert wait_until(_all_sagas_finished(shop), timeout=30)
    after = shop.checkouts([(7, b), (8, b), (9, b)])  # b: at most 4 in stock, 2 each
    assert 409 in after
    assert wait_until(_all_sagas_finished(shop), timeout=30)

    statuses = first + down + after
    sagas = shop.rows(shop.monolith, "SELECT saga_id, status, order_id FROM order_sagas")
    assert len(sagas) == len(statuses)
    completed = {saga.saga_id for saga in sagas if saga.status == "completed"}
    assert {saga.status for saga in sagas} <= {"completed", "compensated"}
    assert len(completed) == statuses.count(201)
    killed_user = kill_between_steps[0]
    killed_saga = shop.rows(
        shop.monolith,
        "SELECT s.status FROM order_sagas s JOIN orders o ON o.id = s.order_id"
        f" WHERE o.user_id = {killed_user}",
    )
    assert [row.status for row in killed_saga] == ["completed"]  # confirmed after the restart

    held = dict(shop.rows(shop.inventory, "SELECT saga_id, status FROM inventory_reservations"))
    for saga in sagas:  # the service agrees with the saga: sold, or nothing kept
        expected = {"confirmed"} if saga.saga_id in completed else {"released", "refused"}
        assert held.get(saga.saga_id, "released") in expected, saga

    # no double reservation: each reserved saga holds exactly what it asked, once
    per_saga = shop.rows(
        shop.inventory,
        "SELECT saga_id, product_id, SUM(quantity) AS q, COUNT(*) AS n"
        f" FROM {reservation_lines.name} GROUP BY saga_id, product_id",
    )
    assert all(row.q == 2 and row.n <= len(STOCK[0]) for row in per_saga), per_saga

    sold = _lines_by_status(shop, "confirmed")
    reserved = _lines_by_status(shop, "reserved")
    ordered = dict(
        shop.rows(
            shop.monolith,
            "SELECT product_id, SUM(quantity) FROM order_items GROUP BY product_id",
        )
    )
    for product in shop.products:
        available = shop.rows(
            shop.inventory,
            f"SELECT SUM(quantity) FROM {stock_levels.name} WHERE product_id = {product}",
        )[0][0]
        assert (
            available + reserved.get(product, 0) + sold.get(product, 0) == shop.initial[product]
        ), product
        assert reserved.get(product, 0) == 0
        assert sold.get(product, 0) == ordered.get(product, 0)  # each sale is one order
    assert sold.get(b, 0) <= shop.initial[b]


def _lines_by_status(shop: Shop, status: str) -> dict[int, int]:
    return dict(
        shop.rows(
            shop.inventory,
            f"SELECT l.product_id, SUM(l.quantity) FROM {reservation_lines.name} l"
            f" JOIN {reservations.name} r ON r.saga_id = l.saga_id"
            f" WHERE r.status = '{status}' GROUP BY l.product_id",
        )
    )


def _reservation(shop: Shop, saga_id: str) -> str:
    sql = f"SELECT status FROM {reservations.name} WHERE saga_id = '{saga_id}'"
    return str(shop.rows(shop.inventory, sql)[0][0])


def test_cancelling_a_saga_order_returns_its_stock_to_the_service(shop: Shop) -> None:
    a = shop.products[0]
    assert shop.checkout(1, a) == 201
    assert shop.available(a) == shop.initial[a] - 2
    monolith_stock = shop.monolith_stock()
    status, order = shop.cancel(1)
    assert status == 200, order
    assert order["status"] == "cancelled"
    saga = shop.saga(1)
    assert (saga.step, saga.status) == ("return", "returned")  # answered by the cancel itself
    assert _reservation(shop, saga.saga_id) == "returned"
    assert shop.available(a) == shop.initial[a]
    assert shop.monolith_stock() == monolith_stock  # the service owns the stock


def test_a_cancel_while_inventory_is_down_is_returned_by_the_runner_once(
    shop: Shop, runner: None
) -> None:
    a = shop.products[0]
    assert shop.checkout(1, a) == 201
    assert wait_until(_all_sagas_finished(shop), timeout=30)
    monolith_stock = shop.monolith_stock()
    shop.kill_inventory()
    status, order = shop.cancel(1)  # its return waits in the queue, unanswered
    assert status == 200, order
    assert order["status"] == "cancelled"
    assert shop.saga(1).step == "return"
    # the runner sends the return again (and again) while the service is away
    assert wait_until(lambda: shop.saga(1).attempts >= 2, timeout=30)
    assert shop.saga(1).status == "running"
    assert shop.available(a) == shop.initial[a] - 2
    shop.service = shop.start_inventory()  # every queued return applies now
    assert wait_until(lambda: shop.saga(1).status == "returned", timeout=30)
    saga = shop.saga(1)
    assert saga.step == "return"
    late = Inventory.over(shop.amqp_uri, timeout=STEP_TIMEOUT)
    try:  # one more, after all those queued: answered, nothing more put back
        assert late.send_step(saga.saga_id, SagaState("return")) == "returned"
    finally:
        late.close()
    assert _reservation(shop, saga.saga_id) == "returned"
    assert shop.available(a) == shop.initial[a]  # back once: three returns were sent
    assert shop.monolith_stock() == monolith_stock


def test_returning_a_released_saga_is_a_conflict(shop: Shop) -> None:
    a = shop.products[0]
    rpc = NamekoRpc(shop.amqp_uri, caller=CALLER, delivery=QUEUED, timeout=STEP_TIMEOUT)
    try:
        items = [{"product_id": a, "quantity": 2}]
        reserved = rpc.call("inventory", "reserve", {"saga_id": "s-released", "items": items})
        assert reserved["status"] == "reserved"
        released = rpc.call("inventory", "release", {"saga_id": "s-released"})
        assert released["status"] == "released"
        with pytest.raises(RpcRemoteError) as refused:
            rpc.call("inventory", "return_stock", {"saga_id": "s-released"})
    finally:
        rpc.close()
    assert refused.value.exc_type == "Conflict"
    assert "is released, not confirmed" in refused.value.value
    assert _reservation(shop, "s-released") == "released"
    assert shop.available(a) == shop.initial[a]
