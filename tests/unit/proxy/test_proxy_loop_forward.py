"""The event loop's own answers (`loop_forward.py`): which requests it takes, and that what
the monolith and the client get is what the threaded path gives them (the service reads it
takes against a real broker: tests/integration/proxy/test_proxy_loop_service.py).

A real proxy app (real backends, a routes file) and a small monolith on a socket in the
same loop; the client's side is a sink that records what the server would frame.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvloop

from strangler_proxy.admin import AdminAccess
from strangler_proxy.app import ProxyApp, create_app, real_backends
from strangler_proxy.http_types import Headers
from strangler_proxy.isolation import MONOLITH
from strangler_proxy.loop_forward import LoopForwarder, RequestHead
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.routes_file import RoutesFile
from strangler_proxy.stats import FALLBACKS

ROUTES = """
monolith = "http://127.0.0.1:{port}"
amqp_uri = "amqp://guest:guest@127.0.0.1:1/"

[[route]]
path = "/moved/<int:id>"
target = "shop.get_item"
mode = "service"
methods = ["GET", "DELETE"]

[[route]]
path = "/kept"
target = "shop.kept"
mode = "monolith"

[[route]]
path = "/canary"
target = "shop.canary"
mode = "canary"
percent = 50

[[route]]
path = "/shadowed"
target = "shop.shadowed"
mode = "shadow"

[[route]]
path = "/guarded"
target = "shop.guarded"
mode = "service"
auth = "monolith:/whoami"
"""


@dataclass
class Sink:
    """What the server would frame and send to the client."""

    status: str | None = None
    headers: Headers = ()
    pieces: list[bytes] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    aborted: bool = False
    gone: Callable[[], None] | None = None  # what the server calls once the client is gone

    def start_response(self, status: str, headers: Headers) -> None:
        self.status, self.headers = status, headers

    def write(self, piece: bytes) -> None:
        self.pieces.append(piece)

    def end(self) -> None:
        self.ended.set()

    def abort(self) -> None:
        self.aborted = True
        self.ended.set()

    def attach(
        self, pause: Callable[[], None], resume: Callable[[], None], gone: Callable[[], None]
    ) -> None:
        self.gone = gone

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def head(
    target: str,
    *,
    method: str = "GET",
    headers: Headers = (("Host", "shop.example"),),
    has_body: bool = False,
    on_admin_port: bool = False,
) -> RequestHead:
    return RequestHead(method, target, headers, "203.0.113.9", "http", on_admin_port, has_body)


def proxy_app(tmp_path: Path, port: int) -> ProxyApp:
    routes = tmp_path / "routes.toml"
    routes.write_text(ROUTES.format(port=port))
    return create_app(RoutesFile(routes), admin=AdminAccess(port=9))


def run(test: Callable[[], Awaitable[None]]) -> None:
    uvloop.run(asyncio.wait_for(test(), 10))


async def monolith(seen: list[bytes]) -> asyncio.Server:
    """Answers every request with 200 and a fixed body, and records each request's head."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                seen.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(
                    b"HTTP/1.1 200 Fine\r\nContent-Length: 4\r\nConnection: keep-alive\r\n"
                    b"Server: monolith/1\r\nX-Request-Id: from-app\r\n\r\nbody"
                )
        except asyncio.IncompleteReadError:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_a_plain_request_is_forwarded_as_the_threaded_path_forwards_it(tmp_path: Path) -> None:
    async def test() -> None:
        seen: list[bytes] = []
        server = await monolith(seen)
        app = proxy_app(tmp_path, server.sockets[0].getsockname()[1])
        forwarder = LoopForwarder(app)
        sink = Sink()
        given = (("Host", "shop.example"), ("X-Forwarded-For", "6.6.6.6"), ("Connection", "x"))
        assert forwarder.take(head("/a/../b?q=1", headers=given), sink)
        await sink.ended.wait()
        assert seen == [
            b"GET /a/../b?q=1 HTTP/1.1\r\nHost: shop.example\r\n"
            b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: http\r\n"
            b"X-Forwarded-Host: shop.example\r\nX-Request-Id: " + _request_id(seen[0]) + b"\r\n\r\n"
        ]
        assert sink.status == "200 Fine"
        assert sink.headers == (
            ("Content-Length", "4"),
            ("Server", "monolith/1"),
            ("X-Request-Id", "from-app"),
            ("X-Strangler-Backend", "monolith"),
        )
        assert b"".join(sink.pieces) == b"body"
        assert app.stats.samples()  # counted
        forwarder.close()
        server.close()

    run(test)


def _request_id(head: bytes) -> bytes:
    return head.split(b"X-Request-Id: ")[1].split(b"\r\n")[0]


def test_a_route_left_on_the_monolith_is_forwarded_and_named(tmp_path: Path) -> None:
    async def test() -> None:
        server = await monolith([])
        forwarder = LoopForwarder(proxy_app(tmp_path, server.sockets[0].getsockname()[1]))
        sink = Sink()
        assert forwarder.take(head("/kept"), sink)
        await sink.ended.wait()
        assert (sink.header("X-Strangler-Backend"), sink.header("X-Strangler-Route")) == (
            "monolith",
            "/kept",
        )
        forwarder.close()
        server.close()

    run(test)


