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

from strangler_proxy.http_types import HOP_BY_HOP, Headers, Request
from strangler_proxy.route_table import Network

FORWARDED_FOR = "X-Forwarded-For"
FORWARDED_PROTO = "X-Forwarded-Proto"
FORWARDED_HOST = "X-Forwarded-Host"


_NOTED = frozenset({"host", "upgrade", "x-request-id", "content-length"})
_FORWARDING = {name.lower(): name for name in (FORWARDED_FOR, FORWARDED_PROTO, FORWARDED_HOST)}


def is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    """Whether a peer address lies in one of the trusted networks (IPv4-mapped IPv6 too)."""
    if not trusted:
        return False
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
    after `Connection: Upgrade`, at the head. One pass over the client's headers: this
    runs for every forwarded request.
    """
    lowered = [name.lower() for name, _ in request.headers]
    dropped = set(HOP_BY_HOP)
    for low, (_, value) in zip(lowered, request.headers, strict=True):
        if low == "connection":
            dropped.update(token.strip().lower() for token in value.split(","))
    kept: list[tuple[str, str]] = []
    given: dict[str, list[str]] = {low: [] for low in _FORWARDING}
    first: dict[str, str] = {}  # the first value of each _NOTED header
    for low, (name, value) in zip(lowered, request.headers, strict=True):
        if low in _NOTED:
            first.setdefault(low, value)
        if low in dropped:
            continue
        if low in given:
            given[low].append(value)
        elif low != "content-length":
            kept.append((name, value))
    asked = first.get("upgrade") if upgrade else None
    headers = [] if asked is None else [("Connection", "Upgrade"), ("Upgrade", asked)]
    headers += kept
    headers += _framing(request, client_length="content-length" in first)
    joined = {_FORWARDING[low]: ", ".join(values) or None for low, values in given.items()}
    headers += _forwarding(request, joined, first.get("host"), trusted)
    if "x-request-id" not in first and request.request_id:
        headers.append(("X-Request-Id", request.request_id))
    return tuple(headers)


def _framing(request: Request, *, client_length: bool) -> Headers:
    """The body's framing: a body still to stream keeps the client's (its length, or chunks);
    one read whole goes with its length, when there is one or the client sent a length."""
    if request.incoming is not None:
        if request.incoming.length is None:
            return (("Transfer-Encoding", "chunked"),)
        return (("Content-Length", str(request.incoming.length)),)
    if request.body or client_length:
        return (("Content-Length", str(len(request.body))),)
    return ()


def _forwarding(
    request: Request,
    given: dict[str, str | None],
    client_host: str | None,
    trusted_networks: tuple[Network, ...],
) -> Headers:
    """X-Forwarded-For/-Proto/-Host: a trusted peer's extended, anyone else's replaced."""
    trusted = is_trusted(request.remote_addr, trusted_networks)
    chain = [given[FORWARDED_FOR] if trusted else None, request.remote_addr or None]
    proto = (given[FORWARDED_PROTO] if trusted else None) or request.scheme
    host = (given[FORWARDED_HOST] if trusted else None) or client_host
    found = [
        (FORWARDED_FOR, ", ".join(part for part in chain if part)),
        (FORWARDED_PROTO, proto),
        (FORWARDED_HOST, host or ""),
    ]
    return tuple((name, value) for name, value in found if value)


def end_to_end(headers: Headers) -> Headers:
    """`headers` less hop-by-hop ones and those the Connection header names (as
    `http_types.end_to_end_headers`, in one pass: every forwarded answer comes here)."""
    lowered = [name.lower() for name, _ in headers]
    if "connection" not in lowered and HOP_BY_HOP.isdisjoint(lowered):
        return headers
    dropped = set(HOP_BY_HOP)
    for low, (_, value) in zip(lowered, headers, strict=True):
        if low == "connection":
            dropped.update(token.strip().lower() for token in value.split(","))
    return tuple(header for low, header in zip(lowered, headers, strict=True) if low not in dropped)
