"""Backends answer a proxied request; they all share `handle(request) -> response`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from strangler_proxy.http_types import Request, Response
from strangler_proxy.isolation import Isolation
from strangler_proxy.route_table import Settings


class Backend(Protocol):
    """Anything that turns a request into a response (or raises a ProxyError)."""

    def handle(self, request: Request) -> Response: ...


class Monolith(Protocol):
    """The monolith's backend: it may also answer with its body streamed as it arrives,
    and pass a WebSocket on (`switch`: a 101 carries the connection to relay)."""

    def handle(self, request: Request, *, stream: bool = False) -> Response: ...

    def switch(self, request: Request) -> Response: ...


@dataclass(frozen=True)
class Backends:
    """The backends for one set of settings, how to check they are reachable, and how to
    close their connections once other settings replace them (`close`: idle ones at once,
    each one in use when its request is done)."""

    monolith: Monolith
    service: Backend
    monolith_reachable: Callable[[], bool]
    broker_reachable: Callable[[], bool]
    close: Callable[[], None]
    breakers: Callable[[], dict[str, Any]] = dict  # this worker's circuit breakers' states
    monolith_isolation: Isolation | None = None  # the monolith's breaker, for the loop's calls
    service_isolation: Isolation | None = None  # the services' breakers, for the loop's calls


BackendFactory = Callable[[Settings], Backends]
