"""The proxy's gunicorn worker: threaded, but a thread only for a request that is ready.

gunicorn's `gthread` worker gives a connection a thread once any byte arrives
(after waiting up to 5 s for one) and lets it wait for the rest of the request
with no time limit, so slow clients hold every thread. This one looks first at
what the connection holds (reading it into gunicorn's own buffer, where its
parser starts): a request that is not ready (`slow_clients.request_ready`)
goes back to gunicorn's poller, holding no thread, and is looked at again
when more arrives. Each has `header_timeout` seconds from when it is first
looked at, and at most `max_waiting` connections that sent part of a request
wait at once (`slow_clients.WaitingRoom`); past either, the client gets a 408
and its connection is closed. Once a thread has the request, each read of its
body waits at most what the minimum body rate leaves (`PacedReads`), so a
client trickling its body gets the app's 408 too. TLS and HTTP/2 connections
are served as gunicorn does.

A request gunicorn itself refuses (a bad request line, header or framing, too
long a head) is answered in the proxy's JSON error shape with a fixed message,
not gunicorn's HTML page, which quotes what the client sent.
"""

from __future__ import annotations

import contextlib
import io
import select
import socket
import time
from dataclasses import replace
from typing import Any, Protocol

from gunicorn.http.errors import (
    ConfigurationProblem,
    ExpectationFailed,
    ForbiddenProxyRequest,
    InvalidResponseHeader,
    InvalidResponseHeaderName,
    LimitRequestHeaders,
    LimitRequestLine,
    ParseException,
    UnsupportedTransferCoding,
)
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import _DEFER, TConn, ThreadWorker

from strangler_proxy.client_answer import response_head
from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE, ErrorShape
from strangler_proxy.errors import HttpError
from strangler_proxy.http_types import Response, error_response
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.request_body import SlowBody
from strangler_proxy.slow_clients import (
    PEEK_BYTES,
    BodyPace,
    SlowClientSettings,
    WaitingRoom,
    request_ready,
)

REQUEST_TIMEOUT = HttpError(408, "request_timeout", "the request did not arrive in time")
FIRST_BYTES_WAIT = 0.01  # seconds a new connection's first bytes are waited for on a thread
# what gunicorn refuses to parse, as the client is told; any other ParseException is a 400
SERVER_REFUSALS: tuple[tuple[type[ParseException], HttpError], ...] = (
    (LimitRequestLine, HttpError(414, "uri_too_long", "the request line is too long")),
    (
        LimitRequestHeaders,
        HttpError(431, "request_header_fields_too_large", "the request's header is too large"),
    ),
    (
        UnsupportedTransferCoding,
        HttpError(501, "not_implemented", "the request's transfer coding is not supported"),
    ),
    (ExpectationFailed, HttpError(417, "expectation_failed", "the expectation is not supported")),
    (ForbiddenProxyRequest, HttpError(403, "forbidden", "request forbidden")),
)
NOT_HTTP = HttpError(400, "bad_request", "the request is not valid HTTP/1.1")
NOT_THE_CLIENTS = (ConfigurationProblem, InvalidResponseHeader, InvalidResponseHeaderName)


def worker_class(settings: SlowClientSettings) -> type[ThreadWorker]:
    """The worker class gunicorn starts, bound to these settings (`worker_class` setting)."""
    return type("SlowClientsWorker", (SlowClientsWorker,), {"settings": settings})


class SlowClientsWorker(ThreadWorker):
    """gunicorn's threaded worker, giving a thread only to a request that is ready."""

    settings = SlowClientSettings()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting = WaitingRoom(self.settings)

    def handle(self, conn: TConn) -> Any:
        if self.cfg.is_ssl or conn.is_http2:
            return super().handle(conn)
        received, ended = _received(conn)
        _pace_reads(conn)
        if ended or request_ready(received):
            self._waiting.ready(conn)
            return super().handle(conn)
        if self._waiting.may_wait(conn, started=bool(received), now=time.monotonic()):
            return _DEFER
        _refuse(conn)
        return False

    def handle_request(self, req: Any, conn: TConn) -> Any:
        """gunicorn's, with the request's body read at the minimum rate at least."""
        reads = getattr(getattr(conn.parser, "unreader", None), "sock", None)
        if not isinstance(reads, PacedReads):
            return super().handle_request(req, conn)
        reads.pace = BodyPace(self.settings.min_body_rate, self.settings.body_rate_grace)
        try:
            return super().handle_request(req, conn)
        finally:
            reads.pace = None

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        """A request gunicorn refused to parse, answered in the error shape; any other error
        (the app's, the server's) as gunicorn answers it."""
        refusal = server_refusal(exc)
        if refusal is None:
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        _answer_and_close(client, error_response(refusal, error_shape_of(self.wsgi)))


