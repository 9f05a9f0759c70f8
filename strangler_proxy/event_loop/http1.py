"""One client connection on the loop: HTTP/1.0 and 1.1, parsed as it comes, each request
handed to the server's handler once it is ready, answered in order.

What gunicorn's threaded worker and `server_worker.py` do with threads and a
poller is done here with the loop's callbacks and timers, holding no thread:

- The head must come within `header_timeout` of the request's first byte, and
  at most `max_waiting` connections wait with part of a request at once
  (`slow_clients.WaitingRoom`); past either, a 408 and the connection closes.
  A connection quiet for `keepalive` seconds while no request of it is being
  handled (between requests, or gone quiet mid-request) is closed silently.
- A request is ready, and goes to the handler, with its head and its body's
  first bytes (`LoopRequest.ready`); its body then comes through a `BodyFeed`,
  which pauses reading while the app is behind.
- Pipelined requests wait in order: reading pauses while one is handled and
  the next is parsed already. A connection whose request body the app did not
  read to its end is closed after the answer (gunicorn drains at most 64 KiB
  for 5 s, then closes too).
- A request gunicorn would refuse (its limits, its header policy, a head
  llhttp cannot parse) is answered in the error shape and the connection closed.
- The handler reports when it is done (`Exchange.done`): the connection is
  kept alive, closed, or was taken over by the app (`takeover.py`).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httptools
from gunicorn.http.errors import (
    InvalidHeader,
    InvalidRequestLine,
    InvalidRequestMethod,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.http.message import DEFAULT_MAX_HEADERFIELD_SIZE, MAX_HEADERS, MAX_REQUEST_LINE

from strangler_proxy.error_shape import ErrorShape
from strangler_proxy.errors import INTERNAL_ERROR
from strangler_proxy.event_loop.body_feed import BodyFeed
from strangler_proxy.event_loop.request_head import LoopRequest
from strangler_proxy.event_loop.response_writer import WRITER_LIMIT, ResponseWriter
from strangler_proxy.event_loop.takeover import Takeover
from strangler_proxy.http_types import error_response
from strangler_proxy.server_worker import REQUEST_TIMEOUT, closing_answer, server_refusal
from strangler_proxy.slow_clients import SlowClientSettings, WaitingRoom

log = logging.getLogger(__name__)

CLOSE_LINGER = 2.0  # seconds a closing connection still reads, so its last answer is not reset
UNLIMITED_LINE = 1024 * 1024  # the head's bound with any request line length (gunicorn's too)


class Outcome(enum.Enum):
    """What becomes of the connection once a request was handled."""

    KEEP_ALIVE = "keep-alive"
    CLOSE = "close"
    TAKEN_OVER = "taken over"  # the app relays it (a WebSocket): closed when the app is done


@dataclass(eq=False)
class Exchange:
    """One ready request, for a handler: its head, its body as it comes, where it came
    from and to (`listener`: the server's own address), and how to answer it. The
    handler calls `done` (from any thread) once the answer is written."""

    request: LoopRequest
    body: BodyFeed
    peer: tuple[str, int]
    listener: tuple[str, int]
    output: ResponseWriter
    app_socket: Any  # socket.socket: the app's end of the connection (`takeover.py`)
    must_close: Callable[[], bool]
    _finish: Callable[[Exchange, Outcome], None] = field(repr=False)
    _loop: asyncio.AbstractEventLoop = field(repr=False)

    def done(self, outcome: Outcome) -> None:
        self._loop.call_soon_threadsafe(self._finish, self, outcome)


Handler = Callable[[Exchange], None]


@dataclass(eq=False)
class Http1Server:
    """What every connection of a worker shares: the handler, gunicorn's settings
    (`cfg`: its request limits), the slow-client settings and waiting room, how long an
    idle connection is kept, the error shape of the server's own answers, and the open
    connections (for a graceful stop: `draining`)."""

    loop: asyncio.AbstractEventLoop
    handler: Handler
    cfg: Any
    slow: SlowClientSettings
    keepalive: float
    error_shape: Callable[[], ErrorShape]
    room: WaitingRoom = field(init=False)
    connections: set[Http1Connection] = field(default_factory=set)
    draining: bool = False

    def __post_init__(self) -> None:
        self.room = WaitingRoom(self.slow)

    @property
    def limits(self) -> tuple[int, int, int]:
        """The request line's length (0: any), the header fields' count and the length of
        each, as gunicorn reads its settings."""
        line = self.cfg.limit_request_line
        fields = self.cfg.limit_request_fields
        field_size = self.cfg.limit_request_field_size
        return (
            MAX_REQUEST_LINE if line < 0 else line,
            fields if 0 < fields <= MAX_HEADERS else MAX_HEADERS,
            field_size if field_size > 0 else DEFAULT_MAX_HEADERFIELD_SIZE,
        )

    def connection(self) -> Http1Connection:
        """A protocol for a new connection (`loop.create_server`'s factory)."""
        return Http1Connection(self)

    def drain(self) -> None:
        """Stop: idle connections close now, busy ones once their request is answered."""
        self.draining = True
        for connection in list(self.connections):
            connection.drain()

    @property
    def busy(self) -> int:
        """How many connections have a request being handled."""
        return sum(connection.busy for connection in self.connections)


@dataclass
class _Head:
    url: bytearray = field(default_factory=bytearray)
    fields: list[tuple[bytes, bytes]] = field(default_factory=list)
    size: int = 0


@dataclass(eq=False)
class _Parsed:
    request: LoopRequest
    body: BodyFeed
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)  # counted, then dropped


class Http1Connection(asyncio.Protocol):
    """One client connection (an asyncio protocol; httptools calls its `on_*` methods)."""

    def __init__(self, server: Http1Server) -> None:
        self._server = server
        self._loop = server.loop
        self._limit_line, self._limit_fields, self._limit_field_size = server.limits
        line = self._limit_line or UNLIMITED_LINE
        self._max_head = line + self._limit_fields * (self._limit_field_size + 2) + 4
        self._parser = httptools.HttpRequestParser(self)
        self._head: _Head | None = None
        self._queue: deque[_Parsed] = deque()
        self._receiving: _Parsed | None = None
        self._current: Exchange | None = None
        self._paused: set[str] = set()
        self._upgrade_rest: bytearray | None = None
        self._takeover: Takeover | None = None
        self._failure: bytes | None = None
        self._failed = False
        self._client_ended = False
        self._closing = False
        self._waiting = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._idle_timer: asyncio.TimerHandle | None = None
        self._last_received = self._loop.time()

    @property
    def busy(self) -> bool:
        return self._current is not None

    # --- the transport's callbacks ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # uvloop's are not its subclasses
        self._transport = transport
        transport.set_write_buffer_limits(high=WRITER_LIMIT)
        self._peer: tuple[str, int] = transport.get_extra_info("peername") or ("", 0)
        self._listener: tuple[str, int] = transport.get_extra_info("sockname") or ("", 0)
        self._output = ResponseWriter(self._loop, transport)
        self._server.connections.add(self)
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        self._last_received = self._loop.time()
        if self._takeover is not None and self._takeover.active:
            self._takeover.to_app(data)
        elif self._closing or self._failed:
            return  # read only so that closing does not reset the connection
        elif self._upgrade_rest is not None:
            self._upgrade_rest += data  # the app may take the connection: not parsed now
            if len(self._upgrade_rest) > WRITER_LIMIT:
                self._pause("upgrade")
        else:
            self._feed(data)
            self._advance()

    def eof_received(self) -> bool:
        if self._takeover is not None and self._takeover.active:
            self._takeover.client_ended()
            return True
        self._client_ended = True
        self._head = None
        if self._receiving is not None:
            self._receiving.body.break_off("the client closed its connection mid-body")
            self._receiving = None
        if self._closing:
            return False
        self._advance()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self._stop_waiting()
        self._cancel_idle()
        self._output.lose()
        self._server.connections.discard(self)
        for parsed in (*self._queue, *([self._receiving] if self._receiving else [])):
            parsed.body.break_off("the client's connection was lost")
        self._queue.clear()
        if self._current is not None:
            self._current.body.break_off("the client's connection was lost")
        if self._takeover is not None:
            self._takeover.client_lost()
            if self._current is None:
                self._takeover.close()

    def pause_writing(self) -> None:
        self._output.pause()
        if self._takeover is not None:
            self._takeover.pause()

    def resume_writing(self) -> None:
        self._output.resume()
        if self._takeover is not None:
            self._takeover.resume()

    # --- httptools' callbacks --------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._head = _Head()  # its wait starts once the bytes at hand are parsed (`_advance`)

    def on_url(self, url: bytes) -> None:
        assert self._head is not None
        self._head.url += url
        line = len(self._head.url) + len(self._parser.get_method()) + len(" HTTP/1.1 ")
        if 0 < self._limit_line < line:
            raise LimitRequestLine(line, self._limit_line)

    def on_header(self, name: bytes, value: bytes) -> None:
        """A field of the head, or, once the head is done, a trailer field after a chunked
        body: held to the same limits and dropped (the threaded path forwards none)."""
        if self._head is not None:
            fields = self._head.fields
        else:
            assert self._receiving is not None
            fields = self._receiving.trailers
        fields.append((name, value))
        if len(fields) > self._limit_fields:
            raise LimitRequestHeaders("limit request headers fields")
        if len(name) + len(value) + 2 > self._limit_field_size:
            raise LimitRequestHeaders("limit request headers fields size")

    def on_headers_complete(self) -> None:
        head, self._head = self._head, None
        assert head is not None
        request = LoopRequest(
            self._server.cfg,
            self._peer,
            self._parser.get_method().decode("latin-1"),
            head.url.decode("latin-1"),
            self._parser.get_http_version(),
            head.fields,
        )
        if request.method == "CONNECT" and request.has_body:
            # llhttp reads no body after a CONNECT's head (what follows is the tunnel's):
            # one that declares a body cannot be framed as gunicorn's worker would
            raise InvalidHeader("Content-Length" if request.content_length else "Transfer-Encoding")
        body = BodyFeed(self._loop, lambda: self._pause("body"), lambda: self._resume("body"))
        self._receiving = _Parsed(request, body)
        self._queue.append(self._receiving)

    def on_body(self, body: bytes) -> None:
        assert self._receiving is not None
        self._receiving.body.put(body)

    def on_message_complete(self) -> None:
        assert self._receiving is not None
        self._receiving.body.end()
        self._receiving = None

    # --- parsing ---------------------------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        if self._head is not None:
            self._head.size += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._upgrade_rest = bytearray(data[upgrade.args[0] :])
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            self._fail(cause if isinstance(cause, Exception) else exc)
        except httptools.HttpParserError as exc:
            self._fail(_parse_error(exc))
        else:
            if self._head is not None and self._head.size > self._max_head:
                self._fail(LimitRequestHeaders("the request head is too large"))

    def _fail(self, exc: Exception) -> None:
        """The client's bytes cannot be parsed on: it gets the refusal once the requests
        before it are answered, and the connection closes."""
        self._failed = True
        self._pause("failed")
        refusal = server_refusal(exc)
        if refusal is None:
            log.error("could not parse a request from %s", self._peer[0], exc_info=exc)
            answer = error_response(INTERNAL_ERROR, self._server.error_shape())
        else:
            log.warning("Invalid request from ip=%s: %s", self._peer[0], exc)
            answer = error_response(refusal, self._server.error_shape())
        self._head = None
        broken, self._receiving = self._receiving, None
        if broken is not None:
            broken.body.break_off("the request's framing broke")
        if broken is not None and broken in self._queue:
            self._queue.remove(broken)
        elif broken is not None:  # being handled: the app answers it, then the connection closes
            self._failure = b""
            return
        self._failure = closing_answer(answer)

    # --- handing requests on ---------------------------------------------------------------

    def _advance(self) -> None:
        """Hand the next ready request on, or wait for it (or answer the refusal)."""
        if self._current is not None:
            if self._queue:
                self._pause("pipeline")
            return
        if self._closing or self._transport.is_closing():
            return
        if self._queue:
            first = self._queue[0]
            if first.request.ready(first.body.received, first.body.ended or self._client_ended):
                self._queue.popleft()
                self._dispatch(first)
                return
        elif self._failure is not None:
            self._transport.write(self._failure)
            self._close()
            return
        elif self._client_ended and self._head is None and self._receiving is None:
            self._close()
            return
        if self._queue or self._head is not None:
            self._start_waiting()
        self._arm_idle()

    def _dispatch(self, parsed: _Parsed) -> None:
        self._stop_waiting()
        if self._takeover is None:
            self._takeover = Takeover(self._loop, self._transport, self._taken_over)
        self._current = Exchange(
            parsed.request,
            parsed.body,
            self._peer,
            self._listener,
            self._output,
            self._takeover.app_socket,
            lambda: self._server.draining,
            self._finish,
            self._loop,
        )
        if self._queue:
            self._pause("pipeline")
        self._server.handler(self._current)

    def _finish(self, exchange: Exchange, outcome: Outcome) -> None:
        """The handler is done with `exchange` (on the loop)."""
        self._current = None
        self._last_received = self._loop.time()  # the keep-alive time starts now
        if not exchange.body.ended:
            exchange.body.discard()  # what is left of it is dropped as it comes
        takeover = self._takeover
        if self._transport.is_closing():
            if takeover is not None:
                takeover.close()
            return
        if takeover is not None and (outcome is Outcome.TAKEN_OVER or takeover.active):
            takeover.app_done()
            return
        if outcome is Outcome.CLOSE or self._server.draining or not exchange.body.ended:
            self._close()  # a body left unread: where the next request starts is not known yet
            return
        self._resume("pipeline")
        rest, self._upgrade_rest = self._upgrade_rest, None
        if rest is not None:  # an upgrade the app did not take: what followed is HTTP again
            self._resume("upgrade")
            self._parser = httptools.HttpRequestParser(self)
            self._feed(bytes(rest))
        self._advance()

    def _taken_over(self) -> None:
        """The app wrote on its socket: the connection is its (on the loop)."""
        self._stop_waiting()
        self._cancel_idle()
        self._paused.clear()
        self._transport.resume_reading()
        assert self._takeover is not None
        rest, self._upgrade_rest = self._upgrade_rest, None
        if rest:
            self._takeover.to_app(bytes(rest))
        if self._client_ended:
            self._takeover.client_ended()

    # --- waiting, timing out, closing ------------------------------------------------------

    def _start_waiting(self) -> None:
        if self._waiting or self._closing:
            return
        if not self._server.room.may_wait(self, started=True, now=time.monotonic()):
            self._too_late()
            return
        self._waiting = True
        self._head_timer = self._loop.call_later(self._server.slow.header_timeout, self._too_late)

    def _stop_waiting(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._server.room.ready(self)
        self._waiting = False

    def _too_late(self) -> None:
        """The request did not arrive in time, or too many are waiting: 408, closed."""
        self._stop_waiting()
        if self._current is not None or self._closing:
            return
        for parsed in self._queue:
            parsed.body.break_off("the request did not arrive in time")
        self._queue.clear()
        self._transport.write(closing_answer(error_response(REQUEST_TIMEOUT)))
        self._close()

    def _arm_idle(self) -> None:
        if self._idle_timer is None and not self._closing:
            deadline = self._last_received + self._server.keepalive
            self._idle_timer = self._loop.call_at(deadline, self._idle)

    def _cancel_idle(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _idle(self) -> None:
        """Quiet for `keepalive` seconds with no request being handled: closed silently."""
        self._idle_timer = None
        if self._current is not None or self._closing:
            return
        if self._loop.time() < self._last_received + self._server.keepalive:
            self._arm_idle()
            return
        self._closing = True
        self._stop_waiting()
        self._transport.close()

    def drain(self) -> None:
        """The worker stops: closed now if no request is being handled (else after it)."""
        if self._current is None and not self._closing:
            self._closing = True
            self._stop_waiting()
            self._cancel_idle()
            self._transport.close()

    def _close(self) -> None:
        """Close after what was written, reading on a little meanwhile (unread bytes would
        make the close a reset, which may drop the last answer)."""
        self._closing = True
        self._stop_waiting()
        self._cancel_idle()
        self._paused.clear()
        if self._transport.is_closing():
            return
        self._transport.resume_reading()
        if not self._client_ended and self._transport.can_write_eof():
            self._transport.write_eof()
            self._loop.call_later(CLOSE_LINGER, self._transport.close)
        else:
            self._transport.close()

    def _pause(self, reason: str) -> None:
        if not self._paused and not self._transport.is_closing():
            self._transport.pause_reading()
        self._paused.add(reason)

    def _resume(self, reason: str) -> None:
        if reason not in self._paused:
            return
        self._paused.discard(reason)
        if not self._paused and not self._transport.is_closing():
            self._transport.resume_reading()


def _parse_error(exc: httptools.HttpParserError) -> ParseException:
    """llhttp's refusal as the gunicorn error that stands for it (`server_refusal`)."""
    message = str(exc)
    if isinstance(exc, httptools.HttpParserInvalidMethodError):
        return InvalidRequestMethod(message)
    if isinstance(exc, httptools.HttpParserInvalidURLError):
        return InvalidRequestLine(message)
    if "invalid `Transfer-Encoding`" in message:
        return UnsupportedTransferCoding(message)
    return InvalidHeader(message)
