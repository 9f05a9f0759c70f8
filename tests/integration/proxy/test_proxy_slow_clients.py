"""Slow clients do not stop the real proxy (gunicorn, one worker, 4 threads) serving others.

100 clients open connections and then stall: part of a request head, a head
announcing a body that never comes, or a head trickled a byte at a time. Normal
requests sent meanwhile are all answered, and the proxy closes every slow
connection: a 408 in the JSON error shape for one that outlived its time.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from proxy_stack import start_proxy
from recording_server import raw_exchange, recording_server

from strangler.processes import ProcessGroup

HEADER_TIMEOUT = 6.0
BODY_TIMEOUT = 2.0
PARTIAL_HEAD = b"GET /slow HTTP/1.1\r\nHost: h\r\nX-Slow: "
NO_BODY = b"POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n"


@dataclass(frozen=True)
class Proxy:
    url: str
    host: str
    port: int


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    workdir = tmp_path_factory.mktemp("slow-clients")
    with recording_server() as (monolith, _recorder):
        routes = workdir / "routes.toml"
        routes.write_text(f'monolith = "{monolith}"\n')
        options = ("--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT))
        with ProcessGroup(workdir / "logs") as group:
            public, _admin = start_proxy(group, routes, options=options)
            host, port = public.removeprefix("http://").split(":")
            yield Proxy(public, host, int(port))


def open_sending(proxy: Proxy, data: bytes) -> socket.socket:
    sock = socket.create_connection((proxy.host, proxy.port), timeout=30)
    sock.sendall(data)
    return sock


def trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    """One more byte of each head every half second, until the proxy closes it."""
    open_ones = list(sockets)
    while open_ones and not stop.wait(0.5):
        for sock in list(open_ones):
            try:
                sock.sendall(b"x")
            except OSError:
                open_ones.remove(sock)


def read_to_the_end(sock: socket.socket) -> bytes:
    """What the proxy sent before it closed the connection (a reset counts as closed)."""
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_slow_clients_hold_no_thread_and_are_closed_after_the_timeout(proxy: Proxy) -> None:
    silent = [open_sending(proxy, PARTIAL_HEAD) for _ in range(40)]
    bodiless = [open_sending(proxy, NO_BODY) for _ in range(40)]
    trickling = [open_sending(proxy, PARTIAL_HEAD) for _ in range(20)]
    stop = threading.Event()
    trickler = threading.Thread(target=trickle, args=(trickling, stop), daemon=True)
    trickler.start()
    try:
        with ThreadPoolExecutor(4) as pool:  # all sent while the 100 hold their connections
            answers = list(
                pool.map(
                    lambda n: raw_exchange(
                        proxy.url, b"GET /ok/%d HTTP/1.1\r\nHost: h\r\n\r\n" % n, timeout=4
                    ),
                    range(20),
                )
            )
        assert [answer.status for answer in answers] == [200] * 20
        ends = {sock: read_to_the_end(sock) for sock in silent + bodiless + trickling}
    finally:
        stop.set()
        trickler.join()
        for sock in silent + bodiless + trickling:
            sock.close()
    timed_out = [ends[sock] for sock in trickling]
    assert all(end.startswith(b"HTTP/1.1 408 Request Timeout\r\n") for end in timed_out)
    body = json.loads(timed_out[0].split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "request_timeout"
    assert [ends[sock] for sock in silent + bodiless] == [b""] * 80  # closed once quiet


def test_a_body_that_stops_coming_is_a_408_after_the_body_timeout(proxy: Proxy) -> None:
    head = b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"
    with open_sending(proxy, head) as sock:
        started = time.monotonic()
        answer = read_to_the_end(sock)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 408 ")
    assert b'"request_timeout"' in answer
    assert time.monotonic() - started >= BODY_TIMEOUT
