"""The shared change applier in a real `nameko run` process, fed over the real broker.

The service package is made in tmp_path (`shop_package`) with `sync = true` and the
one-line declaration; its copy is filled by the generic backfill. Change messages are
published to `strangler.changes` by hand, in the shape of docs/contracts.md (i).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from shop_package import build_monolith, write_shop_package
from waiting import wait_until

from extracted_services.backfill.run import backfill_service
from extracted_services.discovery import find_services
from strangler.processes import ProcessGroup
from strangler_demo.stack import strangler_argv
from strangler_sync.broker import declare_service_queues

pytestmark = pytest.mark.rabbitmq

SERVICE_CODE = """
from extracted_services.shared.change_applier import change_applier


class ShopService:
    name = "{name}"
    apply_changes = change_applier()
"""


def order(id: int, total: str, note: str | None, customer: int = 20) -> dict[str, Any]:
    return {"id": id, "customer_id": customer, "total": total, "note": note}


def orders_message(*changes: tuple[int, dict[str, Any]], **row_extra: Any) -> bytes:
    """One transaction's changes to `orders`: (position, row image) each, all updates."""
    return json.dumps(
        {
            "version": 1,
            "source": "monolith",
            "table": "orders",
            "transaction": None,
            "changes": [
                {
                    "id": f"monolith:orders:{position}",
                    "position": position,
                    "operation": "update",
                    "key": {"id": row["id"]},
                    "row": {**row, **row_extra},
                    "origin": "monolith",
                }
                for position, row in changes
            ],
        }
    ).encode()


