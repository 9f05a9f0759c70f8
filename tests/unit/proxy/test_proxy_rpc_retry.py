"""The proxy's one retry of a keyed call whose broker connection broke mid-call.

The decision (`routing.may_retry`) is pure; the retry itself is `RpcClient.call` over a
scripted shared client, so no broker is needed (on a real one:
tests/integration/proxy/test_proxy_at_most_once.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from strangler.nameko_rpc import (
    FAIL_FAST,
    NamekoRpc,
    RpcLinkLost,
    RpcRemoteError,
    RpcServiceAbsent,
    RpcTimeout,
)
from strangler_proxy.errors import (
    BrokerLinkLost,
    RemoteError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
)
from strangler_proxy.routing import may_retry
from strangler_proxy.rpc_client import RpcClient

KEYED = {"idempotency_key": "proxy:n-1", "user_id": "42"}
LOST = RpcLinkLost("orders", "lost the broker while waiting")
IN_PROGRESS = RpcRemoteError("RequestInProgress", "still running")
NO_CONSUMERS = RpcServiceAbsent("orders", "no consumers")


class ScriptedRpc(NamekoRpc):
    """Answers each call with the next outcome (an exception is raised); records the calls."""

    def __init__(self, *outcomes: Any) -> None:
        super().__init__("amqp://unused", caller="test", delivery=FAIL_FAST)
        self.outcomes = list(outcomes)
        self.sent: list[tuple[str, dict[str, str], float]] = []

    def call(
        self,
        service: str,
        method: str,
        kwargs: Mapping[str, Any],
        *,
        call_id: str | None = None,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        assert timeout is not None
        self.sent.append((str(call_id), dict(context or {}), timeout))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def client_over(rpc: ScriptedRpc) -> RpcClient:
    client = RpcClient("amqp://unused")
    client._rpc = rpc
    return client


def call(client: RpcClient, context: Mapping[str, str] | None, timeout: float = 5.0) -> Any:
    return client.call(
        "orders", "place", {"body": {}}, call_id="req-1", context=context, timeout=timeout
    )


@pytest.mark.parametrize(
    ("error", "keyed", "retried"),
    [
        (BrokerLinkLost("orders", "lost"), True, True),
        (BrokerLinkLost("orders", "lost"), False, False),  # no key: the service may apply it twice
        (ServiceTimeout("orders", "no reply"), True, False),  # the service may be stalled
        (ServiceUnavailable("orders", "broker down"), True, False),  # never sent: falls back
        (ServiceAbsent("orders", "no consumers"), True, False),
        (RemoteError("NotFound", "no such order"), True, False),  # an answer
    ],
)
def test_only_a_keyed_call_whose_broker_link_broke_is_sent_again(
    error: ServiceTimeout, keyed: bool, retried: bool
) -> None:
    assert may_retry(error, keyed=keyed) is retried


def test_a_keyed_call_lost_mid_call_is_sent_once_more_with_its_key_and_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rpc = ScriptedRpc(LOST, {"order_id": 7})
    with caplog.at_level(logging.WARNING, logger="strangler_proxy.rpc_client"):
        assert call(client_over(rpc), KEYED) == {"order_id": 7}
    (first, repeat) = rpc.sent
    assert first[:2] == repeat[:2] == ("req-1", KEYED)
    assert first[2] == 5.0 and 0 < repeat[2] <= 5.0  # within what is left of the timeout
    assert [r.getMessage() for r in caplog.records] == [
        "orders.place: service 'orders' did not answer: lost the broker while waiting; "
        "sending it again with its idempotency key"
    ]


def test_a_call_without_a_key_is_never_sent_again() -> None:
    rpc = ScriptedRpc(LOST, {"order_id": 7})
    with pytest.raises(BrokerLinkLost):
        call(client_over(rpc), {"user_id": "42"})
    assert len(rpc.sent) == 1


def test_a_plain_timeout_is_never_sent_again() -> None:
    rpc = ScriptedRpc(RpcTimeout("orders", "no reply within 5s"), {"order_id": 7})
    with pytest.raises(ServiceTimeout) as raised:
        call(client_over(rpc), KEYED)
    assert not isinstance(raised.value, BrokerLinkLost) and len(rpc.sent) == 1


def test_the_repeat_is_sent_once_a_second_lost_link_is_the_answer() -> None:
    rpc = ScriptedRpc(LOST, LOST, {"order_id": 7})
    with pytest.raises(BrokerLinkLost):
        call(client_over(rpc), KEYED)
    assert len(rpc.sent) == 2


def test_a_repeat_refused_as_still_running_is_asked_again_until_answered() -> None:
    rpc = ScriptedRpc(LOST, IN_PROGRESS, {"order_id": 7})
    assert call(client_over(rpc), KEYED) == {"order_id": 7}
    assert len(rpc.sent) == 3


def test_still_running_when_time_runs_out_is_the_409_the_client_gets() -> None:
    rpc = ScriptedRpc(LOST, IN_PROGRESS)
    with pytest.raises(RemoteError) as raised:
        call(client_over(rpc), KEYED, timeout=0.3)
    assert raised.value.exc_type == "RequestInProgress"


def test_a_repeat_not_taken_is_sent_until_taken_and_never_becomes_a_fallback() -> None:
    rpc = ScriptedRpc(LOST, NO_CONSUMERS, {"order_id": 7})
    assert call(client_over(rpc), KEYED) == {"order_id": 7}
    assert len(rpc.sent) == 3
    never_taken = ScriptedRpc(LOST, NO_CONSUMERS)
    with pytest.raises(BrokerLinkLost):  # the first may have acted: 504, no fallback
        call(client_over(never_taken), KEYED, timeout=0.5)
    assert len(never_taken.sent) >= 2
