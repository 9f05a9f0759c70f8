"""The route table: what the routes file says, as frozen facts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from strangler.broker import DEFAULT_AMQP_URI
from strangler.context_keys import context_key
from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE, ErrorShape
from strangler_proxy.isolation_settings import IsolationSettings

Mode = Literal["monolith", "shadow", "canary", "service"]
MODES: tuple[Mode, ...] = ("monolith", "shadow", "canary", "service")
StickySource = Literal["cookie", "header", "ip", "user"]
Protocol = Literal["rpc", "http"]
PROTOCOLS: tuple[Protocol, ...] = ("rpc", "http")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_RPC_TIMEOUT = 5.0
DEFAULT_MONOLITH_TIMEOUT = 30.0
DEFAULT_SERVICE_MAX_BODY = 10 * 1024 * 1024  # a service gets the body whole, in one message


@dataclass(frozen=True)
class StickyKey:
    """Where a canary route finds a client's identity: a cookie, a header, the IP, or the user.

    `user` is the user the route's auth check names (`auth` with `auth_user`).
    """

    source: StickySource
    name: str = ""

    def __str__(self) -> str:
        return f"{self.source}:{self.name}" if self.name else self.source


@dataclass(frozen=True)
class PassedValue:
    """A request header or cookie a route passes to its service as Nameko context data.

    It travels as the AMQP header `nameko.<context_key>` (`strangler.context_keys`).
    """

    source: Literal["cookie", "header"]
    name: str

    @property
    def context_key(self) -> str:
        return context_key(self.name)

    def __str__(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass(frozen=True)
class UserSource:
    """Where the monolith's answer to an auth check names the user.

    `header`: that response header; `json`: that key of its JSON body, a
    dotted path into nested objects (`json:user.id`).
    """

    source: Literal["header", "json"]
    name: str

    def __str__(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass(frozen=True)
class AuthCheck:
    """`auth = "monolith:<path>"`: the monolith is asked first (as nginx's `auth_request`).

    A 2xx answer lets the request through to the service, with the user
    (`user`, when set) as `nameko.user_id`; anything else, and a 2xx naming no
    user, sends the original request to the monolith.
    """

    path: str
    user: UserSource | None = None

    def __str__(self) -> str:
        return f"monolith:{self.path}"


@dataclass(frozen=True)
class Route:
    """One `[[route]]` entry."""

    path: str
    methods: tuple[str, ...]
    service: str
    method: str
    mode: Mode
    percent: int = 0
    sticky: StickyKey | None = None
    protocol: Protocol = "rpc"
    context: tuple[PassedValue, ...] = ()
    auth: AuthCheck | None = None
    line: int | None = None
    area: str | None = None
    timeout: float | None = None  # seconds; None: the top-level rpc_timeout/monolith_timeout
    max_body: int | None = None  # bytes; None: DEFAULT_SERVICE_MAX_BODY to a service, else none
    write_fallback: bool = True  # False: a write the service never got is a 503, not forwarded

    @property
    def target(self) -> str:
        return f"{self.service}.{self.method}" if self.service else ""

    @property
    def sticky_area(self) -> str:
        """What a canary client's bucket is kept for: the route's `area`, else its service."""
        return self.area or self.service

    def describe(self) -> dict[str, object]:
        """The route as the admin endpoint shows it."""
        return {
            "path": self.path,
            "methods": list(self.methods),
            "target": self.target or None,
            "mode": self.mode,
            "percent": self.percent if self.mode == "canary" else None,
            "sticky": str(self.sticky) if self.sticky else None,
            "area": self.sticky_area if self.mode == "canary" else None,
            "protocol": self.protocol,
            "context": [str(value) for value in self.context],
            "auth": str(self.auth) if self.auth else None,
            "auth_user": str(self.auth.user) if self.auth and self.auth.user else None,
            "timeout": self.timeout,
            "max_body": self.max_body,
            "write_fallback": self.write_fallback,
        }


@dataclass(frozen=True)
class Settings:
    """Where the backends are, how long to wait, what the proxy adds, how its errors read."""

    monolith: str
    amqp_uri: str = DEFAULT_AMQP_URI
    rpc_timeout: float = DEFAULT_RPC_TIMEOUT
    monolith_timeout: float = DEFAULT_MONOLITH_TIMEOUT
    trusted_proxies: tuple[Network, ...] = ()
    backend_headers: bool = True
    error_shape: ErrorShape = DEFAULT_ERROR_SHAPE
    isolation: IsolationSettings = field(default_factory=IsolationSettings)


@dataclass(frozen=True)
class RouteTable:
    """The whole routes file: backend settings and the routes, in file order."""

    settings: Settings
    routes: tuple[Route, ...]
