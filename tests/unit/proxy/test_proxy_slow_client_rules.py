"""When a request is ready for a thread (pure), and how long a body may keep a thread waiting.

The worker that keeps the others in its poller runs under gunicorn:
tests/integration/proxy/test_proxy_slow_clients.py.
"""

from __future__ import annotations

import socket

import pytest

from strangler_proxy.errors import BodyTimeout
from strangler_proxy.request_body import CHUNK_BYTES, IncomingBody
from strangler_proxy.slow_clients import HEAD_LIMIT, SlowClientSettings, WaitingRoom, request_ready

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
