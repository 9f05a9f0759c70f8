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


def call_kwargs(request: Request, trusted_proxies: tuple[Network, ...]) -> dict[str, Any]:
    """The keyword arguments the matched route's target receives: the envelope of the whole
    request (`protocol = "http"`, its X-Forwarded-* made as the monolith's are with
    `trusted_proxies`), else `rpc_kwargs`."""
    if request.match is not None and request.match.protocol == "http":
        return {ENVELOPE_KWARG: request_envelope(request, trusted_proxies).to_wire()}
    return rpc_kwargs(request)


def response_of(request: Request, result: Any) -> Response:
    """The client's answer from the target's result: the envelope's response, or 200 JSON."""
    if request.match is not None and request.match.protocol == "http":
        return response_from_envelope(result)
    return json_response(200, result)


class NamekoBackend:
    """A backend that turns the request into an RPC call to the matched route's target.

    `trusted_proxies` are the routes file's: an envelope's X-Forwarded-* are
    made as the monolith's are.
    """

    def __init__(self, client: RpcCaller, *, trusted_proxies: tuple[Network, ...] = ()) -> None:
        self._client = client
        self._trusted = trusted_proxies

    def handle(self, request: Request) -> Response:
        assert request.match is not None  # the app sends only matched requests here
        result = self._client.call(
            request.match.service,
            request.match.method,
            call_kwargs(request, self._trusted),
            call_id=request.request_id,
            context=context_data(request),
            timeout=request.timeout,
        )
        return response_of(request, result)
