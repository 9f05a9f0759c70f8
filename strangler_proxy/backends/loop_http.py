"""Requests to the monolith from the event loop: pooled keep-alive connections, answers
passed on piece by piece as they arrive.

The loop's counterpart of `http_pool.HttpPool`, for requests without a body (the usual
GET): the head goes out as `lean_http.request_head` writes it (the caller leaves to the
threaded path what that refuses); the answer is parsed by httptools (llhttp) and handed
to an `AnswerReceiver` callback by callback, so no answer is ever held whole and no
thread waits on the monolith. `Exchange.pause`/`resume` let a slow client hold back
the monolith's bytes (the connection stops reading; the kernel's window does the rest).

Timeouts, as the threaded path's: connecting at most `connect_timeout`; then the
monolith may stay silent at most the read timeout (the route's own when it has one),
before its head and between two pieces of its body, never while the client holds the
answer back. No total cap: a long stream lives as long as it keeps moving.

Every method runs on the loop's thread.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Protocol, cast

import httptools

from strangler_proxy.backends.http_pool import Origin
from strangler_proxy.errors import (
    MonolithBadResponse,
    MonolithTimeout,
    MonolithUnavailable,
    ProxyError,
)
from strangler_proxy.http_types import Headers


class AnswerReceiver(Protocol):
    """Who gets the monolith's answer: its head once, its body's pieces, then its end; or,
    at any point, the failure (`started`: the head was already given)."""

    def answer_head(self, status: int, reason: str, headers: Headers) -> None: ...

    def answer_body(self, piece: bytes) -> None: ...

    def answer_end(self) -> None: ...

    def answer_failed(self, error: ProxyError, *, started: bool) -> None: ...


class LoopHttpPool:
    """Up to `size` idle connections to one origin, kept for reuse; one the server closed
    leaves the pool the moment the loop sees it close."""

    def __init__(
        self, origin: Origin, *, connect_timeout: float, read_timeout: float, size: int = 16
    ) -> None:
        self.origin = origin
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._size = size
        self._idle: list[_Connection] = []
        self._closed = False
        self._ssl = ssl.create_default_context() if origin.scheme == "https" else None

    def send(
        self, method: str, head: bytes, receiver: AnswerReceiver, *, timeout: float | None = None
    ) -> Exchange:
        """Send a request's `head` (no body follows; its target already carries the origin's
        prefix) on an idle connection or a new one; the answer goes to `receiver`.
        `timeout`: the route's read timeout, in place of the pool's."""
        exchange = Exchange(
            self, method, receiver, self._read_timeout if timeout is None else timeout
        )
        while self._idle:
            connection = self._idle.pop()
            if connection.open:
                connection.start(exchange, head)
                return exchange
        exchange.connecting = asyncio.get_running_loop().create_task(self._connect(exchange, head))
        return exchange

    async def _connect(self, exchange: Exchange, head: bytes) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(self),
                    self.origin.host,
                    self.origin.port,
                    ssl=self._ssl,
                    server_hostname=self.origin.host if self._ssl else None,
                )
        except TimeoutError:
            detail = f"no connection within {self._connect_timeout:g}s"
            exchange.failed(MonolithTimeout(detail))
            return
        except OSError as exc:
            exchange.failed(MonolithUnavailable(exc.strerror or repr(exc)))
            return
        finally:
            exchange.connecting = None
        if exchange.aborted:
            connection.close()
            return
        connection.start(exchange, head)

    def release(self, connection: _Connection) -> None:
        """A connection whose answer was read whole and may carry another request."""
        if self._closed or len(self._idle) >= self._size or not connection.open:
            connection.close()
            return
        self._idle.append(connection)

    def forget(self, connection: _Connection) -> None:
        """A connection that closed: never handed out again."""
        if connection in self._idle:
            self._idle.remove(connection)

    def close(self) -> None:
        """Close the idle connections now, and each one in use once its answer is read."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class Exchange:
    """One request and its answer on one connection; `pause`/`resume` hold the answer
    back while the client cannot take more; `abort` when the client went away."""

    def __init__(
        self, pool: LoopHttpPool, method: str, receiver: AnswerReceiver, timeout: float
    ) -> None:
        self.pool = pool
        self.method = method
        self.receiver = receiver
        self.timeout = timeout
        self.connecting: asyncio.Task[None] | None = None
        self.connection: _Connection | None = None
        self.started = False  # the head was given to the receiver
        self.aborted = False
        self.over = False

    def pause(self) -> None:
        if self.connection is not None:
            self.connection.pause()

    def resume(self) -> None:
        if self.connection is not None:
            self.connection.resume()

    def abort(self) -> None:
        """The client is gone: drop the connection (its answer is not read to the end)."""
        self.aborted = True
        self.over = True
        if self.connection is not None:
            self.connection.close()

    def failed(self, error: ProxyError) -> None:
        if self.over:
            return
        self.over = True
        self.receiver.answer_failed(error, started=self.started)


