"""Nameko RPC calls from the event loop: one broker connection per worker, no thread waits.

The wire is `strangler/nameko_rpc.py`'s, FAIL_FAST delivery (requests expire at the
call's timeout, properties from `request_properties`, replies read by `result_of`); what
differs is how it waits. pika's asyncio adapter runs on the worker's loop: every call
of the worker shares one connection, one channel and one reply queue, and a reply is
matched to its call by correlation id, so thousands of calls may wait at once without
holding anything but a timer.

As the threaded client does, a call first makes sure some instance consumes the
service's queue (a stopped or unknown service fails at once, `RpcServiceAbsent`); a
check that found consumers holds for `consumer_check_seconds` (per service), and is made
again after any call that got no answer. Each check uses a channel of its own, closed
after it, as the broker closes the channel of a passive declare that finds no queue.
Requests are published `mandatory`: one no queue takes comes back, and its call fails
as absent. The connection is made on the first call and again after the broker closed
it; a call waiting on a connection that closed fails as `RpcLinkLost`. `close` retires
the client (a routes reload replaced it): it takes no more calls, and its connection
closes once the calls it took are over, including those still connecting or checking.

Only reads are sent this way (the loop's callers send nothing that may not be sent
twice), so no publisher confirms are awaited: a call that was not delivered is known
from its return or its timeout.

Every method runs on the loop's thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.asyncio_connection import AsyncioConnection
from pika.channel import Channel
from pika.exceptions import AMQPError, ChannelClosedByBroker

from strangler.nameko_rpc import (
    CONSUMER_CHECK_SECONDS,
    FAIL_FAST,
    RPC_EXCHANGE,
    RpcLinkLost,
    RpcRemoteError,
    RpcServiceAbsent,
    RpcTimeout,
    RpcUnavailable,
    request_properties,
    result_of,
)

log = logging.getLogger(__name__)

Failure = RpcUnavailable | RpcTimeout | RpcRemoteError
Reply = Callable[[Any, Failure | None], None]  # (result, None) or (None, the failure)
_NOT_FOUND = 404


class _NoLink(Exception):
    """No connection to the broker could be had (`reason`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Outgoing:
    """What a call sends: its routing key, JSON body, call chain and context, and when it
    expires (the loop's time)."""

    routing_key: str
    body: bytes
    chain: str
    context: Mapping[str, str] | None
    deadline: float


class LoopCall:
    """One call: answered once (its result or failure given to `reply`), or cancelled."""

    def __init__(self, service: str, reply: Reply) -> None:
        self.service = service
        self._reply: Reply | None = reply
        self.timer: asyncio.TimerHandle | None = None
        self.correlation_id = ""
        self.link: _Link | None = None  # the link it holds, once it has one
        self.preparing: asyncio.Task[None] | None = None  # connecting, checking, then sending

    @property
    def finished(self) -> bool:
        return self._reply is None

    def answer(self, result: Any) -> None:
        self._end(result, None)

    def fail(self, failure: Failure) -> None:
        self._end(None, failure)

    def cancel(self) -> None:
        """Nobody wants the answer any more (the client left): a late reply is dropped."""
        self._end(None, None, tell=False)

    def _end(self, result: Any, failure: Failure | None, *, tell: bool = True) -> None:
        reply, self._reply = self._reply, None
        if self.timer is not None:
            self.timer.cancel()
        if self.link is not None:
            self.link.forget(self)
        if reply is not None and tell:
            reply(result, failure)


class _Link:
    """The worker's connection, its channel and reply queue, and the calls awaiting replies."""

    def __init__(self, connection: AsyncioConnection, channel: Channel, reply_to: str) -> None:
        self.connection = connection
        self.channel = channel
        self.reply_to = reply_to
        self.pending: dict[str, LoopCall] = {}  # sent, by correlation id
        self.preparing: set[LoopCall] = set()  # holding the link, checking for consumers
        self.consumers_seen: dict[str, float] = {}  # service -> when its check last passed
        self.open = True
        self.retiring = False  # closed once no call holds it any more

    def hold(self, call: LoopCall) -> None:
        """A call that will be sent on this link once its service's check passed: a retired
        link stays open for it."""
        call.link = self
        self.preparing.add(call)

    def forget(self, call: LoopCall) -> None:
        """A call that no longer waits (answered, failed, cancelled)."""
        self.pending.pop(call.correlation_id, None)
        self.preparing.discard(call)
        self.close_if_retired()

    def retire(self) -> None:
        """Take no more calls; close once the calls holding it now are over."""
        self.retiring = True
        self.close_if_retired()

    def close_if_retired(self) -> None:
        if self.retiring and not self.pending and not self.preparing:
            self.broke("retired")

    def on_reply(self, channel: Channel, method: Any, properties: Any, body: bytes) -> None:
        call = self.pending.get(properties.correlation_id)
        if call is None:  # the answer to a call that timed out or was cancelled
            return
        try:
            result = result_of(body)
        except RpcRemoteError as error:
            call.fail(error)
            return
        call.answer(result)

    def on_return(self, channel: Channel, method: Any, properties: Any, body: bytes) -> None:
        call = self.pending.get(properties.correlation_id)
        if call is not None:
            call.fail(RpcServiceAbsent(call.service, "unroutable"))

    def broke(self, reason: str) -> None:
        """The connection or its channel closed: every waiting call lost its link."""
        if not self.open:
            return
        self.open = False
        waiting = [*self.pending.values(), *self.preparing]
        self.pending.clear()
        self.preparing.clear()
        for call in waiting:
            call.fail(RpcLinkLost(call.service, f"lost the broker while waiting ({reason})"))
        if not self.connection.is_closed and not self.connection.is_closing:
            self.connection.close()


class LoopRpc:
    """Calls `service.method(**kwargs)` from the event loop (see the module's docstring)."""

    def __init__(
        self,
        amqp_uri: str,
        *,
        caller: str,
        timeout: float = 5.0,
        consumer_check_seconds: float = CONSUMER_CHECK_SECONDS,
    ) -> None:
        self.amqp_uri = amqp_uri
        self.caller = caller
        self.timeout = timeout
        self.consumer_check_seconds = consumer_check_seconds
        self._link: _Link | None = None
        self._connecting: asyncio.Future[_Link] | None = None
        self._checks: dict[str, asyncio.Future[None]] = {}  # service -> its check under way
        self._closed = False

    def connection_name(self) -> str:
        """The name the worker's connection shows in the broker's connection list."""
        return f"{self.caller} pid={os.getpid()} loop"

    def call(
        self,
        service: str,
        method: str,
        kwargs: Mapping[str, Any],
        *,
        call_id: str,
        context: Mapping[str, str] | None,
        reply: Reply,
        timeout: float | None = None,
    ) -> LoopCall:
        """Send the call; `reply` gets its result or its failure (RpcUnavailable, RpcTimeout,
        RpcRemoteError) once, on the loop, unless the call is cancelled first."""
        loop = asyncio.get_running_loop()
        seconds = self.timeout if timeout is None else timeout
        deadline = loop.time() + seconds
        outgoing = _Outgoing(
            f"{service}.{method}",
            json.dumps({"args": [], "kwargs": dict(kwargs)}).encode(),
            f"{self.caller}.{call_id}",
            context,
            deadline,
        )
        call = LoopCall(service, reply)
        if self._closed:
            loop.call_soon(call.fail, RpcUnavailable(service, "the proxy is stopping"))
            return call
        call.timer = loop.call_at(deadline, self._timed_out, call, seconds)
        link = self._link
        if link is not None and link.open and self._checked(link, service, loop.time()):
            self._publish(link, call, outgoing)
        else:
            call.preparing = loop.create_task(self._prepare_and_send(call, outgoing))
        return call

    def _checked(self, link: _Link, service: str, now: float) -> bool:
        seen = link.consumers_seen.get(service)
        return seen is not None and now - seen < self.consumer_check_seconds

    def _timed_out(self, call: LoopCall, seconds: float) -> None:
        if call.link is not None:
            call.link.consumers_seen.pop(call.service, None)  # the next call checks again
        call.fail(RpcTimeout(call.service, f"no reply within {seconds:g}s"))

    async def _prepare_and_send(self, call: LoopCall, outgoing: _Outgoing) -> None:
        """Connect and check for consumers as needed, then publish (if still wanted)."""
        service = call.service
        try:
            link = await self._ready_link()
            if call.finished:  # timed out or cancelled while connecting
                link.close_if_retired()
                return
            link.hold(call)
            if not self._checked(link, service, asyncio.get_running_loop().time()):
                await self._check(link, service)
        except _NoLink as down:
            call.fail(RpcUnavailable(service, down.reason))
            return
        except RpcUnavailable as failure:
            call.fail(failure)
            return
        if not call.finished:
            self._publish(link, call, outgoing)

    def _publish(self, link: _Link, call: LoopCall, outgoing: _Outgoing) -> None:
        link.preparing.discard(call)
        if not link.open:  # closed while the call was checking: nothing was sent
            call.fail(RpcLinkLost(call.service, "lost the broker before sending"))
            return
        remaining = max(0.001, outgoing.deadline - asyncio.get_running_loop().time())
        properties = request_properties(
            FAIL_FAST, link.reply_to, outgoing.chain, outgoing.context, remaining
        )
        call.correlation_id = properties.correlation_id
        call.link = link
        link.pending[call.correlation_id] = call
        try:
            link.channel.basic_publish(
                RPC_EXCHANGE, outgoing.routing_key, outgoing.body, properties, mandatory=True
            )
        except AMQPError as exc:
            link.broke(repr(exc))

    async def _ready_link(self) -> _Link:
        """The open link, connecting (once, for every call that waits for it) when needed."""
        link = self._link
        if link is not None and link.open:
            return link
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done() and self._connecting is connecting:
                self._connecting = None

    async def _connect(self) -> _Link:
        try:
            async with asyncio.timeout(self._setup_seconds()):
                link = await self._open_link()
        except (TimeoutError, AMQPError, OSError, ValueError) as exc:
            log.warning("cannot reach the broker: %r", exc)
            raise _NoLink("broker down") from exc
        if self._closed:  # retired while connecting: the calls that waited still use it
            link.retiring = True
        self._link = link
        return link

    def _setup_seconds(self) -> float:
        return max(1.0, min(10.0, 2 * self.timeout))

    async def _open_link(self) -> _Link:
        loop = asyncio.get_running_loop()
        parameters = pika.URLParameters(self.amqp_uri)
        parameters.client_properties = {"connection_name": self.connection_name()}
        parameters.socket_timeout = max(1.0, min(5.0, self.timeout))
        opened: asyncio.Future[AsyncioConnection] = loop.create_future()
        holder: list[_Link] = []

        def on_open_error(connection: AsyncioConnection, error: BaseException | str) -> None:
            if not opened.done():
                opened.set_exception(_as_error(error))

        def on_close(connection: AsyncioConnection, reason: BaseException) -> None:
            if not opened.done():
                opened.set_exception(_as_error(reason))
            if holder:
                holder[0].broke(repr(reason))

        connection = AsyncioConnection(
            parameters,
            on_open_callback=_resolver(opened),
            on_open_error_callback=on_open_error,
            on_close_callback=on_close,
            custom_ioloop=loop,
        )
        try:
            await opened
            opened_channel = await _channel(connection)
            reply_to = str(uuid.uuid4())
            queue = f"rpc.reply-{self.caller}-{reply_to}"
            await opened_channel.do(
                "exchange_declare", RPC_EXCHANGE, exchange_type="topic", durable=True
            )
            await opened_channel.do("queue_declare", queue, exclusive=True, auto_delete=True)
            await opened_channel.do("queue_bind", queue, RPC_EXCHANGE, routing_key=reply_to)
            channel = opened_channel.channel
            link = _Link(connection, channel, reply_to)
            holder.append(link)
            channel.add_on_return_callback(link.on_return)
            channel.add_on_close_callback(lambda ch, reason: link.broke(repr(reason)))
            await opened_channel.do("basic_consume", queue, link.on_reply, auto_ack=True)
        except BaseException:
            if not connection.is_closed and not connection.is_closing:
                connection.close()
            raise
        return link

    async def _check(self, link: _Link, service: str) -> None:
        """Raise RpcServiceAbsent unless some instance consumes the service's queue (one
        check under way per service; the calls that need it meanwhile wait for it)."""
        check = self._checks.get(service)
        if check is None:
            check = asyncio.ensure_future(self._count_consumers(link, service))
            self._checks[service] = check
            check.add_done_callback(lambda done: self._checks.pop(service, None))
        await asyncio.shield(check)

    async def _count_consumers(self, link: _Link, service: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._setup_seconds()):
                probe = await _channel(link.connection)
                try:
                    declared = await probe.do("queue_declare", f"rpc-{service}", passive=True)
                finally:
                    probe.close()
        except ChannelClosedByBroker as exc:
            if exc.reply_code == _NOT_FOUND:
                raise RpcServiceAbsent(service, "unroutable") from exc
            raise RpcUnavailable(service, "broker down") from exc
        except (TimeoutError, AMQPError, OSError) as exc:
            link.broke(repr(exc))
            raise RpcUnavailable(service, "broker down") from exc
        if int(declared.method.consumer_count) == 0:
            raise RpcServiceAbsent(service, "no consumers")
        link.consumers_seen[service] = loop.time()

    def close(self) -> None:
        """Retire the client: it takes no more calls, and its connection closes once the
        calls waiting on it now are over."""
        self._closed = True
        if self._link is not None:
            self._link.retire()


def _resolver(future: asyncio.Future[Any]) -> Callable[[Any], None]:
    """A callback giving `future` its value, unless it was settled already."""

    def resolve(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    return resolve


def _as_error(error: BaseException | str) -> BaseException:
    return error if isinstance(error, BaseException) else AMQPError(error)


class _Opened:
    """An open channel and the replies awaited on it: the channel closing (the broker
    refused a request) fails each one with the close's reason."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self._waiting: set[asyncio.Future[Any]] = set()
        channel.add_on_close_callback(self._closed)

    def _closed(self, channel: Channel, reason: BaseException) -> None:
        for waiting in self._waiting:
            if not waiting.done():
                waiting.set_exception(reason)

    async def do(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call the channel's `method` and wait for the frame its callback gets."""
        result: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.add(result)
        try:
            getattr(self.channel, method)(*args, callback=_resolver(result), **kwargs)
            return await result
        finally:
            self._waiting.discard(result)

    def close(self) -> None:
        if self.channel.is_open:
            self.channel.close()


async def _channel(connection: AsyncioConnection) -> _Opened:
    """A new channel on `connection`, open; a close before it opened raises its reason."""
    opened: asyncio.Future[Channel] = asyncio.get_running_loop().create_future()

    def on_close(channel: Channel, reason: BaseException) -> None:
        if not opened.done():
            opened.set_exception(reason)

    channel = connection.channel(on_open_callback=_resolver(opened))
    channel.add_on_close_callback(on_close)
    return _Opened(await opened)
