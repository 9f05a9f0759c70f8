"""The proxy's own small HTTP request and response values, shared by all backends."""

from __future__ import annotations

import json
import socket
import typing
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, unquote

from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE, ErrorShape
from strangler_proxy.errors import HttpError
from strangler_proxy.request_body import IncomingBody
from strangler_proxy.route_table import AuthCheck, PassedValue, Protocol

Headers = tuple[tuple[str, str], ...]

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


def first_header(headers: Headers, name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def without_headers(headers: Headers, *names: str) -> Headers:
    """`headers` less every field named (case-insensitive)."""
    dropped = {name.lower() for name in names}
    return tuple((key, value) for key, value in headers if key.lower() not in dropped)


def end_to_end_headers(headers: Headers) -> Headers:
    """Drop hop-by-hop headers, including those the Connection header names."""
    named = {
        token.strip().lower()
        for key, value in headers
        if key.lower() == "connection"
        for token in value.split(",")
    }
    return without_headers(headers, *HOP_BY_HOP, *named)


def decode_path(raw_path: str) -> str:
    """A raw path decoded as gunicorn and werkzeug do (`%2F` is `/`, UTF-8, bad bytes replaced)."""
    return unquote(raw_path, errors="replace")


@dataclass(frozen=True)
class RouteMatch:
    """A request matched to a route: the rule, the RPC target and the converted path params.

    `protocol` says how the target is called (`rpc` kwargs or the `http`
    envelope); `context` lists the extra headers/cookies passed as context data;
    `auth` is the check the monolith makes first.
    """

    rule: str
    service: str
    method: str
    params: Mapping[str, Any] = field(default_factory=dict)
    protocol: Protocol = "rpc"
    context: tuple[PassedValue, ...] = ()
    auth: AuthCheck | None = None


@dataclass(frozen=True)
class Request:
    """An incoming HTTP request as the backends need it.

    Its body is either read (`body`) or still to read (`incoming`, which a
    request forwarded to the monolith streams there). `target` is the one
    source of the path: the origin-form request target (raw path, then `?`
    and the raw query when the client sent one) exactly as the monolith gets
    it; `path`, the one routes are matched on, is decoded from it as the
    monolith's server decodes it. `user_id` is set only by the
    proxy's auth check (`backends/monolith_auth.py`), never from the client.
    `nonce` is random, made by the proxy for each request (never the client's
    `X-Request-Id`): the idempotency key of a write sent without an
    `Idempotency-Key` (`idempotency.py`).
    """

    method: str
    target: str
    headers: Headers = ()
    body: bytes = b""
    remote_addr: str = ""
    scheme: str = "http"
    request_id: str = ""
    match: RouteMatch | None = None
    user_id: str | None = None
    timeout: float | None = None  # the matched route's own, set by the app
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)
    incoming: IncomingBody | None = field(default=None, compare=False)

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query_string(self) -> str:
        return self.target.partition("?")[2]

    @property
    def path(self) -> str:
        """The decoded path, as the monolith's routing sees `target`."""
        return decode_path(self.raw_path)

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        return first_header(self.headers, name)

    def cookie(self, name: str) -> str | None:
        """A cookie sent by the client, or None."""
        raw = self.header("Cookie")
        if raw is None:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except CookieError:
            return None
        morsel = jar.get(name)
        return None if morsel is None else morsel.value

    def query(self) -> dict[str, str]:
        """Query-string parameters, first value per key (like Flask's request.args.get)."""
        params: dict[str, str] = {}
        for key, value in parse_qsl(self.query_string, keep_blank_values=True):
            params.setdefault(key, value)
        return params


@dataclass(frozen=True)
class Response:
    """An HTTP response: its body read fully, or, for a streamed answer, `stream`.

    `reason` is the upstream's reason phrase as sent (maybe empty); None for
    an answer the proxy made itself, which gets the standard phrase. A streamed
    answer's `body` is empty and `stream` yields it chunk by chunk as the
    upstream sends it (closing the stream gives its connection back). A 101
    from the monolith carries its connection as `switched`, to relay.
    """

    status: int
    headers: Headers = ()
    body: bytes = b""
    reason: str | None = None
    stream: BodyStream | None = field(default=None, compare=False)
    switched: Switched | None = field(default=None, compare=False)

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        return first_header(self.headers, name)


@dataclass(frozen=True)
class Switched:
    """The monolith's connection after its 101: the proxy's to relay, then to close.

    `early` holds what the monolith sent after its 101 and the proxy read with
    it; `idle_timeout` is how long the relay may go without a byte either way;
    `on_close` runs once `close` has closed the connection (the tunnel's thread is
    given back to the monolith's share, `isolation.py`).
    """

    connection: socket.socket
    idle_timeout: float
    early: bytes = b""
    on_close: Callable[[], None] | None = field(default=None, compare=False)

    def close(self) -> None:
        """Close the connection; then `on_close`, if any."""
        try:
            self.connection.close()
        finally:
            if self.on_close is not None:
                self.on_close()


class BodyStream(typing.Protocol):
    """A body read as it arrives: iterate it once, then close it (WSGI's iterable)."""

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def json_response(status: int, payload: Any) -> Response:
    """A JSON response encoded like Flask's jsonify (sorted keys, compact, newline)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n"
    return Response(status, (("Content-Type", "application/json"),), body.encode())


def error_response(error: HttpError, shape: ErrorShape = DEFAULT_ERROR_SHAPE) -> Response:
    """An error answer with the body in `shape` (by default {"error": {"code", "message"}}),
    or the body and headers the error carries as they are (a service's ErrorAnswer)."""
    response = json_response(error.status, shape.body(error) if error.body is None else error.body)
    added = error.headers
    if error.retry_after is not None:
        added = (*added, ("Retry-After", str(error.retry_after)))
    return replace(response, headers=(*response.headers, *added)) if added else response
