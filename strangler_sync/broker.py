"""RabbitMQ with pika: declaring a service's queues and publishing with confirms.

pika's errors stop here: a broker that cannot be reached is `BrokerUnavailable`, one lost
while publishing is `BrokerLost` (the relay reconnects), a message no queue takes is
`UnroutableChanges`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pika
from pika.channel import Channel
from pika.exceptions import AMQPError, ChannelClosedByBroker

from strangler.changes import (
    CHANGES_EXCHANGE,
    back_dead_letter_queue,
    back_queue,
    dead_letter_queue,
    sync_queue,
    sync_queue_arguments,
)
from strangler.redaction import hide_password
from strangler_sync.errors import BrokerUnavailable, UnroutableChanges

CONNECTION_NAME = "strangler sync"
CONTENT_TYPE = "application/json"
OPEN_TIMEOUT_SECONDS = 30.0  # for the connection to open (or close)
CONFIRM_TIMEOUT_SECONDS = 60.0  # for a batch's confirms: then the connection counts as lost


class BrokerLost(Exception):
    """The connection went away (or the broker refused a message) mid-publish: retry."""


def parameters(amqp_uri: str) -> pika.URLParameters:
    """The connection parameters of `amqp_uri`, or `BrokerUnavailable` saying why not."""
    try:
        parsed = pika.URLParameters(amqp_uri)
    except (ValueError, TypeError) as exc:
        raise BrokerUnavailable(
            f"AMQP URI {hide_password(amqp_uri)!r} is not usable: {exc}",
            hint="use e.g. amqp://guest:guest@127.0.0.1:5672/",
        ) from None
    parsed.client_properties = {"connection_name": CONNECTION_NAME}
    return parsed


def connect(amqp_uri: str) -> pika.BlockingConnection:
    """A connection to `amqp_uri`, or `BrokerUnavailable` saying why."""
    try:
        return pika.BlockingConnection(parameters(amqp_uri))
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
    """Delete `service`'s queues both ways and their dead-letter queues, with what they hold."""
    connection = connect(amqp_uri)
    try:
        channel = connection.channel()
        for queue in (dead_letter_queue, sync_queue, back_dead_letter_queue, back_queue):
            channel.queue_delete(queue(service))  # a missing queue is not an error
    finally:
        if connection.is_open:
            connection.close()


SCAN_WAIT_SECONDS = 1.0  # the longest wait for the next message while looking through a queue


def stale_messages(
    amqp_uri: str, queue: str, stale: Callable[[bytes], bool], *, purge: bool = False
) -> int:
    """How many of `queue`'s waiting messages are `stale` (0 if it is not declared); with
    `purge`, those are deleted.

    Every waiting message is taken without acknowledging it and, unless deleted, given
    back as the connection closes: the others keep their places. An applier consuming
    meanwhile gets what this look is not holding.
    """
    connection = connect(amqp_uri)
    try:
        channel = connection.channel()
        try:
            waiting = channel.queue_declare(queue, passive=True).method.message_count
        except ChannelClosedByBroker:  # 404: not declared, so nothing waits
            return 0
        found = looked = 0
        if waiting:
            for method, _, body in channel.consume(queue, inactivity_timeout=SCAN_WAIT_SECONDS):
                if method is None:
                    break
                looked += 1
                if stale(body):
                    found += 1
                    if purge:
                        channel.basic_ack(method.delivery_tag)
                if looked >= waiting:
                    break
        return found
    except AMQPError as exc:
        raise BrokerUnavailable(
            f"RabbitMQ did not let `sync install` look through {queue}: {_reason(exc)}"
        ) from None
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


def queue_backlog(amqp_uri: str, service: str, *, back: bool = False) -> QueueBacklog:
    """Count the waiting and dead messages of `service`'s queue (`back`: of its changes
    going back, `sync-back-<service>`); peek at the first waiting one's age.

    The peek takes the message and gives it straight back (requeue): it keeps its place,
    and an applier that then gets it marked as redelivered skips nothing it should apply.
    """
    name = back_queue(service) if back else sync_queue(service)
    dead_name = back_dead_letter_queue(service) if back else dead_letter_queue(service)
    connection = connect(amqp_uri)
    try:
        channel = connection.channel()
        try:
            queue = channel.queue_declare(name, passive=True).method
            dead = channel.queue_declare(dead_name, passive=True).method
        except ChannelClosedByBroker:  # 404: not declared
            return QueueBacklog(declared=False)
        oldest = None
        if queue.message_count:
            method, properties, _ = channel.basic_get(name, auto_ack=False)
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


@dataclass(frozen=True)
class OutgoingMessage:
    """A change message to publish: routed by its monolith `table`."""

    table: str
    body: bytes
    message_id: str