@pytest.mark.parametrize(
    "request_head",
    [
        head("/moved/7", method="DELETE"),  # a service's, not a read
        head("/shadowed"),  # compared with the service's answer
        head("/guarded"),  # the monolith's auth check first
        head("/upload", method="POST", has_body=True),
        head("/chat", headers=(("Host", "h"), ("Connection", "Upgrade"), ("Upgrade", "websocket"))),
        head("/_strangler/health", on_admin_port=True),
        head("nopath"),  # not a path: the app answers it in the error shape
    ],
    ids=["service-write", "shadow", "auth", "body", "upgrade", "admin", "malformed"],
)
def test_anything_but_a_plain_forward_or_a_service_read_is_left_to_the_app(
    tmp_path: Path, request_head: RequestHead
) -> None:
    async def test() -> None:
        seen: list[bytes] = []
        server = await monolith(seen)
        forwarder = LoopForwarder(proxy_app(tmp_path, server.sockets[0].getsockname()[1]))
        sink = Sink()
        assert not forwarder.take(request_head, sink)
        await asyncio.sleep(0.05)
        assert (seen, sink.status) == ([], None)
        forwarder.close()
        server.close()

    run(test)


def test_a_service_read_the_broker_cannot_take_falls_back_to_the_monolith_on_the_loop(
    tmp_path: Path,
) -> None:
    async def test() -> None:
        seen: list[bytes] = []
        server = await monolith(seen)
        app = proxy_app(tmp_path, server.sockets[0].getsockname()[1])  # no broker at port 1
        forwarder = LoopForwarder(app)
        sink = Sink()
        assert forwarder.take(head("/moved/7?x=1"), sink)
        await sink.ended.wait()
        assert [request.split(b"\r\n")[0] for request in seen] == [b"GET /moved/7?x=1 HTTP/1.1"]
        assert (sink.status, b"".join(sink.pieces)) == ("200 Fine", b"body")
        assert sink.header("X-Strangler-Backend") == "monolith; fallback=broker-down"
        assert sink.header("X-Strangler-Route") == "/moved/<int:id>"
        fell_back = (FALLBACKS, (("route", "/moved/<int:id>"), ("reason", "broker-down")))
        assert app.stats.samples()[fell_back] == 1
        forwarder.close()
        server.close()

    run(test)


@pytest.mark.parametrize(
    ("draw", "backend"),
    [(0.99, "monolith"), (0.0, "monolith; fallback=broker-down")],
    ids=["kept-on-the-monolith", "sent-to-the-service"],
)
def test_a_canarys_draw_is_made_on_the_loop(tmp_path: Path, draw: float, backend: str) -> None:
    async def test() -> None:
        seen: list[bytes] = []
        server = await monolith(seen)
        routes = tmp_path / "routes.toml"
        routes.write_text(ROUTES.format(port=server.sockets[0].getsockname()[1]))
        source = RoutesFile(routes)
        app = ProxyApp(LiveRoutes(source, source.load()), real_backends, draw=lambda: draw)
        forwarder = LoopForwarder(app)
        sink = Sink()
        assert forwarder.take(head("/canary"), sink)  # 50%: the draw decides
        await sink.ended.wait()
        # a draw under 50 sends the read to the service: no broker here, so it falls back
        assert (sink.header("X-Strangler-Backend"), len(seen)) == (backend, 1)
        forwarder.close()
        server.close()

    run(test)


def test_an_unreachable_monolith_gets_the_error_shape_and_an_open_breaker_is_left_to_the_app(
    tmp_path: Path,
) -> None:
    async def test() -> None:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        app = proxy_app(tmp_path, port)
        forwarder = LoopForwarder(app)
        sink = Sink()
        assert forwarder.take(head("/anything"), sink)
        await sink.ended.wait()
        assert sink.status == "503 Service Unavailable"
        assert sink.header("Content-Type") == "application/json"
        assert b"127.0.0.1" not in b"".join(sink.pieces)
        isolation = app.backends(app.routes.current().table.settings).monolith_isolation
        assert isolation is not None
        for _ in range(isolation.settings.breaker_failures):  # timeouts in a row open it
            isolation.done(MONOLITH, isolation.admit(MONOLITH), "unanswered")
        assert isolation.state(MONOLITH) == "open"
        assert not forwarder.take(head("/anything"), Sink())  # the threaded path turns it away
        forwarder.close()

    run(test)


def test_a_client_gone_before_the_answer_gives_the_monoliths_place_back(tmp_path: Path) -> None:
    async def test() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(5)  # never answers while the test runs

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        app = proxy_app(tmp_path, server.sockets[0].getsockname()[1])
        forwarder = LoopForwarder(app)
        sink = Sink()
        assert forwarder.take(head("/slow"), sink)
        isolation = app.backends(app.routes.current().table.settings).monolith_isolation
        assert isolation is not None
        await asyncio.sleep(0.05)
        assert isolation.waiting(MONOLITH) == 1
        assert sink.gone is not None
        sink.gone()  # the client's connection is lost
        assert isolation.waiting(MONOLITH) == 0
        assert isolation.state(MONOLITH) == "closed"
        forwarder.close()
        server.close()

    run(test)
