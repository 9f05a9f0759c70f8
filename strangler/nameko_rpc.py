"""Call a Nameko service's RPC method from a plain process: pika, blocking, no eventlet.

The wire protocol is nameko 2.14's: the request `{"args": [], "kwargs": {...}}` goes to
the durable topic exchange `nameko-rpc` with routing key `<service>.<method>`, `reply_to`
a routing key bound to this client's exclusive reply queue, the call chain in the
`nameko.call_id_stack` header and the caller's context data as `nameko.<key>` headers.

Requests are persistent, carry no expiry and are published `mandatory` with publisher
confirms: once `call` has sent one, it waits in the service's durable `rpc-<service>`
queue until an instance takes it, even if none runs now or the broker restarts. A
caller that stops waiting (`RpcTimeout`) must therefore expect the call to be applied
later, and send only calls the service applies once per key. Each thread owns one
connection, channel and reply queue. pika's errors become the classes below.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, NackError, UnroutableError

from strangler.errors import StranglerError

RPC_EXCHANGE = "nameko-rpc"
CALL_ID_STACK_HEADER = "nameko.call_id_stack"
CONTEXT_HEADER_PREFIX = "nameko."
PERSISTENT = 2  # AMQP delivery mode: the broker keeps the message on disk


class RpcFailure(StranglerError):
    """A call that gave no result."""


class RpcUnavailable(RpcFailure):
    """The call was never delivered (broker unreachable, no queue for the service)."""


class RpcTimeout(RpcFailure):
    """The call was sent but no answer came in time: the service may still apply it."""


class RpcRemoteError(RpcFailure):
    """The service answered with an exception (nameko's `exc_type` and `value`)."""

    def __init__(self, exc_type: str, value: str) -> None:
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type
        self.value = value


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
        self._expected: str | None = None
        self._reply: bytes | None = None

    def _on_reply(
        self, channel: BlockingChannel, method: Any, properties: pika.BasicProperties, body: bytes
    ) -> None:
        # answers to calls that timed out arrive late: they are dropped here
        if properties.correlation_id == self._expected:
            self._reply = body

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


class NamekoRpc:
    """Calls `service.method(**kwargs)` over RabbitMQ and returns the result."""

    def __init__(self, amqp_uri: str, *, caller: str, timeout: float = 5.0) -> None:
        self.amqp_uri = amqp_uri
        self.caller = caller
        self.timeout = timeout
        self._local = threading.local()

    def _parameters(self) -> pika.URLParameters:
        parameters = pika.URLParameters(self.amqp_uri)
        parameters.client_properties = {"connection_name": f"{self.caller} rpc client"}
        parameters.socket_timeout = max(1.0, min(5.0, self.timeout))
        parameters.stack_timeout = max(1.0, min(10.0, 2 * self.timeout))
        return parameters

    def _link(self, service: str) -> _Link:
        link: _Link | None = getattr(self._local, "link", None)
        if link is not None and link.connection.is_open:
            return link
        try:
            link = _Link(self._parameters(), self.caller)
        # OSError: an unknown host (pika lets socket.gaierror through); ValueError: a bad URI
        except (AMQPError, OSError, ValueError) as exc:
            raise RpcUnavailable(f"cannot call {service!r}: the broker is unreachable") from exc
        self._local.link = link
        return link

    def _drop_link(self) -> None:
        link: _Link | None = getattr(self._local, "link", None)
        self._local.link = None
        if link is not None:
            link.close()

    def call(
        self,
        service: str,
        method: str,
        kwargs: Mapping[str, Any],
        *,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """The remote method's result; raises RpcUnavailable, RpcTimeout or RpcRemoteError."""
        seconds = self.timeout if timeout is None else timeout
        link = self._link(service)
        headers: dict[str, Any] = {
            f"{CONTEXT_HEADER_PREFIX}{key}": value for key, value in (context or {}).items()
        }
        headers[CALL_ID_STACK_HEADER] = [f"{self.caller}.{uuid.uuid4()}"]
        properties = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=PERSISTENT,
            reply_to=link.reply_to,
            correlation_id=str(uuid.uuid4()),
            headers=headers,
        )
        body = json.dumps({"args": [], "kwargs": dict(kwargs)}).encode()
        deadline = time.monotonic() + seconds
        try:
            link.publish(f"{service}.{method}", body, properties)
        except UnroutableError as exc:
            raise RpcUnavailable(f"no queue takes calls to {service!r}") from exc
        except NackError as exc:
            raise RpcUnavailable(f"the broker refused the call to {service!r}") from exc
        except AMQPError as exc:
            self._drop_link()
            raise RpcTimeout(f"lost the broker while calling {service!r} ({exc!r})") from exc
        try:
            reply = link.wait_reply(deadline)
        except AMQPError as exc:
            self._drop_link()
            raise RpcTimeout(f"lost the broker waiting for {service!r} ({exc!r})") from exc
        if reply is None:
            raise RpcTimeout(f"{service}.{method} did not answer within {seconds:g}s")
        return result_of(reply)

    def close(self) -> None:
        """Close this thread's connection."""
        self._drop_link()


def result_of(reply: bytes) -> Any:
    """The result in a nameko reply body; its error raised as RpcRemoteError."""
    try:
        payload = json.loads(reply)
        error = payload["error"]
        result = payload["result"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RpcRemoteError("MalformedReply", f"unreadable reply: {exc}") from exc
    if error is None:
        return result
    if not isinstance(error, dict):
        raise RpcRemoteError("MalformedReply", f"unreadable error: {error!r}")
    raise RpcRemoteError(str(error.get("exc_type") or "RemoteError"), str(error.get("value", "")))