class ChangePublisher:
    """Publishes batches of change messages with publisher confirms, all of a batch in
    flight at once: `publish` sends every message, then waits until the broker confirmed
    them all (one wait per batch, not per message).

    pika's BlockingConnection waits for each confirm in turn, so this drives a
    SelectConnection's I/O loop itself, only while it connects, publishes or closes.
    Between batches nothing reads the socket; a connection the broker dropped meanwhile
    is found at the next batch (`BrokerLost`, the relay reconnects).
    """

    def __init__(self, amqp_uri: str) -> None:
        self._uri = amqp_uri
        self._lost: str | None = None  # why the connection or channel went away
        self._channel: Channel | None = None
        self._ready = False  # the channel is in confirm mode
        self._sent = 0  # delivery tags handed out on the channel (the broker counts alike)
        self._unconfirmed: set[int] = set()
        self._nacked = 0
        self._returned: list[str] = []  # tables of messages no queue took
        self._done: Callable[[], bool] = lambda: True
        self._connection = pika.SelectConnection(
            parameters(amqp_uri),
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_close,
        )
        self._run_until(lambda: self._ready, OPEN_TIMEOUT_SECONDS)
        if not self._ready:
            reason = self._lost or f"no answer within {OPEN_TIMEOUT_SECONDS:g}s"
            self.close()
            raise BrokerUnavailable(
                f"cannot connect to RabbitMQ at {hide_password(amqp_uri)}: {reason}",
                hint="check that RabbitMQ runs (`make services`) and the URI is right",
            )

    def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish each message persistent and mandatory to the exchange, routed by its
        table; return once the broker confirmed them all. `UnroutableChanges` when a
        message had no queue; `BrokerLost` when the connection went away, a message was
        refused (nack) or confirms did not come in time."""
        if self._lost is not None or self._channel is None:
            raise BrokerLost(self._lost or "the channel is not open")
        timestamp = int(time.time())  # `sync status` tells a waiting message's age by it
        try:
            for message in messages:
                properties = pika.BasicProperties(
                    content_type=CONTENT_TYPE,
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=message.message_id,
                    timestamp=timestamp,
                )
                self._channel.basic_publish(
                    CHANGES_EXCHANGE, message.table, message.body, properties, mandatory=True
                )
                self._sent += 1
                self._unconfirmed.add(self._sent)
        except AMQPError as exc:
            raise BrokerLost(_reason(exc)) from None
        self._run_until(lambda: not self._unconfirmed, CONFIRM_TIMEOUT_SECONDS)
        if self._lost is not None:
            raise BrokerLost(self._lost)
        if self._unconfirmed:
            raise BrokerLost(f"no confirm within {CONFIRM_TIMEOUT_SECONDS:g}s")
        returned, self._returned = self._returned, []
        nacked, self._nacked = self._nacked, 0
        if returned:
            raise UnroutableChanges(
                f"no queue takes changes of table {returned[0]!r} (exchange {CHANGES_EXCHANGE});"
                " they stay in the change table",
                hint="run `strangler sync install SERVICE` again for the services that copy it",
            )
        if nacked:
            raise BrokerLost(f"the broker refused (nack) {nacked} message(s)")

    def close(self) -> None:
        """Close the connection, quietly if it is already gone."""
        if self._connection.is_open:
            try:
                self._connection.close()
            except AMQPError:
                return
        self._run_until(lambda: self._connection.is_closed, OPEN_TIMEOUT_SECONDS)

    def _run_until(self, done: Callable[[], bool], timeout: float) -> None:
        """Run the I/O loop until `done()`, the connection is closed, or `timeout` passed.

        The loop is stopped only from its own callbacks: a `stop` while it is not running
        would end its next run at once."""
        if done() or self._connection.is_closed:
            return
        self._done = done
        ioloop = self._connection.ioloop
        timer = ioloop.call_later(timeout, ioloop.stop)
        ioloop.start()
        ioloop.remove_timeout(timer)

    def _settled(self) -> None:
        if self._done():
            self._connection.ioloop.stop()

    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, frame: pika.frame.Method) -> None:
        self._ready = True
        self._settled()

    def _on_confirm(self, frame: pika.frame.Method) -> None:
        method = frame.method
        tag = method.delivery_tag
        confirmed = (
            {sent for sent in self._unconfirmed if sent <= tag} if method.multiple else {tag}
        )
        if isinstance(method, pika.spec.Basic.Nack):
            self._nacked += len(confirmed & self._unconfirmed)
        self._unconfirmed -= confirmed
        self._settled()

    def _on_return(
        self,
        channel: Channel,
        method: pika.spec.Basic.Return,
        properties: pika.BasicProperties,
        body: bytes,
    ) -> None:
        self._returned.append(method.routing_key)

    def _on_open_error(self, connection: pika.SelectConnection, error: BaseException) -> None:
        self._lost = _why(error)
        self._connection.ioloop.stop()

    def _on_close(self, connection: pika.SelectConnection, reason: BaseException) -> None:
        self._lost = self._lost or _why(reason)
        self._connection.ioloop.stop()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        self._lost = self._lost or _why(reason)
        if self._connection.is_open:
            self._connection.close()
        self._connection.ioloop.stop()


def _reason(error: AMQPError) -> str:
    text = str(error).strip()
    return text or type(error).__name__


def _why(error: BaseException) -> str:
    """What pika handed a callback, as a line (an AMQPError, or another exception)."""
    return _reason(error) if isinstance(error, AMQPError) else str(error) or type(error).__name__
