"""A Nameko RPC client written with pika (no eventlet), safe to use from many threads.

It speaks nameko 2.14's wire protocol: publish `{"args": [], "kwargs": {...}}`
to the durable topic exchange `nameko-rpc` with routing key
`<service>.<method>`, `reply_to` a routing key bound to this client's
exclusive reply queue, the call chain in the `nameko.call_id_stack` header and
the caller's context data (`rpc_context.py`) as `nameko.<key>` headers.

Each thread owns one connection, channel and reply queue. Before publishing,
the service's queue is checked for consumers, so a stopped or unknown service
fails fast with ServiceAbsent instead of a timeout; publishes are `mandatory`
with publisher confirms, so an unroutable call is never delivered. A connection
the broker closed is replaced by the next call (BrokerLinkLost for a call it broke
mid-way). pika errors are translated here into the proxy's own error classes.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pika
from nameko.constants import CALL_ID_STACK_CONTEXT_KEY, HEADER_PREFIX
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

from strangler_proxy.errors import (
    BrokerLinkLost,
    RemoteError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
)

RPC_EXCHANGE = "nameko-rpc"
CALLER_NAME = "strangler-proxy"
_NOT_FOUND = 404
# errors meaning "this connection is no good any more" (the broker went away or closed it)
_LINK_BROKEN = (AMQPConnectionError, ConnectionWrongStateError, ChannelWrongStateError)


class _QueueMissing(Exception):
    """The service's RPC queue does not exist: nothing would route the call."""


class _Link:
    """One thread's connection, channel and reply queue."""

    def __init__(self, parameters: pika.URLParameters) -> None:
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        self.channel.exchange_declare(RPC_EXCHANGE, exchange_type="topic", durable=True)
        self.channel.confirm_delivery()
        self.reply_to = str(uuid.uuid4())
        queue = f"rpc.reply-{CALLER_NAME}-{self.reply_to}"
        self.channel.queue_declare(queue, exclusive=True, auto_delete=True)
        self.channel.queue_bind(queue, RPC_EXCHANGE, routing_key=self.reply_to)
        self.channel.basic_consume(queue, self._on_reply, auto_ack=True)
        self._probe: BlockingChannel | None = None
        self._expected: str | None = None
        self._reply: bytes | None = None

    def _on_reply(
        self,
        channel: BlockingChannel,
        method: Any,
        properties: pika.BasicProperties,
        body: bytes,
    ) -> None:
        # replies to earlier, timed-out calls arrive late: they are dropped here
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


class RpcClient:
    """Calls `service.method(**kwargs)` over RabbitMQ and returns the result."""

    def __init__(self, amqp_uri: str, *, timeout: float = 5.0) -> None:
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self._local = threading.local()

    def connection_name(self) -> str:
        """The name this thread's connection shows in the broker's connection list."""
        return f"{CALLER_NAME} pid={os.getpid()} thread={threading.get_ident()}"

    def _parameters(self) -> pika.URLParameters:
        parameters = pika.URLParameters(self.amqp_uri)
        parameters.client_properties = {"connection_name": self.connection_name()}
        parameters.socket_timeout = max(1.0, min(5.0, self.timeout))
        parameters.stack_timeout = max(1.0, min(10.0, 2 * self.timeout))
        return parameters

    def _link(self, service: str) -> _Link:
        link: _Link | None = getattr(self._local, "link", None)
        if link is not None and link.connection.is_open:
            return link
        try:
            link = _Link(self._parameters())
        # OSError: an unknown host (pika lets socket.gaierror through); ValueError: a bad URI
        except (AMQPError, OSError, ValueError) as exc:
            raise ServiceUnavailable(service, "broker down") from exc
        self._local.link = link
        return link

    def _drop_link(self) -> None:
        link: _Link | None = getattr(self._local, "link", None)
        self._local.link = None
        if link is not None:
            link.close()

    def _ready_link(self, service: str) -> _Link:
        """A working link to a service that has consumers; a stale connection is replaced once."""
        for attempt in (1, 2):
            link = self._link(service)
            try:
                consumers = link.consumer_count(f"rpc-{service}")
            except _QueueMissing as exc:
                raise ServiceAbsent(service, "unroutable") from exc
            except (*_LINK_BROKEN, AMQPChannelError) as exc:
                self._drop_link()
                if attempt == 2:
                    raise ServiceUnavailable(service, "broker down") from exc
                continue
            if consumers == 0:
                raise ServiceAbsent(service, "no consumers")
            return link
        raise AssertionError("unreachable")

    def call(
        self,
        service: str,
        method: str,
        kwargs: dict[str, Any],
        *,
        call_id: str,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call the remote method; raises ServiceUnavailable, ServiceTimeout or RemoteError.

        `call_id` starts the call chain; `context` is sent as nameko context data;
        `timeout` (a route's own) replaces the client's for this call.
        """
        seconds = self.timeout if timeout is None else timeout
        link = self._ready_link(service)
        headers: dict[str, Any] = {
            f"{HEADER_PREFIX}.{key}": value for key, value in (context or {}).items()
        }
        headers[f"{HEADER_PREFIX}.{CALL_ID_STACK_CONTEXT_KEY}"] = [f"{CALLER_NAME}.{call_id}"]
        properties = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            reply_to=link.reply_to,
            correlation_id=str(uuid.uuid4()),
            headers=headers,
            expiration=str(int(seconds * 1000)),
        )
        body = json.dumps({"args": [], "kwargs": kwargs}).encode()
        deadline = time.monotonic() + seconds
        try:
            link.publish(f"{service}.{method}", body, properties)
        except UnroutableError as exc:
            raise ServiceAbsent(service, "unroutable") from exc
        except NackError as exc:
            raise ServiceUnavailable(service, "rejected by the broker") from exc
        except AMQPError as exc:
            self._drop_link()
            raise BrokerLinkLost(service, f"lost the broker while sending ({exc!r})") from exc
        try:
            reply = link.wait_reply(deadline)
        except AMQPError as exc:
            self._drop_link()
            raise BrokerLinkLost(service, f"lost the broker while waiting ({exc!r})") from exc
        if reply is None:
            raise ServiceTimeout(service, f"no reply within {seconds:g}s")
        return _result_of(reply)

    def reachable(self) -> bool:
        """Whether this thread can talk to the broker right now: a connection the broker
        dropped while it sat idle is replaced before the answer is no."""
        for _attempt in range(2):
            try:
                link = self._link("(health)")
                link.connection.process_data_events(time_limit=0)
            except (ServiceUnavailable, AMQPError):
                self._drop_link()
                continue
            return True
        return False

    def close(self) -> None:
        """Close this thread's connection (others close with their threads' process)."""
        self._drop_link()


def _result_of(reply: bytes) -> Any:
    try:
        payload = json.loads(reply)
        error = payload["error"]
        result = payload["result"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RemoteError("MalformedReply", f"the service sent an unreadable reply: {exc}") from exc
    if error is not None and not isinstance(error, dict):
        raise RemoteError("MalformedReply", f"the service sent an unreadable error: {error!r}")
    if isinstance(error, dict):
        raise RemoteError(str(error.get("exc_type") or "RemoteError"), str(error.get("value", "")))
    return result
