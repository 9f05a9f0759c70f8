"""Call a Nameko service's RPC method from a plain process: pika, blocking, no eventlet.

The wire protocol is nameko 2.14's: the request `{"args": [], "kwargs": {...}}` goes to
the durable topic exchange `nameko-rpc` with routing key `<service>.<method>`, `reply_to`
a routing key bound to this client's exclusive reply queue, the call chain in the
`nameko.call_id_stack` header and the caller's context data as `nameko.<key>` headers.
Publishes are `mandatory` with publisher confirms, so an unroutable call is never
delivered.

How a request travels is the caller's `Delivery`: QUEUED requests are persistent and
never expire, so one sent while no instance runs waits in the service's durable
`rpc-<service>` queue and is applied later, even after its caller stopped waiting
(`RpcTimeout`): send only calls the service applies once per key. FAIL_FAST requests
expire at the call's timeout, and the service's queue is checked for consumers first,
so a stopped or unknown service fails at once (`RpcServiceAbsent`). A check that found
consumers holds for `consumer_check_seconds` on the connection that made it (per service):
its calls within that window skip it (one broker round trip less each). A service stopped
inside the window is not seen by them: such a call waits for its timeout, and its
request, which expires then, is never applied late; the check is made again after any
call that got no answer, and "no consumers" is never kept at all. A connection that sat
idle longer than the window is checked before it sends, so one the broker dropped
meanwhile is still replaced before the call, not lost with it.

Each thread owns one connection, channel and reply queue; a connection the broker
closed is replaced by a later call. `close` retires the client: idle connections close
at once, one in use closes when its call ends. pika's errors become the classes below, which
callers translate into their own.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import (
    AMQPChannelError,
    AMQPConnectionError,
    AMQPError,
    ChannelClosedByBroker,
    ChannelWrongStateError,
    ConnectionWrongStateError,
    NackError,
    UnroutableError,
)

from strangler.errors import StranglerError

RPC_EXCHANGE = "nameko-rpc"
CALL_ID_STACK_HEADER = "nameko.call_id_stack"
CONTEXT_HEADER_PREFIX = "nameko."
PERSISTENT = 2  # AMQP delivery mode: the broker keeps the message on disk
CONSUMER_CHECK_SECONDS = 1.0  # how long "the service's queue has consumers" is trusted
_NOT_FOUND = 404
# errors meaning "this connection is no good any more" (the broker went away or closed it)
_LINK_BROKEN = (AMQPConnectionError, ConnectionWrongStateError, ChannelWrongStateError)


@dataclass(frozen=True)
class Delivery:
    """How a call's request travels.

    `persistent`: kept on disk and never expiring (else it expires at the call's
    timeout); `check_consumers`: sent only while an instance consumes the service's queue.
    """

    persistent: bool
    check_consumers: bool


QUEUED = Delivery(persistent=True, check_consumers=False)
FAIL_FAST = Delivery(persistent=False, check_consumers=True)


class RpcFailure(StranglerError):
    """A call that gave no result."""


class RpcUnavailable(RpcFailure):
    """The call was never delivered (broker unreachable, or it refused the call)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"cannot call {service!r}: {reason}")
        self.service = service
        self.reason = reason


class RpcServiceAbsent(RpcUnavailable):
    """No queue takes the service's calls ("unroutable"), or none of its instances
    consumes it ("no consumers"): the call was not sent."""


class RpcTimeout(RpcFailure):
    """The call was sent but no answer came in time: the service may still apply it."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service!r} did not answer: {detail}")
        self.service = service
        self.detail = detail


class RpcLinkLost(RpcTimeout):
    """This client's broker connection broke during the call; the next call reconnects."""


class RpcRemoteError(RpcFailure):
    """The service answered with an exception (nameko's `exc_type` and `value`)."""

    def __init__(self, exc_type: str, value: str) -> None:
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type
        self.value = value


class _QueueMissing(Exception):
    """The service's RPC queue does not exist: nothing would route the call."""


