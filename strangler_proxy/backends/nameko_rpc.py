"""Answer a request by calling the route's Nameko method over RPC.

Two ways to call it, by the route's `protocol`. `rpc` (docs/contracts.md):
kwargs are the converted path parameters, `query` (first value per query key,
always passed) and `body` (the parsed JSON body, for methods other than
GET/HEAD/DELETE when there is one); the result is the 200 JSON body. `http`:
the whole request as one envelope (`http_envelope.py`), the whole response
back. Either way the call carries the request's context data
(`rpc_context.py`); failures are raised as ProxyErrors for the app to map.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from strangler.envelope import ENVELOPE_KWARG
from strangler_proxy.http_envelope import request_envelope, response_from_envelope
from strangler_proxy.http_types import Request, Response, json_response
from strangler_proxy.json_body import parse_json_body
from strangler_proxy.route_table import Network
from strangler_proxy.rpc_context import context_data

METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "DELETE"})


class RpcCaller(Protocol):
    """What the backend needs from an RPC client."""

    def call(
        self,
        service: str,
        method: str,
        kwargs: dict[str, Any],
        *,
        call_id: str,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any: ...


def rpc_kwargs(request: Request) -> dict[str, Any]:
    """The keyword arguments an RPC-method target receives for this request."""
    if request.match is None:
        raise ValueError("the request has no matched route")
    kwargs: dict[str, Any] = dict(request.match.params)
    kwargs["query"] = request.query()
    if request.method not in METHODS_WITHOUT_BODY and request.body.strip():
        kwargs["body"] = parse_json_body(request.body)
    return kwargs


class NamekoBackend:
    """A backend that turns the request into an RPC call to the matched route's target.

    `trusted_proxies` are the routes file's: an envelope's X-Forwarded-* are
    made as the monolith's are.
    """

    def __init__(self, client: RpcCaller, *, trusted_proxies: tuple[Network, ...] = ()) -> None:
        self._client = client
        self._trusted = trusted_proxies

    def handle(self, request: Request) -> Response:
        if request.match is not None and request.match.protocol == "http":
            envelope = request_envelope(request, self._trusted).to_wire()
            return response_from_envelope(self._call(request, {ENVELOPE_KWARG: envelope}))
        return json_response(200, self._call(request, rpc_kwargs(request)))

    def _call(self, request: Request, kwargs: dict[str, Any]) -> Any:
        assert request.match is not None  # the app sends only matched requests here
        return self._client.call(
            request.match.service,
            request.match.method,
            kwargs,
            call_id=request.request_id,
            context=context_data(request),
            timeout=request.timeout,
        )
