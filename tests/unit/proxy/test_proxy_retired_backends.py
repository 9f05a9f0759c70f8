"""Backends replaced by new settings close their connections: the proxy closes the old set
once, and the monolith pool (on real sockets) closes an idle connection at once and one in
use when its answer has been read."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, write_routes
from werkzeug.test import Client

from strangler_proxy.app import ProxyApp
from strangler_proxy.backends import Backends
from strangler_proxy.backends.http_pool import HttpPool, Origin
from strangler_proxy.backends.monolith_auth import AuthGate
from strangler_proxy.backends.nameko_rpc import NamekoBackend
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.route_table import Settings
from strangler_proxy.routes_file import RoutesFile

ROUTES = """
[[route]]
path = "/items/<int:item_id>"
target = "shop.item"
mode = "service"
"""


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    open_connections = 0
    counter_lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with KeepAliveHandler.counter_lock:
            KeepAliveHandler.open_connections += 1

    def finish(self) -> None:
        with KeepAliveHandler.counter_lock:
            KeepAliveHandler.open_connections -= 1
        super().finish()

    def do_GET(self) -> None:
        body = b"x" * 100_000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def origin() -> Iterator[Origin]:
    KeepAliveHandler.open_connections = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Origin.from_url(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def server_connections() -> int:
    return KeepAliveHandler.open_connections


def pool_for(origin: Origin) -> HttpPool:
    return HttpPool(origin, connect_timeout=2.0, read_timeout=5.0)


def test_a_closed_pool_closes_its_idle_connection_at_once(origin: Origin) -> None:
    pool = pool_for(origin)
    assert pool.send("GET", "/", (("Host", origin.authority),), b"").status == 200
    assert eventually(lambda: server_connections() == 1)
    pool.close()
    assert eventually(lambda: server_connections() == 0)


def test_a_connection_in_use_closes_when_its_answer_has_been_read(origin: Origin) -> None:
    pool = pool_for(origin)
    answer = pool.send("GET", "/", (("Host", origin.authority),), b"", stream=True)
    assert answer.stream is not None
    pool.close()
    assert server_connections() == 1
    assert len(b"".join(answer.stream)) == 100_000  # the answer in flight is read whole
    assert eventually(lambda: server_connections() == 0)


def test_an_open_pool_keeps_its_connection_for_reuse(origin: Origin) -> None:
    pool = pool_for(origin)
    for _ in range(3):
        assert pool.send("GET", "/", (("Host", origin.authority),), b"").status == 200
    time.sleep(0.2)
    assert server_connections() == 1


def test_a_settings_change_closes_the_replaced_backends_once(tmp_path: Path) -> None:
    monolith = MemoryMonolith()
    service = AuthGate(NamekoBackend(MemoryRpc({"id": 7})), monolith)
    closed: list[float] = []

    def backends(settings: Settings) -> Backends:
        timeout = settings.rpc_timeout
        return Backends(
            monolith, service, lambda: True, lambda: True, lambda: closed.append(timeout)
        )

    path = write_routes(tmp_path, "rpc_timeout = 2.0\n" + ROUTES)
    source = RoutesFile(path)
    app = ProxyApp(LiveRoutes(source, source.load(), interval=0.0), backends)
    client = Client(app)
    assert client.get("/items/7").get_json() == {"id": 7}
    write_routes(tmp_path, "rpc_timeout = 3.0\n" + ROUTES)
    app.routes.request_reload()
    assert client.get("/items/7").get_json() == {"id": 7}
    assert client.get("/items/7").get_json() == {"id": 7}
    assert closed == [2.0]
