"""Backends answer a proxied request; they all share `handle(request) -> response`."""

from __future__ import annotations

from typing import Protocol

from strangler_proxy.http_types import Request, Response


class Backend(Protocol):
    """Anything that turns a request into a response (or raises a ProxyError)."""

    def handle(self, request: Request) -> Response: ...