class _Link:
    """One thread's connection, channel and reply queue."""

    def __init__(self, parameters: pika.URLParameters, caller: str) -> None:
        self.connection = pika.BlockingConnection(parameters)
        self.channel: BlockingChannel = self.connection.channel()
        self.channel.exchange_declare(RPC_EXCHANGE, exchange_type="topic", durable=True)
        self.channel.confirm_delivery()
        self.reply_to = str(uuid.uuid4())
        queue = f"rpc.reply-{caller}-{self.reply_to}"
        self.channel.queue_declare(queue, exclusive=True, auto_delete=True)
        self.channel.queue_bind(queue, RPC_EXCHANGE, routing_key=self.reply_to)
        self.channel.basic_consume(queue, self._on_reply, auto_ack=True)
        self._probe: BlockingChannel | None = None
        self.consumers_seen: dict[str, float] = {}  # service -> when its check last passed
        self._expected: str | None = None
        self._reply: bytes | None = None

    def _on_reply(
        self, channel: BlockingChannel, method: Any, properties: pika.BasicProperties, body: bytes
    ) -> None:
        # answers to calls that timed out arrive late: they are dropped here
        if properties.correlation_id == self._expected:
            self._reply = body

    def consumer_count(self, queue: str) -> int:
        if self._probe is None or not self._probe.is_open:
            self._probe = self.connection.channel()
        try:
            declared = self._probe.queue_declare(queue, passive=True)
        except ChannelClosedByBroker as exc:
            if exc.reply_code == _NOT_FOUND:
                raise _QueueMissing(queue) from exc
            raise
        return int(declared.method.consumer_count)

    def publish(self, routing_key: str, body: bytes, properties: pika.BasicProperties) -> None:
        self._expected = properties.correlation_id
        self._reply = None
        self.channel.basic_publish(RPC_EXCHANGE, routing_key, body, properties, mandatory=True)

    def wait_reply(self, deadline: float) -> bytes | None:
        """The reply to the last published call, or None at the deadline."""
        while self._reply is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.connection.process_data_events(time_limit=remaining)
        return self._reply

    def close(self) -> None:
        try:
            if self.connection.is_open:
                self.connection.close()
        except AMQPError:
            pass


