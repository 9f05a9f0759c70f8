"""The proxy's own small HTTP request and response values, shared by all backends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote

from strangler_proxy.errors import HttpError

Headers = tuple[tuple[str, str], ...]


def first_header(headers: Headers, name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


@dataclass(frozen=True)
class RouteMatch:
    """A request matched to a route: the rule, the RPC target and the converted path params."""

    rule: str
    service: str
    method: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """An incoming HTTP request, read fully, as the backends need it.

    `path` is decoded (for matching); `raw_path` is as the client sent it (for forwarding).
    """

    method: str
    path: str
    query_string: str = ""
    raw_path: str = ""
    headers: Headers = ()
    body: bytes = b""
    remote_addr: str = ""
    scheme: str = "http"
    request_id: str = ""
    match: RouteMatch | None = None

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

    @property
    def target(self) -> str:
        """Path plus query string, as sent on the request line."""
        path = self.raw_path or quote(self.path)
        return f"{path}?{self.query_string}" if self.query_string else path


@dataclass(frozen=True)
class Response:
    """An HTTP response, body read fully."""

    status: int
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        return first_header(self.headers, name)


def json_response(status: int, payload: Any) -> Response:
    """A JSON response encoded like Flask's jsonify (sorted keys, compact, newline)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n"
    return Response(status, (("Content-Type", "application/json"),), body.encode())


def error_response(error: HttpError) -> Response:
    """The contract's error body: {"error": {"code", "message"}}."""
    return json_response(error.status, {"error": {"code": error.code, "message": error.message}})
