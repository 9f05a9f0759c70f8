"""Which protocol a request asks to switch to, and why the proxy would not pass it. Pure.

A client asks with `Upgrade: <protocol>` and `Connection: upgrade` (RFC 9110
section 7.8); an `Upgrade` the `Connection` header does not name is an
ordinary header, dropped as hop-by-hop. Only WebSocket upgrades pass, and only
to the monolith: services speak RPC, so a WebSocket upgrade its route sends to
a service is refused (501), as is any other protocol (`Upgrade: h2c`...).
"""

from __future__ import annotations

from strangler_proxy.errors import UpgradeNotSupported
from strangler_proxy.http_types import Request

WEBSOCKET = "websocket"


def requested_upgrade(request: Request) -> str | None:
    """The protocol asked for (the Upgrade header's first, lower-cased), or None."""
    connection = request.header("Connection") or ""
    if "upgrade" not in {token.strip().lower() for token in connection.split(",")}:
        return None
    protocols = (request.header("Upgrade") or "").split(",")
    return protocols[0].strip().lower() or None


def protocol_refusal(protocol: str) -> UpgradeNotSupported | None:
    """Why an upgrade to `protocol` never passes, or None for a WebSocket."""
    if protocol.split("/")[0] == WEBSOCKET:
        return None
    return UpgradeNotSupported(f"upgrades to {protocol!r} are not supported, only to WebSocket")


def service_refusal() -> UpgradeNotSupported:
    """The refusal of a WebSocket upgrade whose route sends it to a service."""
    return UpgradeNotSupported(
        "WebSocket upgrades pass to the monolith only, and this route's requests go to a service"
    )
