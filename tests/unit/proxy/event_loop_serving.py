"""The event-loop server (`strangler_proxy.event_loop`) serving a test's WSGI app over a
real socket, its loop on a thread that stops with the `serving` block."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import uvloop
from gunicorn.config import Config

from strangler.wsgi_server import WsgiApp
from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE
from strangler_proxy.event_loop.http1 import Http1Server
from strangler_proxy.event_loop.wsgi_bridge import WsgiBridge
from strangler_proxy.slow_clients import SlowClientSettings


class NoAccessLog:
    def access(self, *_: Any) -> None:
        pass


@contextmanager
def serving(
    app: WsgiApp,
    *,
    slow: SlowClientSettings | None = None,
    keepalive: float = 5.0,
    threads: int = 4,
) -> Iterator[tuple[str, int]]:
    """The app served on 127.0.0.1 (the address), until the block ends."""
    slow = slow or SlowClientSettings()
    cfg = Config()
    cfg.set("keepalive", 5)  # gunicorn only asks whether it is on; the loop uses `keepalive`
    loop = uvloop.new_event_loop()
    bridge = WsgiBridge(app, cfg, NoAccessLog(), slow, lambda: DEFAULT_ERROR_SHAPE, threads)
    server = Http1Server(loop, bridge, cfg, slow, keepalive, lambda: DEFAULT_ERROR_SHAPE)
    listener = socket.create_server(("127.0.0.1", 0))
    listening = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        accepting = loop.run_until_complete(loop.create_server(server.connection, sock=listener))
        listening.set()
        loop.run_forever()
        accepting.close()
        server.drain()
        loop.run_until_complete(asyncio.sleep(0.05))
        loop.close()

    thread = threading.Thread(target=run, name="event-loop-server", daemon=True)
    thread.start()
    assert listening.wait(10)
    try:
        yield listener.getsockname()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        bridge.shutdown()


def read_answer(answers: BinaryIO) -> tuple[bytes, bytes]:
    """The next answer's head and body (by Content-Length, chunked, or to the end) from
    `answers`, the connection as a buffered file (`sock.makefile("rb")`)."""
    lines = [answers.readline()]
    while lines[-1] not in (b"\r\n", b""):
        lines.append(answers.readline())
    if lines[-1] == b"":
        raise ConnectionError(f"closed after {b''.join(lines)!r}")
    head = b"".join(lines[:-1]).removesuffix(b"\r\n")
    fields = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(b":") for line in lines[1:-1])
    }
    status = int(head.split(b" ", 2)[1])
    if status in (204, 304) or status < 200:
        return head, b""
    if b"content-length" in fields:
        return head, answers.read(int(fields[b"content-length"]))
    if fields.get(b"transfer-encoding") == b"chunked":
        return head, _dechunked(answers)
    return head, answers.read()


def _dechunked(answers: BinaryIO) -> bytes:
    body = b""
    while size := int(answers.readline(), 16):
        body += answers.read(size)
        answers.readline()
    answers.readline()
    return body
