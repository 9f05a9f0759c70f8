"""The shared Nameko RPC client's pure parts: request properties per delivery, reply decoding
(the calls themselves, against a real broker: tests/integration/proxy/test_proxy_rpc_client.py
and tests/integration/services/test_order_saga.py)."""

from __future__ import annotations

import json

import pytest

from strangler.nameko_rpc import (
    FAIL_FAST,
    PERSISTENT,
    QUEUED,
    RpcRemoteError,
    request_properties,
    result_of,
)


def test_queued_requests_are_persistent_and_never_expire() -> None:
    properties = request_properties(QUEUED, "reply-1", "monolith.c1", None, 2.5)
    assert (properties.delivery_mode, properties.expiration) == (PERSISTENT, None)


def test_fail_fast_requests_expire_at_the_calls_timeout() -> None:
    properties = request_properties(FAIL_FAST, "reply-1", "proxy.c1", None, 2.5)
    assert (properties.delivery_mode, properties.expiration) == (None, "2500")


def test_requests_carry_the_reply_route_call_chain_and_context_as_nameko_headers() -> None:
    properties = request_properties(FAIL_FAST, "reply-1", "proxy.req-7", {"user_id": "42"}, 1)
    assert properties.reply_to == "reply-1"
    assert properties.headers == {
        "nameko.user_id": "42",
        "nameko.call_id_stack": ["proxy.req-7"],
    }
    other = request_properties(FAIL_FAST, "reply-1", "proxy.req-7", None, 1)
    assert properties.correlation_id != other.correlation_id


def test_nameko_replies_become_results_or_remote_errors() -> None:
    assert result_of(json.dumps({"result": {"a": 1}, "error": None}).encode()) == {"a": 1}
    error = {"exc_type": "NotFound", "exc_path": "x.NotFound", "exc_args": [], "value": "gone"}
    with pytest.raises(RpcRemoteError) as caught:
        result_of(json.dumps({"result": None, "error": error}).encode())
    assert (caught.value.exc_type, caught.value.value) == ("NotFound", "gone")
    with pytest.raises(RpcRemoteError, match="MalformedReply"):
        result_of(b"not json")
    with pytest.raises(RpcRemoteError, match="MalformedReply"):
        result_of(json.dumps({"result": None, "error": "boom"}).encode())
