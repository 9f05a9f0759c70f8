"""Slow clients do not stop the real proxy (gunicorn, one worker, 4 threads) serving others.

100 clients open connections and then stall: part of a request head, a head
announcing a body that never comes, or a head trickled a byte at a time. Normal
requests sent meanwhile are all answered, and the proxy closes every slow
connection: a 408 in the JSON error shape for one that outlived its time. A
client trickling its body, each byte well within the body timeout, gets the
408 once its grace period is over, on a route to the monolith (streamed) as on
one to a service (read whole first: no broker is needed to refuse it), and as
many of them as the proxy has threads hold them only that long.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from proxy_stack import start_proxy
from recording_server import raw_exchange, recording_server

from strangler.processes import ProcessGroup
from strangler_proxy.slow_clients import BODY_RATE_GRACE

HEADER_TIMEOUT = 6.0
BODY_TIMEOUT = 2.0
PROXY_THREADS = 4  # start_proxy's
PARTIAL_HEAD = b"GET /slow HTTP/1.1\r\nHost: h\r\nX-Slow: "
NO_BODY = b"POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n"
# a head that gets a thread at once (it waits for `100 Continue`), then its body trickled
TRICKLED = b"POST %s HTTP/1.1\r\nHost: h\r\nContent-Length: 10000\r\nExpect: 100-continue\r\n\r\n"
TRICKLE_PAUSE = 0.5  # a byte every half second: 2 bytes/s, each wait far under BODY_TIMEOUT
CUT_WITHIN = BODY_RATE_GRACE + 5.0  # the grace period, and room for a busy machine
ROUTES = """
monolith = "{monolith}"
amqp_uri = "amqp://guest:guest@127.0.0.1:1/"

[[route]]
path = "/svc/upload"
methods = ["POST"]
target = "nobody.upload"
mode = "service"
"""


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
        routes.write_text(ROUTES.format(monolith=monolith))
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


def trickle_body(
    proxy: Proxy, path: bytes, give_up: float, got_thread: Callable[[], None] = lambda: None
) -> tuple[bytes, float]:
    """Send a head asking for `100 Continue`, then a byte of its body every TRICKLE_PAUSE
    until the proxy closes the connection or `give_up` seconds passed: what the proxy sent,
    and after how long. `got_thread` is called once the `100 Continue` came (a thread
    of the proxy has the request)."""
    received = b""
    with open_sending(proxy, TRICKLED % path) as sock:
        started = time.monotonic()
        next_byte = started
        while (now := time.monotonic()) - started < give_up:
            if now >= next_byte:
                with contextlib.suppress(OSError):  # the proxy may have closed it meanwhile
                    sock.sendall(b"x")
                next_byte = now + TRICKLE_PAUSE
            readable, _, _ = select.select([sock], [], [], max(next_byte - now, 0.0))
            if not readable:
                continue
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            if b"100 Continue" not in received and b"100 Continue" in received + chunk:
                got_thread()
            received += chunk
        return received, time.monotonic() - started


@pytest.mark.parametrize("path", [b"/upload", b"/svc/upload"], ids=["monolith", "service"])
def test_a_body_trickled_below_the_minimum_rate_is_a_408_after_the_grace_period(
    proxy: Proxy, path: bytes
) -> None:
    answer, took = trickle_body(proxy, path, give_up=CUT_WITHIN + 5)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 408 Request Timeout\r\n")
    body = json.loads(answer.split(b"\r\n\r\n", 2)[2])
    assert body["error"]["code"] == "request_timeout"
    assert BODY_RATE_GRACE <= took < CUT_WITHIN


def test_clients_trickling_on_every_thread_hold_them_only_for_the_grace_period(
    proxy: Proxy,
) -> None:
    threads_taken = threading.Semaphore(0)
    with ThreadPoolExecutor(PROXY_THREADS) as tricklers:
        trickling = [
            tricklers.submit(trickle_body, proxy, b"/upload", CUT_WITHIN + 5, threads_taken.release)
            for _ in range(PROXY_THREADS)
        ]
        for _ in range(PROXY_THREADS):  # every thread of the proxy holds a trickled body
            assert threads_taken.acquire(timeout=10)
        sent = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            answers = list(
                pool.map(
                    lambda n: raw_exchange(
                        proxy.url, b"GET /ok/%d HTTP/1.1\r\nHost: h\r\n\r\n" % n, timeout=30
                    ),
                    range(8),
                )
            )
        answered = time.monotonic() - sent
        ends = [trickled.result()[0] for trickled in trickling]
    assert [answer.status for answer in answers] == [200] * 8
    assert answered < CUT_WITHIN  # once the tricklers' grace periods ran out, not never
    assert all(b"\r\n\r\nHTTP/1.1 408 " in end for end in ends), ends
