"""The event loop's client to the monolith (`loop_http.py`), against real sockets.

Each test runs a loop with a small server in it that answers as the test says, byte for
byte; what the receiver got, in what order, is compared with what the server sent.
Streaming is checked by order (a piece arrives before the server is let go on), never by
wall-clock.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
import uvloop

from strangler_proxy.backends.http_pool import Origin
from strangler_proxy.backends.loop_http import LoopHttpPool
from strangler_proxy.errors import (
    MonolithBadResponse,
    MonolithTimeout,
    MonolithUnavailable,
    ProxyError,
)
from strangler_proxy.http_types import Headers

Answerer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
GET = b"GET /x HTTP/1.1\r\nHost: monolith\r\n\r\n"


@dataclass
class Received:
    """What an AnswerReceiver was given, in order."""

    events: list[tuple[str, object]] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    piece: asyncio.Event = field(default_factory=asyncio.Event)

    def answer_head(self, status: int, reason: str, headers: Headers) -> None:
        self.events.append(("head", (status, reason, headers)))

    def answer_body(self, piece: bytes) -> None:
        self.events.append(("body", piece))
        self.pieces.append(piece)
        self.piece.set()

    def answer_end(self) -> None:
        self.events.append(("end", None))
        self.done.set()

    def answer_failed(self, error: ProxyError, *, started: bool) -> None:
        self.events.append(("failed", (type(error), started)))
        self.done.set()

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events if kind != "body"]


def run(test: Callable[[], Awaitable[None]]) -> None:
    uvloop.run(asyncio.wait_for(test(), 10))


async def serve(answer: Answerer) -> tuple[asyncio.Server, list[int]]:
    """A server answering each connection with `answer`; the list counts connections."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await answer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, connections


def pool_for(server: asyncio.Server, read_timeout: float = 5.0) -> LoopHttpPool:
    port = server.sockets[0].getsockname()[1]
    return LoopHttpPool(
        Origin.from_url(f"http://127.0.0.1:{port}"), connect_timeout=2, read_timeout=read_timeout
    )


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


async def one_exchange(answer: Answerer, *, read_timeout: float = 5.0) -> Received:
    """What the receiver got for one GET to a server answering with `answer`."""
    server, _ = await serve(answer)
    received = Received()
    pool_for(server, read_timeout).send("GET", GET, received)
    await received.done.wait()
    server.close()
    return received


def test_answers_come_whole_and_one_connection_carries_them_all() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await read_head(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 201 Made Here\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello")

    async def test() -> None:
        server, connections = await serve(answer)
        pool = pool_for(server)
        for _ in range(3):
            received = Received()
            pool.send("GET", GET, received)
            await received.done.wait()
            assert received.events[0] == (
                "head",
                (201, "Made Here", (("Content-Length", "5"), ("X-A", "1"))),
            )
            assert (received.body, received.kinds) == (b"hello", ["head", "end"])
        assert len(connections) == 1
        pool.close()
        server.close()

    run(test)


def test_a_chunked_answer_is_passed_on_piece_by_piece() -> None:
    async def test() -> None:
        gate = asyncio.Event()

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await gate.wait()  # the second piece only once the first reached the receiver
            writer.write(b"6\r\nsecond\r\n0\r\n\r\n")
            await writer.drain()

        server, _ = await serve(answer)
        pool = pool_for(server)
        received = Received()
        pool.send("GET", GET, received)
        await received.piece.wait()
        assert received.body == b"first"
        gate.set()
        await received.done.wait()
        assert (received.body, received.kinds) == (b"firstsecond", ["head", "end"])
        server.close()

    run(test)


def test_a_head_answer_ends_at_its_head_and_leaves_the_connection_usable() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")  # no body: a HEAD
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async def test() -> None:
        server, connections = await serve(answer)
        pool = pool_for(server)
        head = Received()
        pool.send("HEAD", b"HEAD /x HTTP/1.1\r\nHost: m\r\n\r\n", head)
        await head.done.wait()
        assert (head.body, head.kinds) == (b"", ["head", "end"])
        then = Received()
        pool.send("GET", GET, then)
        await then.done.wait()
        assert (then.body, then.kinds, len(connections)) == (b"ok", ["head", "end"], 1)
        server.close()

    run(test)


def test_an_answer_without_a_length_ends_where_the_connection_does() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        await writer.drain()

    async def test() -> None:
        received = await one_exchange(answer)
        assert (received.body, received.kinds) == (b"until the end", ["head", "end"])

    run(test)


def test_an_interim_answer_is_skipped() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
        await writer.drain()

    async def test() -> None:
        received = await one_exchange(answer)
        assert received.events[0] == ("head", (200, "OK", (("Content-Length", "1"),)))
        assert (received.body, received.kinds) == (b"x", ["head", "end"])

    run(test)


def test_nobody_listening_is_unavailable_before_anything_started() -> None:
    async def test() -> None:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        pool = LoopHttpPool(
            Origin.from_url(f"http://127.0.0.1:{port}"), connect_timeout=2, read_timeout=2
        )
        received = Received()
        pool.send("GET", GET, received)
        await received.done.wait()
        assert received.events == [("failed", (MonolithUnavailable, False))]

    run(test)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (b"", (MonolithTimeout, False)),  # silent from the start
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npart", (MonolithTimeout, True)),
    ],
)
def test_a_silent_monolith_times_out(sent: bytes, expected: tuple[type, bool]) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(sent)
        await asyncio.sleep(5)

    async def test() -> None:
        received = await one_exchange(answer, read_timeout=0.2)
        assert received.events[-1] == ("failed", expected)

    run(test)


def test_a_client_holding_the_answer_back_is_not_the_monoliths_silence() -> None:
    async def test() -> None:
        gate = asyncio.Event()

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfir")
            await writer.drain()
            await gate.wait()
            writer.write(b"st")
            writer.write(b"!")
            await writer.drain()

        server, _ = await serve(answer)
        received = Received()
        exchange = pool_for(server, read_timeout=0.2).send("GET", GET, received)
        await received.piece.wait()
        exchange.pause()
        gate.set()
        await asyncio.sleep(0.5)  # longer than the timeout, held back by the client
        assert received.kinds == ["head"]
        exchange.resume()
        await received.done.wait()
        assert (received.body, received.kinds) == (b"first!", ["head", "end"])
        server.close()

    run(test)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", (MonolithBadResponse, False)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", (MonolithBadResponse, True)),
    ],
)
def test_a_broken_answer_is_a_bad_response(sent: bytes, expected: tuple[type, bool]) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(sent)
        await writer.drain()

    async def test() -> None:
        received = await one_exchange(answer)
        assert received.events[-1] == ("failed", expected)

    run(test)


def test_a_connection_the_monolith_closed_is_not_used_again() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()  # then the server closes this connection

    async def test() -> None:
        server, connections = await serve(answer)
        pool = pool_for(server)
        for _ in range(2):
            received = Received()
            pool.send("GET", GET, received)
            await received.done.wait()
            assert (received.body, received.kinds) == (b"ok", ["head", "end"])
            await asyncio.sleep(0.05)  # the close reaches the loop
        assert len(connections) == 2
        server.close()

    run(test)
