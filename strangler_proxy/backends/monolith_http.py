"""Forward a request to the monolith over HTTP, as a reverse proxy does."""

from __future__ import annotations

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError

from strangler_proxy.errors import MonolithUnavailable
from strangler_proxy.http_types import Headers, Request, Response

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)


def end_to_end_headers(headers: Headers) -> Headers:
    """Drop hop-by-hop headers, including those the Connection header names."""
    named = {
        token.strip().lower()
        for key, value in headers
        if key.lower() == "connection"
        for token in value.split(",")
    }
    dropped = HOP_BY_HOP | named
    return tuple((key, value) for key, value in headers if key.lower() not in dropped)


def forwarded_headers(request: Request) -> Headers:
    """The request's end-to-end headers plus X-Forwarded-For/-Proto/-Host."""
    headers = [
        (key, value)
        for key, value in end_to_end_headers(request.headers)
        if key.lower()
        not in ("content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host")
    ]
    chain = [request.header("X-Forwarded-For"), request.remote_addr or None]
    headers.append(("X-Forwarded-For", ", ".join(part for part in chain if part)))
    headers.append(("X-Forwarded-Proto", request.header("X-Forwarded-Proto") or request.scheme))
    host = request.header("X-Forwarded-Host") or request.header("Host")
    if host:
        headers.append(("X-Forwarded-Host", host))
    if request.request_id:
        headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
        headers.append(("X-Request-Id", request.request_id))
    return tuple(headers)


class MonolithBackend:
    """The monolith over HTTP, with pooled keep-alive connections; redirects are passed back."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, pool_size: int = 16) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = urllib3.Timeout(connect=min(timeout, 5.0), read=timeout)
        self._pool = urllib3.PoolManager(maxsize=pool_size, block=False, retries=False)

    def handle(self, request: Request) -> Response:
        headers = urllib3.HTTPHeaderDict()
        for key, value in forwarded_headers(request):
            headers.add(key, value)
        try:
            upstream = self._pool.request(
                request.method,
                self.base_url + request.target,
                body=request.body or None,
                headers=headers,
                redirect=False,
                retries=False,
                timeout=self._timeout,
                decode_content=False,
                preload_content=True,
            )
        except NewConnectionError as exc:  # a subclass of TimeoutError, but a refusal
            raise MonolithUnavailable(str(exc), timed_out=False) from exc
        except TimeoutError as exc:
            raise MonolithUnavailable(str(exc), timed_out=True) from exc
        except HTTPError as exc:
            raise MonolithUnavailable(str(exc), timed_out=False) from exc
        return Response(
            upstream.status,
            end_to_end_headers(tuple(upstream.headers.items())),
            upstream.data,
        )

    def reachable(self) -> bool:
        """Whether the monolith answers HTTP at all (any status counts)."""
        try:
            self._pool.request(
                "GET", self.base_url + "/", retries=False, redirect=False, timeout=2.0
            )
        except HTTPError:
            return False
        return True

    def close(self) -> None:
        self._pool.clear()
