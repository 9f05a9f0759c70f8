"""When a request is ready for a thread (pure), and how long a body may keep a thread waiting:
each read, and the minimum rate it must come at (pure, then through gunicorn's own body
reader over a socket pair, as the proxy's worker reads it).

The worker that keeps the others in its poller runs under gunicorn:
tests/integration/proxy/test_proxy_slow_clients.py.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

from strangler_proxy.errors import BodyTimeout
from strangler_proxy.request_body import CHUNK_BYTES, IncomingBody
from strangler_proxy.server_worker import PacedReads
from strangler_proxy.slow_clients import (
    HEAD_LIMIT,
    BodyPace,
    SlowClientSettings,
    WaitingRoom,
    body_wait_left,
    request_ready,
)

HEAD = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"


@pytest.mark.parametrize(
    ("received", "ready"),
    [
        (b"", False),
        (b"GET / HTTP/1.1\r\nHost: h\r\n", False),
        (HEAD, True),
        (HEAD + b"GET /next", True),  # a pipelined request behind it
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", False),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", False),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", True),
        (b"POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", True),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", True),  # gunicorn refuses it
        (b"GET /" + b"a" * HEAD_LIMIT, True),  # too long for a head: gunicorn refuses it
    ],
)
def test_a_request_is_ready_with_its_head_and_its_bodys_first_bytes(
    received: bytes, ready: bool
) -> None:
    assert request_ready(received) is ready


def test_a_large_body_needs_only_its_first_reads_worth() -> None:
    head = b"PUT / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (10 * CHUNK_BYTES)
    assert not request_ready(head + b"x" * (CHUNK_BYTES - 1))
    assert request_ready(head + b"x" * CHUNK_BYTES)


def test_a_body_that_stops_coming_is_a_timeout_and_the_socket_gets_its_timeout_back() -> None:
    client, peer = socket.socketpair()
    with client, peer:
        peer.sendall(b"abc")
        source = client.makefile("rb", buffering=0)
        body = IncomingBody(source, 10, client=client, read_timeout=0.2)
        with pytest.raises(BodyTimeout):
            body.read_all()
        assert client.gettimeout() is None


class Connection:
    """Something a waiting room can hold weakly, as it holds gunicorn's connections."""


def test_a_connection_waits_until_its_deadline_then_no_more() -> None:
    room = WaitingRoom(SlowClientSettings(header_timeout=10.0, max_waiting=5))
    connection = Connection()
    assert room.may_wait(connection, started=True, now=100.0)
    assert room.may_wait(connection, started=True, now=109.9)  # its deadline did not move
    assert not room.may_wait(connection, started=True, now=110.0)


def test_at_most_max_waiting_connections_that_began_a_request_wait_at_once() -> None:
    room = WaitingRoom(SlowClientSettings(max_waiting=2))
    first, second, third, silent = Connection(), Connection(), Connection(), Connection()
    assert room.may_wait(silent, started=False, now=0.0)  # sent nothing yet: not counted
    assert room.may_wait(first, started=True, now=0.0)
    assert room.may_wait(second, started=True, now=0.0)
    assert not room.may_wait(third, started=True, now=0.0)
    assert not room.may_wait(silent, started=True, now=0.0)  # began a request: now it counts
    room.ready(first)
    assert room.may_wait(third, started=True, now=0.0)
    del second
    assert room.may_wait(Connection(), started=True, now=0.0)  # a dropped one is forgotten


@pytest.mark.parametrize(
    ("received", "waited", "left"),
    [
        (0, 0.0, 5.0),  # the grace period, whole
        (0, 2.0, 3.0),  # what is left of it
        (100, 4.0, 1.0),  # within the grace period its rate does not count
        (2400, 6.0, 4.0),  # 2400 bytes at 240/s pay for 10 s of waiting
        (3, 5.0, 0.0),  # a byte now and then: too slow once the grace period is over
        (3, 7.5, -2.5),
    ],
)
def test_a_body_may_wait_its_grace_period_then_as_long_as_its_bytes_pay_for(
    received: int, waited: float, left: float
) -> None:
    assert body_wait_left(received, waited, min_rate=240, grace=5) == pytest.approx(left)


def test_a_minimum_rate_of_zero_lets_a_body_wait_any_time() -> None:
    assert body_wait_left(0, 1e6, min_rate=0, grace=5) is None
    assert BodyPace(0, 5).wait_left() is None


def test_a_pace_adds_up_its_reads() -> None:
    pace = BodyPace(100, 1)
    pace.read(50, 0.25)
    pace.read(150, 0.5)
    assert (pace.received, pace.waited) == (200, 0.75)
    assert pace.wait_left() == pytest.approx(2.0 - 0.75)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """The proxy's end of a connection, and the client's."""
    proxy, client = socket.socketpair()
    with proxy, client:
        yield proxy, client


def paced_body(proxy: socket.socket, length: int, pace: BodyPace | None) -> IncomingBody:
    """A body of `length` bytes read as the proxy's worker reads it: gunicorn's body reader
    over PacedReads, each read waiting at most 2 s (the body timeout)."""
    reads = PacedReads(proxy)
    reads.pace = pace
    source = Body(LengthReader(SocketUnreader(reads), length))
    return IncomingBody(source, length, client=proxy, read_timeout=2.0)


def trickle(client: socket.socket, stop: threading.Event) -> threading.Thread:
    """A byte every 0.05 s (20 bytes/s, each wait far under the body timeout) until `stop`."""

    def run() -> None:
        while not stop.wait(0.05):
            try:
                client.sendall(b"x")
            except OSError:
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_body_trickled_below_the_minimum_rate_is_a_timeout_after_the_grace_period(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    proxy, client = pair
    body = paced_body(proxy, 100, BodyPace(min_rate=1000, grace=0.5))  # 5 s at 20 bytes/s
    stop = threading.Event()
    trickler = trickle(client, stop)
    started = time.monotonic()
    try:
        with pytest.raises(BodyTimeout, match="slower than 1000 bytes/s"):
            body.read_all()
    finally:
        stop.set()
        trickler.join()
    assert 0.5 <= time.monotonic() - started < 1.9  # cut by its rate, not the body timeout
    assert proxy.gettimeout() is None  # the socket's own timeout is back


def test_without_a_pace_a_trickled_body_is_read_to_its_end(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    proxy, client = pair
    body = paced_body(proxy, 20, None)
    stop = threading.Event()
    trickler = trickle(client, stop)
    try:
        assert body.read_all() == b"x" * 20
    finally:
        stop.set()
        trickler.join()


def test_a_large_body_sent_quickly_is_read_whole(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    proxy, client = pair
    data = bytes(range(256)) * 16 * 1024  # 4 MiB
    body = paced_body(proxy, len(data), BodyPace(min_rate=240, grace=0.1))
    sender = threading.Thread(target=client.sendall, args=(data,), daemon=True)
    sender.start()
    assert body.read_all() == data
    sender.join()


def test_time_the_proxy_spends_elsewhere_is_not_the_clients(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    proxy, client = pair
    client.settimeout(5)
    client.sendall(b"a" * CHUNK_BYTES)
    pace = BodyPace(min_rate=1000, grace=0.2)
    chunks = paced_body(proxy, 2 * CHUNK_BYTES, pace).chunks()
    assert next(chunks) == b"a" * CHUNK_BYTES
    time.sleep(0.4)  # the proxy busy passing the first chunk on, past the grace period
    client.sendall(b"b" * CHUNK_BYTES)
    assert next(chunks) == b"b" * CHUNK_BYTES  # the client never kept it waiting
    assert pace.received == 2 * CHUNK_BYTES and pace.waited < 0.2
