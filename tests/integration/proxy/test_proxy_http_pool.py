"""The monolith's connection pool on real sockets: it keeps connections alive, drops the ones the
server closed, and sends exactly the target and headers it is given."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from recording_server import Recorder, Reply, recording_server

from strangler.processes import free_port
from strangler_proxy.backends.http_pool import HttpPool, Origin
from strangler_proxy.errors import MonolithBadResponse, MonolithTimeout, MonolithUnavailable


@pytest.fixture
def server() -> Iterator[tuple[HttpPool, Recorder]]:
    with recording_server() as (url, recorder):
        pool = HttpPool(Origin.from_url(url + "/prefix"), connect_timeout=2, read_timeout=2)
        yield pool, recorder
        pool.close()


def test_one_connection_carries_request_after_request(server: tuple[HttpPool, Recorder]) -> None:
    pool, recorder = server
    answers = [pool.send("GET", f"/n/{n}", (("Host", "h"),), b"") for n in range(3)]
    assert [(a.status, a.body) for a in answers] == [(200, b"hello")] * 3
    assert len({received.peer_port for received in recorder.received}) == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(
    server: tuple[HttpPool, Recorder],
) -> None:
    pool, recorder = server
    recorder.reply = lambda received: Reply(close_after=True)
    first = pool.send("GET", "/a", (("Host", "h"),), b"")
    recorder.reply = lambda received: Reply()
    time.sleep(0.2)  # the server's thread closes the connection just after answering
    second = pool.send("GET", "/b", (("Host", "h"),), b"")
    assert (first.status, second.status) == (200, 200)
    ports = [received.peer_port for received in recorder.received]
    assert len(set(ports)) == 2


def test_the_request_goes_out_exactly_as_given(server: tuple[HttpPool, Recorder]) -> None:
    pool, recorder = server
    pool.send("POST", "/a/../b/%2e?q", (("X-One", "1"),), b"")
    (received,) = recorder.received
    assert received.request_line == "POST /prefix/a/../b/%2e?q HTTP/1.1"
    assert received.headers == (("X-One", "1"),)


def test_a_server_that_hangs_up_is_a_bad_response(server: tuple[HttpPool, Recorder]) -> None:
    pool, recorder = server
    recorder.reply = lambda received: Reply(hang_up=True)
    with pytest.raises(MonolithBadResponse, match="RemoteDisconnected"):
        pool.send("GET", "/", (("Host", "h"),), b"")


def test_nobody_listening_is_unavailable() -> None:
    pool = HttpPool(
        Origin.from_url(f"http://127.0.0.1:{free_port()}"), connect_timeout=2, read_timeout=2
    )
    with pytest.raises(MonolithUnavailable, match="Connection refused"):
        pool.send("GET", "/", (), b"")


def test_streamed_answers_leave_their_connection_ready_for_the_next_request(
    server: tuple[HttpPool, Recorder],
) -> None:
    pool, recorder = server
    for n in range(3):
        answer = pool.send("GET", f"/s/{n}", (("Host", "h"),), b"", stream=True)
        assert answer.body == b"" and answer.stream is not None
        assert b"".join(answer.stream) == b"hello"
    assert len({received.peer_port for received in recorder.received}) == 1


def test_a_routes_own_timeout_replaces_the_pools_for_one_exchange(
    server: tuple[HttpPool, Recorder],
) -> None:
    pool, recorder = server
    recorder.reply = lambda received: Reply(delay=0.6)
    with pytest.raises(MonolithTimeout, match=r"within 0\.2s"):
        pool.send("GET", "/slow", (("Host", "h"),), b"", timeout=0.2)
    answer = pool.send("GET", "/slow", (("Host", "h"),), b"")  # the pool's 2 s
    assert answer.status == 200
