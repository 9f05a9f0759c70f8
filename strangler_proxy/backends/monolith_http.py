"""Forward a request to the monolith over HTTP, as a reverse proxy does.

The request goes out as the client sent it (method, raw target, body: streamed
as it arrives when the proxy did not need it whole), with
the headers `forwarded.py` decides; the answer comes back as the monolith sent
it, less hop-by-hop headers. Redirects are passed back, never followed.
"""

from __future__ import annotations

from dataclasses import replace

from strangler_proxy.backends.http_pool import Body, HttpPool, Origin
from strangler_proxy.errors import ProxyError
from strangler_proxy.forwarded import end_to_end, forwarded_headers
from strangler_proxy.http_types import Request, Response, end_to_end_headers
from strangler_proxy.route_table import Network

MAX_CONNECT_SECONDS = 5.0


class MonolithBackend:
    """The monolith over HTTP, with pooled keep-alive connections."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        trusted_proxies: tuple[Network, ...] = (),
        pool_size: int = 16,
    ) -> None:
        self._pool = HttpPool(
            Origin.from_url(base_url),
            connect_timeout=min(timeout, MAX_CONNECT_SECONDS),
            read_timeout=timeout,
            size=pool_size,
        )
        self._trusted = trusted_proxies

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        """The monolith's answer; with `stream`, its body as it arrives (`Response.stream`)."""
        headers = forwarded_headers(request, self._trusted)
        upstream = self._pool.send(
            request.method,
            request.target,
            headers,
            _body(request),
            stream=stream,
            timeout=request.timeout,
        )
        return replace(upstream, headers=end_to_end(upstream.headers))

    def switch(self, request: Request) -> Response:
        """The monolith's answer to a WebSocket upgrade: a 101 with its connection to relay
        (`Response.switched`; the route's timeout, else the monolith's, is how long it may
        idle), its head as sent; any other answer as `handle` streams it."""
        headers = forwarded_headers(request, self._trusted, upgrade=True)
        upstream = self._pool.switch(
            request.method, request.target, headers, _body(request), timeout=request.timeout
        )
        if upstream.switched is not None:
            return upstream  # its Connection and Upgrade are the switch itself
        return replace(upstream, headers=end_to_end_headers(upstream.headers))

    def reachable(self) -> bool:
        """Whether the monolith answers HTTP at all (any status counts)."""
        try:
            self._pool.send("GET", "/", (("Host", self._pool.origin.authority),), b"")
        except ProxyError:
            return False
        return True

    def close(self) -> None:
        self._pool.close()


def _body(request: Request) -> Body:
    """The body as it goes: streamed from the client when not read yet, else whole."""
    return request.body if request.incoming is None else request.incoming.chunks()
