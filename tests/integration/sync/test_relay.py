"""The relay on real RabbitMQ: one message per transaction and table, in order, deleted
only once confirmed; a late commit never overtaken; a broker that goes away loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pika
import pytest
from ci_rules import require_command
from click.testing import CliRunner
from sqlalchemy import Engine
from waiting import wait_until

from strangler.changes import CHANGES_EXCHANGE as EXCHANGE
from strangler_cli import cli
from strangler_sync.broker import connect
from strangler_sync.capture import install_capture
from strangler_sync.errors import UnroutableChanges
from strangler_sync.relay import RelaySettings, run_relay

pytestmark = pytest.mark.rabbitmq
REPOSITORY = Path(__file__).resolve().parents[3]
QUEUES = ("sync-catalog", "sync-catalog.dead")


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    """The test vhost's URI; the catalog's sync queues are deleted afterwards."""
    yield amqp_uri
    connection = connect(amqp_uri)
    channel = connection.channel()
    for queue in QUEUES:
        channel.queue_delete(queue)
    connection.close()


def install_catalog(monolith_url: str, amqp_uri: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["sync", "install", "catalog", "--database-url", monolith_url, "--amqp-uri", amqp_uri],
    )
    assert result.exit_code == 0, result.output
    assert "queue sync-catalog bound to categories, products" in result.output


def write(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def drain(engine: Engine, amqp_uri: str) -> list[str]:
    lines: list[str] = []
    run_relay(engine, RelaySettings(amqp_uri, drain=True), threading.Event(), lines.append)
    return lines


def consume(amqp_uri: str, queue: str = "sync-catalog") -> list[tuple[Any, dict[str, Any]]]:
    """Every message now in `queue`, acknowledged: (properties, body)."""
    connection = connect(amqp_uri)
    channel = connection.channel()
    messages = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        messages.append((properties, json.loads(body)))
    connection.close()
    return messages


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM strangler_changes").scalar_one()
        return int(count)


def test_install_declares_the_queues_a_service_that_never_ran_needs(
    monolith_url: str, broker: str
) -> None:
    install_catalog(monolith_url, broker)
    connection = connect(broker)
    channel = connection.channel()
    channel.basic_publish(EXCHANGE, "products", b"{}")
    assert wait_until(
        lambda: channel.queue_declare("sync-catalog", passive=True).method.message_count == 1
    )
    method, _, _ = channel.basic_get("sync-catalog")
    channel.basic_reject(method.delivery_tag, requeue=False)  # an applier refusing it
    assert wait_until(
        lambda: channel.queue_declare("sync-catalog.dead", passive=True).method.message_count == 1
    )
    connection.close()


def test_a_transaction_becomes_one_message_per_table_in_order_deleted_once_confirmed(
    monolith_url: str, monolith: Engine, broker: str
) -> None:
    install_catalog(monolith_url, broker)
    write(
        monolith,
        "UPDATE products SET price_cents = 101 WHERE id = 1",
        "UPDATE categories SET name = 'Renamed' WHERE id = 2",
        "UPDATE products SET price_cents = 102 WHERE id = 2",
    )
    write(monolith, "UPDATE products SET price_cents = 103 WHERE id = 1")

    lines = drain(monolith, broker)

    assert pending(monolith) == 0
    assert "published 4 changes" in lines[-1]
    messages = consume(broker)
    tables = [(body["table"], [c["key"]["id"] for c in body["changes"]]) for _, body in messages]
    if monolith.dialect.name == "postgresql":
        assert tables == [("products", [1, 2]), ("categories", [2]), ("products", [1])]
        first, _, last = (body["transaction"] for _, body in messages)
        assert first is not None and first != last
    else:  # no transaction ids: a message per change
        assert tables == [
            ("products", [1]),
            ("categories", [2]),
            ("products", [2]),
            ("products", [1]),
        ]
    positions = [c["position"] for _, body in messages for c in body["changes"]]
    assert sorted(positions) == sorted(set(positions))
    assert [
        c["row"]["price_cents"] for _, b in messages for c in b["changes"] if c["key"] == {"id": 1}
    ] == [101, 103]
    properties, body = messages[0]
    assert properties.delivery_mode == pika.DeliveryMode.Persistent.value
    assert properties.content_type == "application/json"
    change = body["changes"][0]
    assert change["id"] == f"monolith:products:{change['position']}"
    assert change["operation"] == "update" and change["origin"] == "monolith"


def test_changes_no_queue_takes_stay_in_the_change_table(monolith: Engine, broker: str) -> None:
    install_capture(monolith, "catalog", ["products"], first_position=1)
    connection = connect(broker)
    connection.channel().exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    connection.close()
    write(monolith, "UPDATE products SET price_cents = 1 WHERE id = 1")

    with pytest.raises(UnroutableChanges, match="no queue takes changes of table 'products'"):
        drain(monolith, broker)
    assert pending(monolith) == 1


@pytest.mark.postgres
def test_a_late_commit_with_a_smaller_position_is_never_overtaken(
    postgres_url: str, broker: str
) -> None:
    """Transaction X gets the older id, Y draws the smaller position, X commits first:
    X's change waits until Y ended, then both go, Y's first."""
    from legacy_monolith.seed import seed_database
    from strangler.database import open_engine

    seed_database(postgres_url, products=12, users=4, orders=3)
    install_catalog(postgres_url, broker)
    engine = open_engine(postgres_url)
    x, y = engine.connect(), engine.connect()
    try:
        x.exec_driver_sql("UPDATE users SET name = 'x' WHERE id = 1")  # X's id comes first
        y.exec_driver_sql("UPDATE products SET price_cents = 201 WHERE id = 1")  # smaller position
        x.exec_driver_sql("UPDATE products SET price_cents = 202 WHERE id = 2")
        x.commit()

        drain(engine, broker)
        assert consume(broker) == []  # X's change is visible, but Y may still commit below it
        assert pending(engine) == 1

        y.commit()
        drain(engine, broker)
        prices = [body["changes"][0]["row"]["price_cents"] for _, body in consume(broker)]
        assert prices == [201, 202]
    finally:
        x.close()
        y.close()
        engine.dispose()


@pytest.mark.postgres
def test_a_long_transaction_in_another_database_holds_nothing_up(
    postgres_url: str, broker: str
) -> None:
    from legacy_monolith.seed import seed_database
    from strangler.database import open_engine

    seed_database(postgres_url, products=12, users=4, orders=3)
    install_catalog(postgres_url, broker)
    engine = open_engine(postgres_url)
    elsewhere = open_engine(urlunsplit(urlsplit(postgres_url)._replace(path="/postgres")))
    other = elsewhere.connect()
    try:
        other.exec_driver_sql("SELECT txid_current()")  # holds a transaction id, open
        write(engine, "UPDATE products SET price_cents = 7 WHERE id = 1")
        drain(engine, broker)
        assert [body["changes"][0]["row"]["price_cents"] for _, body in consume(broker)] == [7]
    finally:
        other.close()
        elsewhere.dispose()
        engine.dispose()


@pytest.mark.postgres
def test_a_broker_that_goes_away_mid_relay_loses_nothing(
    postgres_url: str, broker: str, tmp_path: Path
) -> None:
    require_command("rabbitmqctl", "it closes the relay's connection from the broker side")
    from legacy_monolith.seed import seed_database
    from strangler.database import open_engine

    seed_database(postgres_url, products=12, users=4, orders=3)
    install_catalog(postgres_url, broker)
    engine = open_engine(postgres_url)
    log = tmp_path / "relay.log"
    with log.open("wb") as output:
        relay = subprocess.Popen(
            [sys.executable, "-m", "strangler_cli", "sync", "run", "--database-url", postgres_url,
             "--amqp-uri", broker, "--poll-interval", "0.05"],
            cwd=REPOSITORY, stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        try:
            for price in range(30):
                write(
                    engine, f"UPDATE products SET price_cents = {price} WHERE id = {price % 12 + 1}"
                )
                if price == 10:
                    close_relay_connections(broker)
                if price == 20:  # away for a while: reconnecting fails until it is back
                    set_guest_permissions(broker, allowed=False)
                    close_relay_connections(broker)
                if price == 25:
                    failed_once = wait_until(lambda: "reconnecting in 1s" in log.read_text(), 20)
                    assert failed_once, log.read_text()
                    set_guest_permissions(broker, allowed=True)
            assert wait_until(lambda: pending(engine) == 0, timeout=60), log.read_text()
            relay.send_signal(signal.SIGTERM)
            assert relay.wait(timeout=30) == 0
        finally:
            set_guest_permissions(broker, allowed=True)
            if relay.poll() is None:
                relay.kill()
                relay.wait()
            engine.dispose()
    output_text = log.read_text()
    assert "broker connection lost" in output_text
    assert "relay stopped" in output_text
    prices = {c["row"]["price_cents"] for _, body in consume(broker) for c in body["changes"]}
    assert prices == set(range(30))


def vhost_of(amqp_uri: str) -> str:
    return unquote(urlsplit(amqp_uri).path[1:]) or "/"


def close_relay_connections(amqp_uri: str) -> None:
    """Make RabbitMQ close every connection of the test's vhost."""
    rabbitmqctl("close_all_connections", "-p", vhost_of(amqp_uri), "strangler sync test")


def set_guest_permissions(amqp_uri: str, *, allowed: bool) -> None:
    """Let the test's user into its vhost, or keep it out (the broker seems away)."""
    user = urlsplit(amqp_uri).username or "guest"
    if allowed:
        rabbitmqctl("set_permissions", "-p", vhost_of(amqp_uri), user, ".*", ".*", ".*")
    else:
        rabbitmqctl("clear_permissions", "-p", vhost_of(amqp_uri), user)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)
