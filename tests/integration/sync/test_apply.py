"""`sync apply` on the real broker, into a SQLite monolith with capture installed: the
service's changes applied once and in order per row, not captured again; another origin's
write to an owned table recorded; poison dead-lettered; CLI refusals in one line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pika
import pytest
import sqlalchemy as sa
from ci_rules import require_command
from shop_package import build_monolith
from waiting import wait_until

from strangler.changes import REASON_HEADER
from strangler.database import open_engine
from strangler_sync.apply import ApplySettings, ApplyTotals, run_apply
from strangler_sync.capture import install_capture

pytestmark = pytest.mark.rabbitmq

SERVICE = "shop"
QUEUE, DEAD = f"sync-back-{SERVICE}", f"sync-back-{SERVICE}.dead"
NOTE_100 = "SELECT note FROM orders WHERE id = 100"


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    yield amqp_uri
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    for queue in (QUEUE, DEAD):
        connection.channel().queue_delete(queue)
    connection.close()


def message(
    source: str,
    origin: str,
    position: int,
    note: str,
    order: int = 100,
    database: str | None = None,
) -> bytes:
    row = {"id": order, "customer_id": 20, "total": "12.50", "note": note}
    return json.dumps(
        {
            "version": 1,
            "source": source,
            **({} if database is None else {"database": database}),
            "table": "orders",
            "transaction": None,
            "changes": [
                {
                    "id": f"{source}:orders:{position}",
                    "position": position,
                    "operation": "update",
                    "key": {"id": order},
                    "row": row,
                    "origin": origin,
                }
            ],
        }
    ).encode()


def publish(amqp_uri: str, bodies: list[bytes]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    for body in bodies:
        channel.basic_publish(
            "strangler.changes",
            "orders",
            body,
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )
    connection.close()


def dead_reasons(amqp_uri: str) -> list[str]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    reasons = []
    while True:
        method, properties, _ = channel.basic_get(DEAD, auto_ack=True)
        if method is None:
            break
        reasons.append(properties.headers[REASON_HEADER])
    connection.close()
    return reasons


def rows(engine: sa.Engine, query: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(query)]


def test_the_services_changes_apply_once_in_order_and_are_not_captured_again(
    tmp_path: Path, broker: str
) -> None:
    url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(url)
    monolith = open_engine(url)
    install_capture(monolith, "shop", ["orders"], first_position=1)  # the monolith's capture
    settings = ApplySettings(broker, SERVICE, tables=("orders",), owned=("orders",))
    stop, lines = threading.Event(), list[str]()
    totals: list[ApplyTotals] = []
    applier = threading.Thread(
        target=lambda: totals.append(run_apply(monolith, settings, stop, lines.append))
    )
    applier.start()
    try:
        assert wait_until(lambda: _consumers(broker) == 1)
        publish(
            broker,
            [
                message(SERVICE, SERVICE, 10, "first"),
                message(SERVICE, SERVICE, 12, "newest"),
                message(SERVICE, SERVICE, 10, "first"),  # delivered again
                message(SERVICE, SERVICE, 11, "late"),  # older than what was applied
                message("monolith", "monolith", 99, "forbidden", order=101),
                message("monolith", SERVICE, 13, "wrong source"),
                b"{not json",
            ],
        )
        assert wait_until(lambda: _waiting(broker) == 0 and _dead(broker) == 2)
    finally:
        stop.set()
        applier.join(timeout=10)
    (done,) = totals
    assert (done.messages, done.written, done.skipped) == (7, 2, 2)  # again, late: skipped
    assert (done.violations, done.dead_letters) == (1, 2)
    assert rows(monolith, "SELECT note FROM orders WHERE id IN (100, 101) ORDER BY id") == [
        ("newest",),
        ("ünïcode ✓",),  # the monolith's own write is not applied back
    ]
    assert rows(monolith, "SELECT count(*) FROM strangler_changes") == [(0,)]  # not captured
    assert rows(monolith, "SELECT table_name, origin FROM strangler_ownership_violations") == [
        ("orders", "monolith")
    ]
    assert "apply: error: shop owns orders, yet monolith wrote 1" in "\n".join(lines)
    reasons = dead_reasons(broker)
    assert reasons[0].endswith("run the relay of shop's database with --source shop")
    assert reasons[1].startswith("bad payload: the body is not JSON")
    monolith.dispose()


def test_a_change_captured_in_another_service_database_is_dead_lettered(
    tmp_path: Path, broker: str
) -> None:
    url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(url)
    monolith = open_engine(url)
    settings = ApplySettings(broker, SERVICE, tables=("orders",), owned=("orders",))
    stop = threading.Event()
    lines = list[str]()
    applier = threading.Thread(target=run_apply, args=(monolith, settings, stop, lines.append))
    applier.start()
    try:
        assert wait_until(lambda: _consumers(broker) == 1)
        publish(
            broker,
            [
                message(SERVICE, SERVICE, 1, "followed", database="aa11"),
                message(SERVICE, SERVICE, 2, "stale", database="bb22"),
            ],
        )
        assert wait_until(lambda: _waiting(broker) == 0 and _dead(broker) == 1)
    finally:
        stop.set()
        applier.join(timeout=10)
    assert rows(monolith, NOTE_100) == [("followed",)]
    [reason] = dead_reasons(broker)
    assert reason.startswith(
        "another database: change shop:orders:2 was captured in database bb22 of source"
        " 'shop', but this database follows aa11"
    )
    assert any("dead-lettered to sync-back-shop.dead: another database" in line for line in lines)
    monolith.dispose()


def test_a_broker_that_closes_the_connection_loses_nothing(tmp_path: Path, broker: str) -> None:
    require_command("rabbitmqctl", "it closes the applier's connection from the broker side")
    url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(url)
    monolith = open_engine(url)
    settings = ApplySettings(broker, SERVICE, tables=("orders",), owned=("orders",))
    stop, lines = threading.Event(), list[str]()
    applier = threading.Thread(target=run_apply, args=(monolith, settings, stop, lines.append))
    applier.start()
    try:
        assert wait_until(lambda: _consumers(broker) == 1)
        publish(broker, [message(SERVICE, SERVICE, 1, "before")])
        assert wait_until(lambda: rows(monolith, NOTE_100) == [("before",)])
        vhost = unquote(urlsplit(broker).path[1:]) or "/"
        subprocess.run(
            ["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "apply test"], check=True
        )
        assert wait_until(lambda: any("broker connection lost" in line for line in lines))
        publish(broker, [message(SERVICE, SERVICE, 2, "after")])
        assert wait_until(lambda: rows(monolith, NOTE_100) == [("after",)], timeout=30), lines
        assert "apply: reconnected to the broker" in lines
    finally:
        stop.set()
        applier.join(timeout=10)
        monolith.dispose()


def _queue(amqp_uri: str, queue: str) -> Any:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return connection.channel().queue_declare(queue, passive=True).method
    except pika.exceptions.ChannelClosedByBroker:
        return None
    finally:
        if connection.is_open:
            connection.close()


def _consumers(amqp_uri: str) -> int:
    method = _queue(amqp_uri, QUEUE)
    return 0 if method is None else int(method.consumer_count)


def _waiting(amqp_uri: str) -> int:
    return int(_queue(amqp_uri, QUEUE).message_count)


def _dead(amqp_uri: str) -> int:
    method = _queue(amqp_uri, DEAD)
    return 0 if method is None else int(method.message_count)


def write_package(services: Path, owns: str) -> None:
    package = services / SERVICE
    package.mkdir(parents=True)
    (package / "service.toml").write_text(
        f'name = "{SERVICE}"\nservice = "service:ShopService"\ndatabase_env = "SHOP_DB"\n'
        'default_database_url = "sqlite:///var/shop.sqlite3"\n'
        f'tables = ["orders", "customers"]\nowns = [{owns}]\n'
        'writes_foreign = [{table = "customers", handling = "off"}]\n'
    )
    (package / "config.yml").write_text(
        "AMQP_URI: ${AMQP_URI:amqp://guest:guest@127.0.0.1:5672/}\n"
        "DATABASE_URL: ${SHOP_DB:sqlite:///var/shop.sqlite3}\n"
    )
    (package / "service.py").write_text("class ShopService:\n    name = 'shop'\n")


def test_a_service_sending_nothing_back_is_refused_in_one_line(tmp_path: Path) -> None:
    write_package(tmp_path / "services", owns="")
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    build_monolith(url)
    where = ["--services-dir", str(tmp_path / "services")]
    for command in (
        ["sync", "apply", SERVICE, "--to-url", url, *where],
        ["sync", "install", SERVICE, "--side", "service", "--database-url", url, *where],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "strangler_cli", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert "service 'shop' sends nothing back" in done.stderr
        assert "Traceback" not in done.stderr
