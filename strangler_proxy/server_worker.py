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
and its connection is closed. TLS and HTTP/2 connections are served as
gunicorn does.
"""

from __future__ import annotations

import contextlib
import io
import select
import socket
import time
from dataclasses import replace
from typing import Any

from gunicorn.workers.gthread import _DEFER, TConn, ThreadWorker

from strangler_proxy.client_answer import response_head
from strangler_proxy.errors import HttpError
from strangler_proxy.http_types import error_response
from strangler_proxy.slow_clients import (
    PEEK_BYTES,
    SlowClientSettings,
    WaitingRoom,
    request_ready,
)

REQUEST_TIMEOUT = HttpError(408, "request_timeout", "the request did not arrive in time")
FIRST_BYTES_WAIT = 0.01  # seconds a new connection's first bytes are waited for on a thread


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
        if ended or request_ready(received):
            self._waiting.ready(conn)
            return super().handle(conn)
        if self._waiting.may_wait(conn, started=bool(received), now=time.monotonic()):
            return _DEFER
        _refuse(conn)
        return False


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


def _refuse(conn: TConn) -> None:
    """Answer 408 and close, having read what the client sent (unread bytes would make the
    close a reset, which may drop the answer)."""
    answer = error_response(REQUEST_TIMEOUT)
    framing = (("Content-Length", str(len(answer.body))), ("Connection", "close"))
    head = response_head(replace(answer, headers=(*answer.headers, *framing)))
    with contextlib.suppress(OSError):  # nothing more waiting is the usual case
        conn.sock.recv(PEEK_BYTES, socket.MSG_DONTWAIT)
    with contextlib.suppress(OSError):
        conn.sock.setblocking(True)
        conn.sock.settimeout(1.0)
        conn.sock.sendall(head + answer.body)
        conn.sock.shutdown(socket.SHUT_RDWR)
