"""RabbitMQ with pika: declaring a service's queues and publishing with confirms.

pika's errors stop here: a broker that cannot be reached is `BrokerUnavailable`, one lost
while publishing is `BrokerLost` (the relay reconnects), a message no queue takes is
`UnroutableChanges`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, ChannelClosedByBroker, NackError, UnroutableError

from strangler.changes import CHANGES_EXCHANGE, dead_letter_queue, sync_queue, sync_queue_arguments
from strangler.redaction import hide_password
from strangler_sync.errors import BrokerUnavailable, UnroutableChanges

CONNECTION_NAME = "strangler sync"
CONTENT_TYPE = "application/json"


class BrokerLost(Exception):
    """The connection went away (or the broker refused a message) mid-publish: retry."""


def connect(amqp_uri: str) -> pika.BlockingConnection:
    """A connection to `amqp_uri`, or `BrokerUnavailable` saying why."""
    try:
        parameters = pika.URLParameters(amqp_uri)
    except (ValueError, TypeError) as exc:
        raise BrokerUnavailable(
            f"AMQP URI {hide_password(amqp_uri)!r} is not usable: {exc}",
            hint="use e.g. amqp://guest:guest@127.0.0.1:5672/",
        ) from None
    parameters.client_properties = {"connection_name": CONNECTION_NAME}
    try:
        return pika.BlockingConnection(parameters)
    except AMQPError as exc:
        raise BrokerUnavailable(
            f"cannot connect to RabbitMQ at {hide_password(amqp_uri)}: {_reason(exc)}",
            hint="check that RabbitMQ runs (`make services`) and the URI is right",
        ) from None


def declare_service_queues(amqp_uri: str, service: str, tables: Sequence[str]) -> None:
    """The exchange, `service`'s queue bound to each of `tables`, and its dead queue."""
    connection = connect(amqp_uri)
    try:
        channel = connection.channel()
        channel.exchange_declare(CHANGES_EXCHANGE, exchange_type="topic", durable=True)
        channel.queue_declare(dead_letter_queue(service), durable=True)
        channel.queue_declare(
            sync_queue(service), durable=True, arguments=sync_queue_arguments(service)
        )
        for table in tables:
            channel.queue_bind(sync_queue(service), CHANGES_EXCHANGE, routing_key=table)
    except AMQPError as exc:
        raise BrokerUnavailable(
            f"RabbitMQ refused the queues of service {service!r}: {_reason(exc)}",
            hint=f"a queue {sync_queue(service)} declared with other arguments must go first",
        ) from None
    finally:
        if connection.is_open:
            connection.close()


def delete_service_queues(amqp_uri: str, service: str) -> None:
    """Delete `service`'s queue and dead-letter queue, with whatever they hold."""
    connection = connect(amqp_uri)
    try:
        channel = connection.channel()
        channel.queue_delete(sync_queue(service))  # a missing queue is not an error
        channel.queue_delete(dead_letter_queue(service))
    finally:
        if connection.is_open:
            connection.close()


@dataclass(frozen=True)
class QueueBacklog:
    """What a service's queues hold; `declared` False: `sync install` never ran for it."""

    declared: bool
    waiting: int = 0  # ready messages, not yet handed to an applier
    consumers: int = 0
    dead: int = 0
    oldest_published: datetime | None = None  # the first waiting message's publish time


def queue_backlog(amqp_uri: str, service: str) -> QueueBacklog:
    """Count `service`'s waiting and dead messages; peek at the first waiting one's age.

    The peek takes the message and gives it straight back (requeue): it keeps its place,
    and an applier that then gets it marked as redelivered skips nothing it should apply.
    """
    connection = connect(amqp_uri)
    try:
        channel = connection.channel()
        try:
            queue = channel.queue_declare(sync_queue(service), passive=True).method
            dead = channel.queue_declare(dead_letter_queue(service), passive=True).method
        except ChannelClosedByBroker:  # 404: not declared
            return QueueBacklog(declared=False)
        oldest = None
        if queue.message_count:
            method, properties, _ = channel.basic_get(sync_queue(service), auto_ack=False)
            if method is not None:
                channel.basic_nack(method.delivery_tag, requeue=True)
                if properties.timestamp is not None:
                    oldest = datetime.fromtimestamp(properties.timestamp, UTC)
        return QueueBacklog(
            declared=True,
            waiting=queue.message_count,
            consumers=queue.consumer_count,
            dead=dead.message_count,
            oldest_published=oldest,
        )
    except AMQPError as exc:
        raise BrokerUnavailable(
            f"RabbitMQ did not tell the queues of service {service!r}: {_reason(exc)}"
        ) from None
    finally:
        if connection.is_open:
            connection.close()


class ChangePublisher:
    """Publishes change messages, each confirmed by the broker before `publish` returns."""

    def __init__(self, amqp_uri: str) -> None:
        self._connection = connect(amqp_uri)
        try:
            self._channel: BlockingChannel = self._connection.channel()
            self._channel.confirm_delivery()
        except AMQPError as exc:
            self.close()
            raise BrokerLost(_reason(exc)) from None

    def publish(self, table: str, body: bytes, message_id: str) -> None:
        """Publish persistent and mandatory to the exchange, routed by `table`; wait for the
        confirm."""
        properties = pika.BasicProperties(
            content_type=CONTENT_TYPE,
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=message_id,
            timestamp=int(time.time()),  # `sync status` tells a waiting message's age by it
        )
        try:
            self._channel.basic_publish(
                CHANGES_EXCHANGE, table, body, properties=properties, mandatory=True
            )
        except UnroutableError:
            raise UnroutableChanges(
                f"no queue takes changes of table {table!r} (exchange {CHANGES_EXCHANGE});"
                " they stay in the change table",
                hint="run `strangler sync install SERVICE` again for the services that copy it",
            ) from None
        except NackError:
            raise BrokerLost("the broker refused (nack) a message") from None
        except AMQPError as exc:
            raise BrokerLost(_reason(exc)) from None

    def close(self) -> None:
        """Close the connection, quietly if it is already gone."""
        try:
            if self._connection.is_open:
                self._connection.close()
        except AMQPError:
            pass


def _reason(error: AMQPError) -> str:
    text = str(error).strip()
    return text or type(error).__name__
