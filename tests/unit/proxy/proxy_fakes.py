"""In-memory backends for the proxy's unit tests (no sockets)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from strangler_proxy.admin import AdminAccess
from strangler_proxy.app import ProxyApp
from strangler_proxy.backends import Backends
from strangler_proxy.backends.monolith_auth import AuthGate
from strangler_proxy.backends.nameko_rpc import NamekoBackend
from strangler_proxy.http_types import Request, Response, Switched
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.route_table import Settings
from strangler_proxy.routes_file import RoutesFile

MONOLITH_HEADERS = (
    ("Content-Type", "application/json"),
    ("Set-Cookie", "a=1; Path=/"),
    ("Set-Cookie", "b=2; Path=/"),
)


SWITCHED_HEADERS = (("Upgrade", "websocket"), ("Connection", "Upgrade"))


class MemoryMonolith:
    """Answers every request with a fixed JSON body and remembers what it got."""

    def __init__(self, body: bytes = b'{"source": "monolith"}', status: int = 200) -> None:
        self.body = body
        self.status = status
        self.requests: list[Request] = []
        self.upstream: socket.socket | None = None
        self.bodies: list[bytes] = []

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        """Its body whole even when it may stream (a permission, not a promise).

        It reads the request's body as the real one does: streamed when not read yet.
        """
        self.requests.append(request)
        incoming = request.incoming
        self.bodies.append(request.body if incoming is None else b"".join(incoming.chunks()))
        return Response(self.status, MONOLITH_HEADERS, self.body)

    def switch(self, request: Request) -> Response:
        """A 101 over one end of a socket pair (`upstream` keeps the other)."""
        self.requests.append(request)
        connection, self.upstream = socket.socketpair()
        return Response(101, SWITCHED_HEADERS, switched=Switched(connection, 30.0))


class MemoryRpc:
    """An RPC caller that returns a result or raises, and records each call and its context."""

    def __init__(self, outcome: Any = None) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, str, dict[str, Any], str]] = []
        self.contexts: list[dict[str, str]] = []
        self.timeouts: list[float | None] = []

    def call(
        self,
        service: str,
        method: str,
        kwargs: dict[str, Any],
        *,
        call_id: str,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        self.calls.append((service, method, kwargs, call_id))
        self.contexts.append(dict(context or {}))
        self.timeouts.append(timeout)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def write_routes(directory: Path, routes: str, name: str = "routes.toml") -> Path:
    path = directory / name
    path.write_text('monolith = "http://monolith.invalid"\n' + routes)
    return path


def memory_backends(
    monolith: MemoryMonolith, rpc: MemoryRpc | None = None
) -> Callable[[Settings], Backends]:
    """A backend factory over in-memory monolith and RPC doubles."""
    service = AuthGate(NamekoBackend(rpc or MemoryRpc({"x": 1})), monolith)
    return lambda settings: Backends(monolith, service, lambda: True, lambda: False, lambda: None)


def memory_app(
    routes_path: Path,
    monolith: MemoryMonolith,
    rpc: MemoryRpc,
    *,
    draw: Callable[[], float] = lambda: 0.5,
    interval: float = 1.0,
    clock: Callable[[], float] | None = None,
    admin: AdminAccess | None = None,
) -> ProxyApp:
    source = RoutesFile(routes_path)
    live = (
        LiveRoutes(source, source.load(), interval=interval, clock=clock)
        if clock is not None
        else LiveRoutes(source, source.load(), interval=interval)
    )
    return ProxyApp(live, memory_backends(monolith, rpc), draw=draw, admin=admin)
