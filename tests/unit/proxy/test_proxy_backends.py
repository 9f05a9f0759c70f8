"""Backend pieces without sockets: forwarded headers, RPC kwargs, reply decoding, error table."""

from __future__ import annotations

import json

import pytest

from strangler_proxy.backends.monolith_http import end_to_end_headers, forwarded_headers
from strangler_proxy.backends.nameko_rpc import rpc_kwargs
from strangler_proxy.errors import (
    MalformedRequest,
    MonolithUnavailable,
    RemoteError,
    ServiceTimeout,
    ServiceUnavailable,
    http_error_for,
)
from strangler_proxy.http_types import Request, RouteMatch
from strangler_proxy.rpc_client import _result_of


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


def test_forwarded_headers_extend_the_chain_and_name_proto_and_host() -> None:
    request = Request(
        "POST",
        "/x",
        headers=(
            ("Host", "shop.example"),
            ("X-Forwarded-For", "9.9.9.9"),
            ("Content-Length", "3"),
            ("Cookie", "sid=1"),
        ),
        remote_addr="1.2.3.4",
        scheme="https",
        request_id="rid",
    )
    headers = dict(forwarded_headers(request))
    assert headers["X-Forwarded-For"] == "9.9.9.9, 1.2.3.4"
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["X-Forwarded-Host"] == "shop.example"
    assert headers["Host"] == "shop.example"
    assert headers["Cookie"] == "sid=1"
    assert headers["X-Request-Id"] == "rid"
    assert "Content-Length" not in headers


def routed(method: str, body: bytes = b"", query: str = "") -> Request:
    match = RouteMatch("/i/<int:item_id>", "shop", "item", {"item_id": 4})
    return Request(method, "/i/4", query_string=query, body=body, match=match)


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


def test_nameko_replies_become_results_or_remote_errors() -> None:
    assert _result_of(json.dumps({"result": {"a": 1}, "error": None}).encode()) == {"a": 1}
    error = {"exc_type": "NotFound", "exc_path": "x.NotFound", "exc_args": [], "value": "gone"}
    with pytest.raises(RemoteError) as caught:
        _result_of(json.dumps({"result": None, "error": error}).encode())
    assert (caught.value.exc_type, caught.value.value) == ("NotFound", "gone")
    with pytest.raises(RemoteError, match="MalformedReply"):
        _result_of(b"not json")


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ServiceUnavailable("s", "unroutable"), 503, "service_unavailable"),
        (ServiceTimeout("s", "late"), 504, "gateway_timeout"),
        (MonolithUnavailable("refused", timed_out=False), 503, "service_unavailable"),
        (MonolithUnavailable("slow", timed_out=True), 504, "gateway_timeout"),
        (MalformedRequest("bad"), 400, "bad_request"),
        (RemoteError("Conflict", "taken"), 409, "conflict"),
        (RemoteError("TypeError", "oops"), 500, "internal_error"),
    ],
)
def test_the_status_table(error: Exception, status: int, code: str) -> None:
    mapped = http_error_for(error)  # type: ignore[arg-type]
    assert (mapped.status, mapped.code) == (status, code)
