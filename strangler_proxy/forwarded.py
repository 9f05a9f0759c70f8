"""The headers the monolith gets: the client's, less hop-by-hop ones, plus what the proxy saw.

Pure. `X-Forwarded-For`, `-Proto` and `-Host` say what the proxy saw; a
client's own are dropped, unless it is a trusted proxy (the routes file's
`trusted_proxies`), whose chain is extended. `X-Request-Id` is added only when
the client sent none. A body the proxy streams keeps the client's framing
(its `Content-Length`, or `Transfer-Encoding: chunked`); one it read whole
goes with `Content-Length` when there is a body or the client sent one.
Nothing else is added or removed.
"""

from __future__ import annotations

import ipaddress

from strangler_proxy.http_types import Headers, Request, end_to_end_headers, without_headers
from strangler_proxy.route_table import Network

FORWARDED_FOR = "X-Forwarded-For"
FORWARDED_PROTO = "X-Forwarded-Proto"
FORWARDED_HOST = "X-Forwarded-Host"


def is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    """Whether a peer address lies in one of the trusted networks (IPv4-mapped IPv6 too)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in trusted)


def forwarded_headers(
    request: Request, trusted: tuple[Network, ...] = (), *, upgrade: bool = False
) -> Headers:
    """The request's headers as the proxy forwards them to the monolith.

    With `upgrade` (a WebSocket passed on), the client's `Upgrade` goes too,
    after `Connection: Upgrade`, at the head.
    """
    client = end_to_end_headers(request.headers)
    kept = without_headers(client, "Content-Length", FORWARDED_FOR, FORWARDED_PROTO, FORWARDED_HOST)
    asked = request.header("Upgrade") if upgrade else None
    headers = [] if asked is None else [("Connection", "Upgrade"), ("Upgrade", asked)]
    headers += kept
    headers += _framing(request)
    headers += _forwarding(request, client, is_trusted(request.remote_addr, trusted))
    if request.header("X-Request-Id") is None and request.request_id:
        headers.append(("X-Request-Id", request.request_id))
    return tuple(headers)


def _framing(request: Request) -> Headers:
    """The body's framing: a body still to stream keeps the client's (its length, or chunks);
    one read whole goes with its length, when there is one or the client sent a length."""
    if request.incoming is not None:
        if request.incoming.length is None:
            return (("Transfer-Encoding", "chunked"),)
        return (("Content-Length", str(request.incoming.length)),)
    if request.body or request.header("Content-Length") is not None:
        return (("Content-Length", str(len(request.body))),)
    return ()


def _forwarding(request: Request, client: Headers, trusted: bool) -> Headers:
    """X-Forwarded-For/-Proto/-Host: a trusted peer's extended, anyone else's replaced."""
    given = {
        name: _joined(client, name) for name in (FORWARDED_FOR, FORWARDED_PROTO, FORWARDED_HOST)
    }
    chain = [given[FORWARDED_FOR] if trusted else None, request.remote_addr or None]
    proto = (given[FORWARDED_PROTO] if trusted else None) or request.scheme
    host = (given[FORWARDED_HOST] if trusted else None) or request.header("Host")
    found = [
        (FORWARDED_FOR, ", ".join(part for part in chain if part)),
        (FORWARDED_PROTO, proto),
        (FORWARDED_HOST, host or ""),
    ]
    return tuple((name, value) for name, value in found if value)


def _joined(headers: Headers, name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name.lower()]
    return ", ".join(values) if values else None
