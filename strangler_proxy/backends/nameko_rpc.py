"""Answer a request by calling the route's Nameko method over RPC.

The convention (docs/contracts.md): kwargs are the converted path parameters,
`query` (first value per query key, always passed) and `body` (the parsed JSON
body, for methods other than GET/HEAD/DELETE when there is one). The result is
the 200 JSON body; failures are raised as ProxyErrors for the app to map.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from strangler_proxy.errors import MalformedRequest
from strangler_proxy.http_types import Request, Response, json_response

METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "DELETE"})


class RpcCaller(Protocol):
    """What the backend needs from an RPC client."""

    def call(self, service: str, method: str, kwargs: dict[str, Any], *, call_id: str) -> Any: ...


def rpc_kwargs(request: Request) -> dict[str, Any]:
    """The keyword arguments the service method receives for this request."""
    if request.match is None:
        raise ValueError("the request has no matched route")
    kwargs: dict[str, Any] = dict(request.match.params)
    kwargs["query"] = request.query()
    if request.method not in METHODS_WITHOUT_BODY and request.body.strip():
        try:
            kwargs["body"] = json.loads(request.body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedRequest(f"the request body is not valid JSON: {exc}") from exc
    return kwargs


class NamekoBackend:
    """A backend that turns the request into an RPC call to the matched route's target."""

    def __init__(self, client: RpcCaller) -> None:
        self._client = client

    def handle(self, request: Request) -> Response:
        kwargs = rpc_kwargs(request)
        assert request.match is not None  # rpc_kwargs checked it
        result = self._client.call(
            request.match.service, request.match.method, kwargs, call_id=request.request_id
        )
        return json_response(200, result)