def queue_depth(amqp_uri: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    except pika.exceptions.ChannelClosedByBroker:
        return -1
    finally:
        if connection.is_open:
            connection.close()


def consumed(amqp_uri: str, queue: str) -> Callable[[], bool]:
    def check() -> bool:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        try:
            declared = connection.channel().queue_declare(queue, passive=True)
            return int(declared.method.consumer_count) > 0
        except pika.exceptions.ChannelClosedByBroker:
            return False
        finally:
            if connection.is_open:
                connection.close()

    return check


def publish(amqp_uri: str, bodies: list[tuple[bytes, str]]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for body, content_type in bodies:
            channel.basic_publish(
                "strangler.changes",
                "orders",
                body,
                pika.BasicProperties(content_type=content_type, delivery_mode=2),
                mandatory=True,
            )
    finally:
        connection.close()


def dead_letters(amqp_uri: str, queue: str) -> list[tuple[str, bytes]]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        letters: list[tuple[str, bytes]] = []
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return letters
            letters.append((properties.headers["x-strangler-reason"], body))
    finally:
        connection.close()


def delete_queues(amqp_uri: str, names: list[str]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        for name in names:
            channel.queue_delete(name)
    finally:
        connection.close()


def orders(url: str) -> dict[int, tuple[Decimal, str | None]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, total, note FROM shop_orders")).all()
    finally:
        engine.dispose()
    return {row.id: (Decimal(str(row.total)).quantize(Decimal("0.01")), row.note) for row in rows}


@pytest.mark.parametrize(
    "target_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_changes_apply_once_in_order_and_poison_is_dead_lettered(
    tmp_path: Path, amqp_uri: str, target_kind: str, request: pytest.FixtureRequest
) -> None:
    services = tmp_path / "services"
    name = write_shop_package(services, manifest_extra="sync = true\n")
    (services / name / "service.py").write_text(SERVICE_CODE.format(name=name))
    source = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(source)
    if target_kind == "postgres":
        target = request.getfixturevalue("postgres_url")
    else:
        target = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    package = find_services([services]).find(name)
    backfill_service(package, source, target)
    queue, dead = f"sync-{name}", f"sync-{name}.dead"
    argv = strangler_argv(
        *("service", "run", name, "--services-dir", str(services)),
        *("--amqp-uri", amqp_uri, "--database-url", target),
    )
    poison = orders_message((20, order(101, "1.00", None, customer=11)), colour="red")
    try:
        with ProcessGroup(tmp_path / "logs") as group:
            process = group.start("shop", argv)
            process.wait_ready(consumed(amqp_uri, queue), timeout=60)
            publish(
                amqp_uri,
                [
                    (orders_message((10, order(100, "20.00", "gift wrap"))), "application/json"),
                    (orders_message((12, order(100, "30.00", "gift wrap"))), "application/json"),
                    # delivered again, and a late change: neither overwrites position 12
                    (orders_message((10, order(100, "20.00", "gift wrap"))), "application/json"),
                    (orders_message((11, order(100, "25.00", "late"))), "application/json"),
                    (poison, "application/json"),
                    (b"{not json", "application/json"),
                    (orders_message((13, order(105, "99.99", "fast", 3))), "application/json"),
                ],
            )
            assert wait_until(
                lambda: (
                    queue_depth(amqp_uri, dead) == 2
                    and queue_depth(amqp_uri, queue) == 0
                    and orders(target)[105][1] == "fast"
                ),
                timeout=30,
            ), process.log_tail()
            time.sleep(1)  # the last workers settle
            assert orders(target) == {
                100: (Decimal("30.00"), "gift wrap"),
                101: (Decimal("0.00"), "ünïcode ✓"),  # the poison wrote nothing
                105: (Decimal("99.99"), "fast"),
            }
            reasons = {body: reason for reason, body in dead_letters(amqp_uri, dead)}
            assert set(reasons) == {poison, b"{not json"}
            assert reasons[poison] == (
                "schema mismatch: shop_orders has no column colour (change monolith:orders:20)"
            )
            assert reasons[b"{not json"].startswith("bad payload: the body cannot be decoded")
        assert not process.running()
        # the applier's own table does not stop a later backfill (it is not a copy)
        backfill_service(package, source, target)
    finally:
        delete_queues(amqp_uri, [queue, dead])


@pytest.mark.postgres
def test_a_backlog_is_applied_in_batches_its_poison_refused_alone(
    tmp_path: Path, amqp_uri: str, postgres_url: str
) -> None:
    """60 messages wait before the service starts: one (a poison) is dead-lettered, one
    (delivered twice) applied once, every other applied, in far fewer transactions."""
    services = tmp_path / "services"
    name = write_shop_package(services, manifest_extra="sync = true\n")
    (services / name / "service.py").write_text(SERVICE_CODE.format(name=name))
    source = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(source)
    backfill_service(find_services([services]).find(name), source, postgres_url)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:  # each write of the applier, with its transaction
        connection.exec_driver_sql("CREATE TABLE write_log (txid bigint NOT NULL)")
        connection.exec_driver_sql(
            "CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO write_log VALUES (txid_current()); RETURN NULL; END $$"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER log_write AFTER INSERT OR UPDATE ON shop_orders"
            " FOR EACH ROW EXECUTE FUNCTION log_write()"
        )
    keys = (100, 101, 105)
    backlog = [
        orders_message((1000 + n, order(keys[n % 3], f"{n}.00", f"v{n}"))) for n in range(60)
    ]
    poison = orders_message((1030, order(100, "30.00", "v30")), colour="red")
    backlog[30] = poison
    queue, dead = f"sync-{name}", f"sync-{name}.dead"
    declare_service_queues(amqp_uri, name, ["orders"])
    publish(amqp_uri, [(body, "application/json") for body in [*backlog, backlog[10]]])
    argv = strangler_argv(
        *("service", "run", name, "--services-dir", str(services)),
        *("--amqp-uri", amqp_uri, "--database-url", postgres_url),
    )
    try:
        with ProcessGroup(tmp_path / "logs") as group:
            process = group.start("shop", argv)
            assert wait_until(
                lambda: queue_depth(amqp_uri, dead) == 1 and queue_depth(amqp_uri, queue) == 0,
                timeout=60,
            ), process.log_tail()
            assert wait_until(lambda: orders(postgres_url)[105][1] == "v59", timeout=10)
        with engine.connect() as connection:
            transactions = connection.exec_driver_sql(
                "SELECT count(*), count(DISTINCT txid) FROM write_log"
            ).one()
        assert orders(postgres_url) == {
            100: (Decimal("57.00"), "v57"),
            101: (Decimal("58.00"), "v58"),
            105: (Decimal("59.00"), "v59"),
        }
        assert transactions[0] == 59  # every message but the poison, and none twice
        assert transactions[1] <= 20  # batches, not a transaction per message
        [(reason, body)] = dead_letters(amqp_uri, dead)
        assert body == poison
        assert reason == (
            "schema mismatch: shop_orders has no column colour (change monolith:orders:1030)"
        )
    finally:
        engine.dispose()
        delete_queues(amqp_uri, [queue, dead])