class _Links:
    """A client's open links, which ones a call uses now, and whether the client is retired.

    Only the thread using a link touches it; an idle one is closed by whoever retires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[_Link, bool] = {}
        self._retired = False

    def add(self, link: _Link) -> None:
        """A new link, in use by the calling thread."""
        with self._lock:
            self._busy[link] = True

    def take(self, link: _Link) -> bool:
        """Mark a kept link in use; False when it was closed since (retired or dropped)."""
        with self._lock:
            if link not in self._busy:
                return False
            self._busy[link] = True
            return True

    def put_back(self, link: _Link) -> None:
        """The call using `link` ended: it is kept idle, or closed if the client is retired."""
        with self._lock:
            if link not in self._busy:
                return
            if not self._retired:
                self._busy[link] = False
                return
            del self._busy[link]
        link.close()

    def drop(self, link: _Link) -> None:
        with self._lock:
            self._busy.pop(link, None)
        link.close()

    def retire(self) -> None:
        """Close every idle link now; a link in use is closed when it is put back."""
        with self._lock:
            self._retired = True
            idle = [link for link, busy in self._busy.items() if not busy]
            for link in idle:
                del self._busy[link]
        for link in idle:
            link.close()


class NamekoRpc:
    """Calls `service.method(**kwargs)` over RabbitMQ and returns the result.

    `caller` names the reply queues, the connections and the start of each call chain.
    """

    def __init__(
        self,
        amqp_uri: str,
        *,
        caller: str,
        delivery: Delivery,
        timeout: float = 5.0,
        consumer_check_seconds: float = CONSUMER_CHECK_SECONDS,
    ) -> None:
        self.amqp_uri = amqp_uri
        self.caller = caller
        self.delivery = delivery
        self.timeout = timeout
        self._local = threading.local()
        self._links = _Links()
        self.consumer_check_seconds = consumer_check_seconds

    def connection_name(self) -> str:
        """The name this thread's connection shows in the broker's connection list."""
        return f"{self.caller} pid={os.getpid()} thread={threading.get_ident()}"

    def _parameters(self) -> pika.URLParameters:
        parameters = pika.URLParameters(self.amqp_uri)
        parameters.client_properties = {"connection_name": self.connection_name()}
        parameters.socket_timeout = max(1.0, min(5.0, self.timeout))
        parameters.stack_timeout = max(1.0, min(10.0, 2 * self.timeout))
        return parameters

    def _link(self, service: str) -> _Link:
        """This thread's link, marked in use (put it back after the call)."""
        link: _Link | None = getattr(self._local, "link", None)
        if link is not None and self._links.take(link):
            if link.connection.is_open:
                return link
            self._links.drop(link)
        try:
            link = _Link(self._parameters(), self.caller)
        # OSError: an unknown host (pika lets socket.gaierror through); ValueError: a bad URI
        except (AMQPError, OSError, ValueError) as exc:
            raise RpcUnavailable(service, "broker down") from exc
        self._links.add(link)
        self._local.link = link
        return link

    def _recently_checked(self, link: _Link, service: str) -> bool:
        seen = link.consumers_seen.get(service)
        return seen is not None and time.monotonic() - seen < self.consumer_check_seconds

    def _drop_link(self, link: _Link) -> None:
        self._local.link = None
        self._links.drop(link)

    @contextmanager
    def _ready_link(self, service: str) -> Iterator[_Link]:
        """This thread's link, in use for the block; with the consumer check, to a service
        that has consumers, a stale connection replaced once."""
        for attempt in (1, 2):
            link = self._link(service)
            try:
                if self.delivery.check_consumers and not self._recently_checked(link, service):
                    _check_consumers(link, service)
                    link.consumers_seen[service] = time.monotonic()
                else:  # no round trip: a close the broker already sent is read now, not sent into
                    link.connection.process_data_events(time_limit=0)
            except (*_LINK_BROKEN, AMQPChannelError) as exc:
                self._drop_link(link)
                if attempt == 2:
                    raise RpcUnavailable(service, "broker down") from exc
                continue
            except RpcServiceAbsent:
                self._links.put_back(link)
                raise
            break
        try:
            yield link
        finally:
            self._links.put_back(link)

    def call(
        self,
        service: str,
        method: str,
        kwargs: Mapping[str, Any],
        *,
        call_id: str | None = None,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """The remote method's result; raises RpcUnavailable, RpcTimeout or RpcRemoteError.

        `call_id` starts the call chain (a new uuid without one); `context` is sent as
        nameko context data; `timeout` replaces the client's for this call.
        """
        seconds = self.timeout if timeout is None else timeout
        with self._ready_link(service) as link:
            try:
                return self._call_on(link, service, method, kwargs, call_id, context, seconds)
            except (RpcUnavailable, RpcTimeout):
                link.consumers_seen.pop(service, None)  # the next call checks again
                raise

    def _call_on(
        self,
        link: _Link,
        service: str,
        method: str,
        kwargs: Mapping[str, Any],
        call_id: str | None,
        context: Mapping[str, str] | None,
        seconds: float,
    ) -> Any:
        call_chain = f"{self.caller}.{call_id or uuid.uuid4()}"
        properties = request_properties(self.delivery, link.reply_to, call_chain, context, seconds)
        body = json.dumps({"args": [], "kwargs": dict(kwargs)}).encode()
        deadline = time.monotonic() + seconds
        try:
            link.publish(f"{service}.{method}", body, properties)
        except UnroutableError as exc:
            raise RpcServiceAbsent(service, "unroutable") from exc
        except NackError as exc:
            raise RpcUnavailable(service, "rejected by the broker") from exc
        except AMQPError as exc:
            self._drop_link(link)
            raise RpcLinkLost(service, f"lost the broker while sending ({exc!r})") from exc
        try:
            reply = link.wait_reply(deadline)
        except AMQPError as exc:
            self._drop_link(link)
            raise RpcLinkLost(service, f"lost the broker while waiting ({exc!r})") from exc
        if reply is None:
            raise RpcTimeout(service, f"no reply within {seconds:g}s")
        return result_of(reply)

    def reachable(self) -> bool:
        """Whether this thread can talk to the broker right now: a connection the broker
        dropped while it sat idle is replaced before the answer is no."""
        for _attempt in range(2):
            try:
                link = self._link("(health)")
            except RpcUnavailable:
                continue
            try:
                link.connection.process_data_events(time_limit=0)
            except AMQPError:
                self._drop_link(link)
                continue
            self._links.put_back(link)
            return True
        return False

    def close(self) -> None:
        """Retire the client: idle connections close now, each one in use when its call
        ends, and any later call's connection when that call ends."""
        self._links.retire()


def _check_consumers(link: _Link, service: str) -> None:
    """Raise RpcServiceAbsent unless some instance consumes the service's queue."""
    try:
        consumers = link.consumer_count(f"rpc-{service}")
    except _QueueMissing as exc:
        raise RpcServiceAbsent(service, "unroutable") from exc
    if consumers == 0:
        raise RpcServiceAbsent(service, "no consumers")


def request_properties(
    delivery: Delivery,
    reply_to: str,
    call_chain: str,
    context: Mapping[str, str] | None,
    seconds: float,
) -> pika.BasicProperties:
    """A request's AMQP properties: its reply route, call chain, context data and lifetime."""
    headers: dict[str, Any] = {
        f"{CONTEXT_HEADER_PREFIX}{key}": value for key, value in (context or {}).items()
    }
    headers[CALL_ID_STACK_HEADER] = [call_chain]
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=PERSISTENT if delivery.persistent else None,
        expiration=None if delivery.persistent else str(int(seconds * 1000)),
        reply_to=reply_to,
        correlation_id=str(uuid.uuid4()),
        headers=headers,
    )


def result_of(reply: bytes) -> Any:
    """The result in a nameko reply body; its error raised as RpcRemoteError."""
    try:
        payload = json.loads(reply)
        error = payload["error"]
        result = payload["result"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RpcRemoteError(
            "MalformedReply", f"the service sent an unreadable reply: {exc}"
        ) from exc
    if error is None:
        return result
    if not isinstance(error, dict):
        raise RpcRemoteError("MalformedReply", f"the service sent an unreadable error: {error!r}")
    raise RpcRemoteError(str(error.get("exc_type") or "RemoteError"), str(error.get("value", "")))
