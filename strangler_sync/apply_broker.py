"""RabbitMQ for the reverse flow: the queue `sync apply` consumes, and consuming it with pika.

`sync install --side service` declares `sync-back-<service>`, bound to `strangler.changes`
by the monolith's name of each table the service sends back, and its dead-letter queue;
`sync apply` declares them again (same arguments) before consuming. pika's errors stop
here: a broker that cannot be reached is `BrokerUnavailable`, one lost while consuming is
`BrokerLost` (the applier reconnects).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError

from strangler.changes import (
    CHANGES_EXCHANGE,
    REASON_HEADER,
    back_dead_letter_queue,
    back_queue,
    back_queue_arguments,
)
from strangler_sync.broker import BrokerLost, connect
from strangler_sync.errors import BrokerUnavailable


@dataclass(frozen=True)
class Delivery:
    """One message taken from the queue, to be acknowledged, dead-lettered or given back."""

    tag: int
    body: bytes
    properties: pika.BasicProperties


def declare_back_queues(amqp_uri: str, service: str, tables: Sequence[str]) -> None:
    """The exchange, `sync-back-<service>` bound to each of `tables`, and its dead queue."""
    connection = connect(amqp_uri)
    try:
        _declare(connection.channel(), service, tables)
    except AMQPError as exc:
        raise BrokerUnavailable(
            f"RabbitMQ refused the queues of service {service!r}'s changes going back: {exc}",
            hint=f"a queue {back_queue(service)} declared with other arguments must go first",
        ) from None
    finally:
        if connection.is_open:
            connection.close()


def _declare(channel: BlockingChannel, service: str, tables: Sequence[str]) -> None:
    channel.exchange_declare(CHANGES_EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_declare(back_dead_letter_queue(service), durable=True)
    channel.queue_declare(
        back_queue(service), durable=True, arguments=back_queue_arguments(service)
    )
    for table in tables:
        channel.queue_bind(back_queue(service), CHANGES_EXCHANGE, routing_key=table)


class BackConsumer:
    """Takes `sync-back-<service>`'s messages one at a time (at most `prefetch` unsettled)."""

    def __init__(self, amqp_uri: str, service: str, tables: Sequence[str], prefetch: int) -> None:
        self._service = service
        self._connection = connect(amqp_uri)
        try:
            self._channel: BlockingChannel = self._connection.channel()
            _declare(self._channel, service, tables)
            self._channel.confirm_delivery()  # a dead letter is kept before its ack
            self._channel.basic_qos(prefetch_count=prefetch)
        except AMQPError as exc:
            self.close()
            raise BrokerLost(str(exc) or type(exc).__name__) from None

    def deliveries(self, wait_seconds: float) -> Iterator[Delivery | None]:
        """The queue's messages as they come; None after `wait_seconds` without one."""
        try:
            for method, properties, body in self._channel.consume(
                back_queue(self._service), inactivity_timeout=wait_seconds
            ):
                if method is None:
                    yield None
                else:
                    yield Delivery(method.delivery_tag, body, properties)
        except AMQPError as exc:
            raise BrokerLost(str(exc) or type(exc).__name__) from None

    def ack(self, delivery: Delivery) -> None:
        self._settle(lambda: self._channel.basic_ack(delivery.tag))

    def give_back(self, delivery: Delivery) -> None:
        """Return the message to the queue (applied later, by this process or another)."""
        self._settle(lambda: self._channel.basic_nack(delivery.tag, requeue=True))

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        """Publish the message as it came, with `reason`, to the dead queue; then ack it."""
        headers = {**(delivery.properties.headers or {}), REASON_HEADER: reason}
        properties = pika.BasicProperties(
            content_type=delivery.properties.content_type,
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=delivery.properties.message_id,
            timestamp=delivery.properties.timestamp,
            headers=headers,
        )
        self._settle(
            lambda: self._channel.basic_publish(
                "", back_dead_letter_queue(self._service), delivery.body, properties
            )
        )
        self.ack(delivery)

    def close(self) -> None:
        """Give back what was taken and not settled, and close, quietly if already gone."""
        try:
            if self._connection.is_open:
                self._connection.close()
        except AMQPError:
            pass

    def _settle(self, action: Callable[[], object]) -> None:
        try:
            action()
        except AMQPError as exc:
            raise BrokerLost(str(exc) or type(exc).__name__) from None