class _Connection(asyncio.Protocol):
    """One connection to the monolith: the answer of its current exchange parsed as it comes."""

    def __init__(self, pool: LoopHttpPool) -> None:
        self._pool = pool
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._exchange: Exchange | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._reason = ""
        self._headers: list[tuple[str, str]] = []
        self._framed = False  # the answer says where its body ends (a length, or chunks)
        self._last_heard = 0.0
        self._paused = False
        self._timer: asyncio.TimerHandle | None = None
        self.open = False

    # ---- asyncio.Protocol ----
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a stream connection's transport (uvloop's is not registered as asyncio.Transport)
        self._transport = cast(asyncio.Transport, transport)
        self.open = True

    def data_received(self, data: bytes) -> None:
        exchange = self._exchange
        if exchange is None:  # bytes nobody asked for: this connection cannot be trusted
            self.close()
            return
        self._last_heard = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(MonolithBadResponse(repr(exc)))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._pool.forget(self)
        self._stop_timer()
        exchange, self._exchange = self._exchange, None
        if exchange is None or exchange.over:
            return
        if exchange.started and not self._framed:  # its body ends where the connection does
            exchange.over = True
            exchange.receiver.answer_end()
            return
        exchange.failed(MonolithBadResponse("the connection closed before the answer ended"))

    # ---- httptools callbacks ----
    def on_status(self, reason: bytes) -> None:
        self._reason = reason.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        exchange = self._exchange
        assert exchange is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue...): the real one follows
            self._headers = []
            return
        lowered = {name.lower() for name, _ in self._headers}
        self._framed = "content-length" in lowered or "transfer-encoding" in lowered
        headers, self._headers = tuple(self._headers), []
        exchange.started = True
        exchange.receiver.answer_head(status, self._reason, headers)
        if exchange.method == "HEAD":  # llhttp cannot be told: its declared body never comes
            self._finish(keep=self._parser.should_keep_alive())

    def on_body(self, piece: bytes) -> None:
        exchange = self._exchange
        if exchange is not None and not exchange.over:
            exchange.receiver.answer_body(piece)

    def on_message_complete(self) -> None:
        exchange = self._exchange
        if exchange is None or not exchange.started:  # an interim answer's end
            return
        self._finish(keep=self._parser.should_keep_alive())

    # ---- the exchange ----
    def start(self, exchange: Exchange, head: bytes) -> None:
        assert self._transport is not None
        exchange.connection = self
        self._exchange = exchange
        self._parser = httptools.HttpResponseParser(self)
        self._last_heard = self._loop.time()
        self._timer = self._loop.call_at(self._last_heard + exchange.timeout, self._check)
        self._transport.write(head)

    def _finish(self, *, keep: bool) -> None:
        exchange, self._exchange = self._exchange, None
        self._stop_timer()
        if exchange is None:
            return
        exchange.connection = None
        if not exchange.over:
            exchange.over = True
            exchange.receiver.answer_end()
        if self._paused:
            self.resume()
        if keep and self.open:
            self._pool.release(self)
        else:
            self.close()

    def _fail(self, error: ProxyError) -> None:
        exchange = self._exchange
        self.close()
        if exchange is not None:
            exchange.failed(error)

    def _check(self) -> None:
        """The silence timer: fails the exchange once the monolith has been silent for
        the whole timeout (not while the client holds the answer back), else re-arms."""
        self._timer = None
        exchange = self._exchange
        if exchange is None:
            return
        now = self._loop.time()
        if self._paused:
            self._last_heard = now
        due = self._last_heard + exchange.timeout
        if now < due:
            self._timer = self._loop.call_at(due, self._check)
            return
        self._fail(MonolithTimeout(f"no answer within {exchange.timeout:g}s"))

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def pause(self) -> None:
        if self._transport is not None and not self._paused:
            self._paused = True
            self._transport.pause_reading()

    def resume(self) -> None:
        if self._transport is not None and self._paused:
            self._paused = False
            self._last_heard = self._loop.time()
            self._transport.resume_reading()

    def close(self) -> None:
        self.open = False
        self._pool.forget(self)
        if self._transport is not None:
            self._transport.close()