def error_shape_of(app: object) -> ErrorShape:
    """The error shape the server's own answers take: the current routes table's, for the
    proxy's app (any other app: the default one)."""
    routes = getattr(app, "routes", None)  # the ProxyApp's
    if isinstance(routes, LiveRoutes):
        return routes.current().table.settings.error_shape
    return DEFAULT_ERROR_SHAPE


def server_refusal(exc: BaseException) -> HttpError | None:
    """What the client is told when gunicorn refused its request; None for an error that is
    not the client's."""
    if not isinstance(exc, ParseException) or isinstance(exc, NOT_THE_CLIENTS):
        return None
    return next((answer for kind, answer in SERVER_REFUSALS if isinstance(exc, kind)), NOT_HTTP)


def _received(conn: TConn) -> tuple[bytes, bool]:
    """Everything the connection holds that gunicorn has not parsed, and whether the client
    closed its side. What waits on the socket is moved into the buffer gunicorn's parser
    reads first (so the socket is readable again only when more comes)."""
    conn.init()  # gunicorn's own first step: its parser, and a blocking socket
    held = conn.parser.unreader.buf
    if not held.getvalue() and not conn.data_ready:
        select.select([conn.sock], [], [], FIRST_BYTES_WAIT)  # it is usually on its way
    try:
        waiting = conn.sock.recv(max(PEEK_BYTES - len(held.getvalue()), 1), socket.MSG_DONTWAIT)
    except BlockingIOError:
        return held.getvalue(), False
    except OSError:
        return held.getvalue(), True
    held.seek(0, io.SEEK_END)
    held.write(waiting)
    return held.getvalue(), not waiting


class ClientReads(Protocol):
    """What PacedReads reads: the client's socket (or the event-loop server's stand-in)."""

    def recv(self, size: int, /) -> bytes: ...

    def gettimeout(self) -> float | None: ...

    def settimeout(self, value: float | None, /) -> None: ...


class PacedReads:
    """The client's socket as gunicorn's parser reads it (its unreader's `sock`).

    While a request is handled (`pace` set), each wait for more of it lasts at most
    what the minimum body rate leaves (`BodyPace.wait_left`), then SlowBody; the
    socket's own timeout (the body timeout the app set) bounds it as before. Only
    the time spent waiting in `recv` counts. Anything else is the socket's.
    """

    def __init__(self, sock: ClientReads) -> None:
        self._sock = sock
        self.pace: BodyPace | None = None

    def recv(self, size: int) -> bytes:
        pace = self.pace
        left = None if pace is None else pace.wait_left()
        if pace is None or left is None:
            return self._sock.recv(size)
        if left <= 0:
            raise _too_slow(pace)
        own = self._sock.gettimeout()
        paced = own is None or left < own
        if paced:
            self._sock.settimeout(left)
        started = time.monotonic()
        try:
            data = self._sock.recv(size)
        except TimeoutError:
            pace.read(0, time.monotonic() - started)
            if paced:
                raise _too_slow(pace) from None
            raise
        finally:
            if paced:
                with contextlib.suppress(OSError):
                    self._sock.settimeout(own)
        pace.read(len(data), time.monotonic() - started)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _too_slow(pace: BodyPace) -> SlowBody:
    return SlowBody(
        f"the body came slower than {pace.min_rate:g} bytes/s"
        f" ({pace.received} bytes in {pace.waited:.1f}s of waiting)"
    )


def _pace_reads(conn: TConn) -> None:
    """Have gunicorn's parser read the connection through PacedReads (once)."""
    unreader = getattr(conn.parser, "unreader", None)
    if isinstance(unreader, SocketUnreader) and not isinstance(unreader.sock, PacedReads):
        unreader.sock = PacedReads(unreader.sock)


def _refuse(conn: TConn) -> None:
    """Answer 408 and close."""
    _answer_and_close(conn.sock, error_response(REQUEST_TIMEOUT))


def _answer_and_close(sock: socket.socket, answer: Response) -> None:
    """Send the answer and close, having read what the client sent (unread bytes would make
    the close a reset, which may drop the answer)."""
    with contextlib.suppress(OSError):  # nothing more waiting is the usual case
        sock.recv(PEEK_BYTES, socket.MSG_DONTWAIT)
    with contextlib.suppress(OSError):
        sock.setblocking(True)
        sock.settimeout(1.0)
        sock.sendall(closing_answer(answer))
        sock.shutdown(socket.SHUT_RDWR)


def closing_answer(answer: Response) -> bytes:
    """The server's own answer as sent before it closes the connection: whole, with its
    length and `Connection: close`."""
    framing = (("Content-Length", str(len(answer.body))), ("Connection", "close"))
    return response_head(replace(answer, headers=(*answer.headers, *framing))) + answer.body
