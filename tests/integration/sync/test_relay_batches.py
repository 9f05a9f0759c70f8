"""The relay's batches on real RabbitMQ: many messages in flight, confirmed together; a
running relay reads past what it published but has not deleted yet, so nothing goes twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from waiting import wait_until

from strangler.changes import CHANGES_EXCHANGE
from strangler_sync.broker import ChangePublisher, OutgoingMessage, connect
from strangler_sync.capture import install_capture
from strangler_sync.errors import UnroutableChanges
from strangler_sync.relay import RelaySettings, RelayTotals, run_relay

pytestmark = pytest.mark.rabbitmq
QUEUE = "relay-batches-products"


@pytest.fixture
def products_queue(amqp_uri: str) -> Iterator[str]:
    """A queue taking the exchange's `products` messages; deleted afterwards."""
    connection = connect(amqp_uri)
    channel = connection.channel()
    channel.exchange_declare(CHANGES_EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_declare(QUEUE, durable=True)
    channel.queue_bind(QUEUE, CHANGES_EXCHANGE, routing_key="products")
    connection.close()
    yield QUEUE
    connection = connect(amqp_uri)
    connection.channel().queue_delete(QUEUE)
    connection.close()


def queued(amqp_uri: str, queue: str) -> int:
    connection = connect(amqp_uri)
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def take_all(amqp_uri: str, queue: str) -> list[dict]:
    connection = connect(amqp_uri)
    channel = connection.channel()
    bodies = []
    while True:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        bodies.append(json.loads(body))
    connection.close()
    return bodies


def test_a_batch_is_in_the_queue_once_publish_returns(amqp_uri: str, products_queue: str) -> None:
    publisher = ChangePublisher(amqp_uri)
    try:
        publisher.publish(
            [OutgoingMessage("products", b'{"n": %d}' % n, f"m:{n}") for n in range(300)]
        )
        assert queued(amqp_uri, products_queue) == 300  # every one confirmed, so routed
        publisher.publish([OutgoingMessage("products", b'{"n": 300}', "m:300")])
    finally:
        publisher.close()
    assert [body["n"] for body in take_all(amqp_uri, products_queue)] == list(range(301))


def test_one_unroutable_message_in_a_batch_is_named(amqp_uri: str, products_queue: str) -> None:
    publisher = ChangePublisher(amqp_uri)
    try:
        batch = [
            OutgoingMessage("products", b"{}", "m:1"),
            OutgoingMessage("reviews", b"{}", "m:2"),  # no queue is bound by reviews
            OutgoingMessage("products", b"{}", "m:3"),
        ]
        with pytest.raises(UnroutableChanges, match="no queue takes changes of table 'reviews'"):
            publisher.publish(batch)
        # the channel goes on: the next batch is confirmed as usual
        publisher.publish([OutgoingMessage("products", b"{}", "m:4")])
    finally:
        publisher.close()
    assert queued(amqp_uri, products_queue) == 3


def test_a_running_relay_publishes_each_change_once_and_deletes_it_soon(
    monolith: Engine, amqp_uri: str, products_queue: str
) -> None:
    install_capture(monolith, "catalog", ["products"], first_position=1)
    stop = threading.Event()
    totals: list[RelayTotals] = []
    settings = RelaySettings(amqp_uri, poll_seconds=0.05)
    relay = threading.Thread(
        target=lambda: totals.append(run_relay(monolith, settings, stop, lambda line: None))
    )
    relay.start()
    try:
        for price in range(40):
            with monolith.begin() as connection:
                connection.exec_driver_sql(
                    f"UPDATE products SET price_cents = {price} WHERE id = {price % 12 + 1}"
                )
        assert wait_until(lambda: pending(monolith) == 0, timeout=30)
    finally:
        stop.set()
        relay.join(timeout=30)
    prices = [
        c["row"]["price_cents"] for b in take_all(amqp_uri, products_queue) for c in b["changes"]
    ]
    assert sorted(prices) == list(range(40))  # none twice, though deleted up to 1 s late
    assert totals[0].changes == 40


def pending(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.exec_driver_sql("SELECT count(*) FROM strangler_changes").scalar_one()
        )
