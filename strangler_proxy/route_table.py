"""The route table: what the routes file says, as frozen facts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from strangler.broker import DEFAULT_AMQP_URI

Mode = Literal["monolith", "shadow", "canary", "service"]
MODES: tuple[Mode, ...] = ("monolith", "shadow", "canary", "service")
StickySource = Literal["cookie", "header", "ip"]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_RPC_TIMEOUT = 5.0
DEFAULT_MONOLITH_TIMEOUT = 30.0


@dataclass(frozen=True)
class StickyKey:
    """Where a canary route finds a client's identity: a cookie, a header, or the IP."""

    source: StickySource
    name: str = ""

    def __str__(self) -> str:
        return "ip" if self.source == "ip" else f"{self.source}:{self.name}"


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
    line: int | None = None

    @property
    def target(self) -> str:
        return f"{self.service}.{self.method}" if self.service else ""

    def describe(self) -> dict[str, object]:
        """The route as the admin endpoint shows it."""
        return {
            "path": self.path,
            "methods": list(self.methods),
            "target": self.target or None,
            "mode": self.mode,
            "percent": self.percent if self.mode == "canary" else None,
            "sticky": str(self.sticky) if self.sticky else None,
        }


@dataclass(frozen=True)
class Settings:
    """Where the backends are, how long to wait for them, and what the proxy adds."""

    monolith: str
    amqp_uri: str = DEFAULT_AMQP_URI
    rpc_timeout: float = DEFAULT_RPC_TIMEOUT
    monolith_timeout: float = DEFAULT_MONOLITH_TIMEOUT
    trusted_proxies: tuple[Network, ...] = ()
    backend_headers: bool = True


@dataclass(frozen=True)
class RouteTable:
    """The whole routes file: backend settings and the routes, in file order."""

    settings: Settings
    routes: tuple[Route, ...]
