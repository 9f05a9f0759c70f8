"""Backend pieces without sockets: hop-by-hop headers, RPC kwargs, RPC errors, error table."""

from __future__ import annotations

import pytest

from strangler import nameko_rpc
from strangler_proxy.backends.nameko_rpc import rpc_kwargs
from strangler_proxy.errors import (
    BrokerLinkLost,
    MalformedRequest,
    MonolithBadResponse,
    MonolithTimeout,
    MonolithUnavailable,
    ProxyError,
    RemoteError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
    http_error_for,
)
from strangler_proxy.http_types import Request, RouteMatch, end_to_end_headers
from strangler_proxy.rpc_client import proxy_error


def test_hop_by_hop_headers_are_dropped_including_those_connection_names() -> None:
    headers = (
        ("Connection", "keep-alive, X-Secret"),
        ("Keep-Alive", "5"),
        ("Transfer-Encoding", "chunked"),
        ("X-Secret", "1"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    )
    assert end_to_end_headers(headers) == (("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"))


def routed(method: str, body: bytes = b"", query: str = "") -> Request:
    match = RouteMatch("/i/<int:item_id>", "shop", "item", {"item_id": 4})
    return Request(method, f"/i/4?{query}" if query else "/i/4", body=body, match=match)


def test_rpc_kwargs_follow_the_convention() -> None:
    assert rpc_kwargs(routed("GET", query="a=1&a=2&b=")) == {
        "item_id": 4,
        "query": {"a": "1", "b": ""},
    }
    assert rpc_kwargs(routed("PUT", b'{"x": [1]}')) == {
        "item_id": 4,
        "query": {},
        "body": {"x": [1]},
    }
    assert "body" not in rpc_kwargs(routed("DELETE", b'{"x": 1}'))
    assert "body" not in rpc_kwargs(routed("POST", b""))
    with pytest.raises(MalformedRequest, match="not valid JSON"):
        rpc_kwargs(routed("POST", b"\xff"))


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (
            nameko_rpc.RpcUnavailable("shop", "broker down"),
            ServiceUnavailable("shop", "broker down"),
        ),
        (
            nameko_rpc.RpcServiceAbsent("shop", "no consumers"),
            ServiceAbsent("shop", "no consumers"),
        ),
        (
            nameko_rpc.RpcTimeout("shop", "no reply within 5s"),
            ServiceTimeout("shop", "no reply within 5s"),
        ),
        (
            nameko_rpc.RpcLinkLost("shop", "lost the broker"),
            BrokerLinkLost("shop", "lost the broker"),
        ),
        (nameko_rpc.RpcRemoteError("NotFound", "gone"), RemoteError("NotFound", "gone")),
    ],
)
def test_the_shared_clients_failures_become_the_proxys_errors(
    failure: nameko_rpc.RpcUnavailable | nameko_rpc.RpcTimeout | nameko_rpc.RpcRemoteError,
    expected: ProxyError,
) -> None:
    translated = proxy_error(failure)
    assert (type(translated), translated.args) == (type(expected), expected.args)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ServiceUnavailable("s", "unroutable"), 503, "service_unavailable"),
        (ServiceTimeout("s", "late"), 504, "gateway_timeout"),
        (MonolithUnavailable("refused"), 503, "service_unavailable"),
        (MonolithTimeout("slow"), 504, "gateway_timeout"),
        (MonolithBadResponse("reset"), 502, "bad_gateway"),
        (MalformedRequest("bad"), 400, "bad_request"),
        (RemoteError("Conflict", "taken"), 409, "conflict"),
        (RemoteError("TypeError", "oops"), 500, "internal_error"),
    ],
)
def test_the_status_table(error: ProxyError, status: int, code: str) -> None:
    mapped = http_error_for(error)
    assert (mapped.status, mapped.code) == (status, code)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ServiceUnavailable("shop", "broker down at 10.0.0.5:5672"), "the service is unavailable"),
        (
            ServiceTimeout("shop", "StreamLostError(10.0.0.5:5672)"),
            "the service did not answer in time",
        ),
        (MonolithUnavailable("10.0.0.7:8000 refused"), "the monolith is unavailable"),
        (MonolithTimeout("10.0.0.7:8000 is slow"), "the monolith did not answer in time"),
        (
            MonolithBadResponse("RemoteDisconnected(10.0.0.7:8000)"),
            "the monolith sent no valid response",
        ),
    ],
)
def test_an_answer_never_carries_the_details_of_a_failure(error: ProxyError, message: str) -> None:
    mapped = http_error_for(error)
    assert mapped.message == message
    assert "10.0.0." in str(error)  # the details stay in the error, for the log
