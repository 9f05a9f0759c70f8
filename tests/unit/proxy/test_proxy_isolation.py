"""A service's share of the proxy and its circuit breaker, on a clock the test moves."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from strangler_proxy.errors import (
    BrokerLinkLost,
    MonolithTurnedAway,
    RemoteError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
)
from strangler_proxy.http_types import Request, Response, RouteMatch
from strangler_proxy.isolation import IsolatedBackend, Isolation, Outcome
from strangler_proxy.isolation_settings import IsolationSettings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def isolation(clock: Clock, **settings: Any) -> Isolation:
    return Isolation(IsolationSettings(**settings), clock)


def test_a_service_stalled_at_its_cap_turns_the_next_call_away_as_never_sent() -> None:
    clock = Clock()
    guard = isolation(clock, max_in_flight=2)
    first = guard.admit("orders")
    second = guard.admit("orders")
    third = guard.admit("orders")  # at the cap, but its calls are fresh: a busy moment
    clock.now += 0.5  # the oldest call has now waited STALLED_SECONDS
    with pytest.raises(ServiceUnavailable, match="busy"):
        guard.admit("orders")
    guard.admit("catalog")  # another service has its own share
    guard.done("orders", first, "unanswered")
    clock.now += 0.1
    with pytest.raises(ServiceUnavailable, match="busy"):
        guard.admit("orders")  # still two old calls in flight, and no answer
    guard.done("orders", second, "answered")
    clock.now += 0.1
    fourth = guard.admit("orders")
    fifth = guard.admit("orders")  # at its cap, the oldest call old, but it answered 0.1 s ago
    clock.now += 0.5
    with pytest.raises(ServiceUnavailable, match="busy"):
        guard.admit("orders")  # old calls in flight, and no answer for 0.5 s
    for call in (third, fourth, fifth):
        guard.done("orders", call, "answered")
    guard.admit("orders")  # their places are free


def fail(guard: Isolation, times: int, outcome: Outcome = "unanswered") -> None:
    for _ in range(times):
        guard.done("orders", guard.admit("orders"), outcome)


def test_the_breaker_opens_after_failures_in_a_row_then_lets_one_probe_through() -> None:
    clock = Clock()
    guard = isolation(clock, breaker_failures=3, breaker_open_seconds=10)
    fail(guard, 2)
    guard.done("orders", guard.admit("orders"), "answered")  # a success resets the count
    fail(guard, 3)
    assert guard.state("orders") == "open"
    with pytest.raises(ServiceUnavailable, match="circuit open"):
        guard.admit("orders")
    clock.now += 10
    assert guard.state("orders") == "half-open"
    probe = guard.admit("orders")  # the probe, as soon as the period is over
    with pytest.raises(ServiceUnavailable, match="circuit open"):
        guard.admit("orders")  # only one probe at a time
    guard.done("orders", probe, "unanswered")
    assert guard.state("orders") == "open"  # the failed probe opens it again at once
    clock.now += 20  # for twice as long
    guard.done("orders", guard.admit("orders"), "answered")
    assert guard.state("orders") == "closed"


def test_each_failed_probe_doubles_the_open_period_up_to_the_longest() -> None:
    clock = Clock()
    guard = isolation(clock, breaker_failures=1, breaker_open_seconds=1, breaker_max_open_seconds=5)
    fail(guard, 1)
    assert [open_for(guard, clock) for _ in range(5)] == [1, 2, 4, 5, 5]
    clock.now += 5
    guard.done("orders", guard.admit("orders"), "answered")  # the probe is answered
    fail(guard, 1)
    assert open_for(guard, clock) == 1  # once closed, it starts again from the first period


def open_for(guard: Isolation, clock: Clock) -> float:
    """How long the breaker stays open from now; then its probe gets no answer."""
    opened = clock.now
    while guard.state("orders") == "open":
        clock.now += 0.25
    fail(guard, 1)
    return clock.now - opened


def test_a_service_with_no_instance_left_closes_its_breaker() -> None:
    clock = Clock()
    guard = isolation(clock, breaker_failures=2, breaker_open_seconds=4)
    fail(guard, 2)  # a stalled instance: calls time out
    clock.now += 4
    fail(guard, 1, "absent")  # the probe finds nobody consuming: the stalled one is gone
    assert guard.state("orders") == "closed"
    fail(guard, 5, "absent")  # each call checks for a consumer at no cost: never opens it
    assert guard.state("orders") == "closed"
    fail(guard, 1)
    assert guard.state("orders") == "closed"  # the count started again


def test_a_broken_broker_connection_counts_neither_way() -> None:
    clock = Clock()
    guard = isolation(clock, breaker_failures=2, breaker_open_seconds=4)
    fail(guard, 1)
    fail(guard, 3, "link lost")
    assert guard.state("orders") == "closed"
    fail(guard, 1)
    assert guard.state("orders") == "open"  # two unanswered in a row, links aside
    clock.now += 4
    fail(guard, 1, "link lost")  # the probe's connection broke: the next call probes again
    assert guard.state("orders") == "half-open"
    guard.done("orders", guard.admit("orders"), "answered")
    assert guard.state("orders") == "closed"


class Scripted:
    """A service backend that raises or answers as told."""

    def __init__(self, outcome: Exception | None) -> None:
        self.outcome = outcome
        self.calls = 0

    def handle(self, request: Request) -> Response:
        self.calls += 1
        if self.outcome is not None:
            raise self.outcome
        return Response(200, (), b"{}")


def _request() -> Request:
    match = RouteMatch(rule="/orders", service="orders", method="get")
    return Request("GET", "/orders", match=match)


@pytest.mark.parametrize(
    ("outcome", "opens"),
    [
        (ServiceTimeout("orders", "5s"), True),
        (ServiceUnavailable("orders", "broker down"), True),
        (ServiceAbsent("orders", "no consumers"), False),  # failed fast, nothing to wait on
        (BrokerLinkLost("orders", "connection closed"), False),  # the proxy's link, not it
        (RemoteError("NotFound", "order 7 not found"), False),  # an answer
        (None, False),
    ],
)
def test_only_calls_left_unanswered_count_against_a_service(
    outcome: Exception | None, opens: bool
) -> None:
    inner = Scripted(outcome)
    backend = IsolatedBackend(inner, isolation(Clock(), breaker_failures=2))
    for _ in range(2):
        with contextlib.suppress(ServiceTimeout, ServiceUnavailable, RemoteError):
            backend.handle(_request())
    assert (backend.isolation.state("orders") == "open") is opens
    if opens:
        with pytest.raises(ServiceUnavailable, match="circuit open"):
            backend.handle(_request())
        assert inner.calls == 2  # the third never reached the service


def test_the_loops_own_calls_take_no_thread_but_count_for_the_stall_cap() -> None:
    clock = Clock()
    guard = Isolation(IsolationSettings(threads=4), clock, kind="monolith")  # ceiling 3
    admitted = [guard.admit_unthreaded("monolith") for _ in range(5)]  # more than the ceiling
    on_loop = [call for call in admitted if call is not None]
    assert len(on_loop) == 5
    threaded = [guard.admit("monolith") for _ in range(2)]  # its threads' share is untouched
    assert guard.in_flight("monolith") == 2
    clock.now += 0.5  # seven calls waiting, the oldest 0.5 s, nothing answered: stalled
    assert guard.admit_unthreaded("monolith") is None  # left to `admit`, which turns it away
    with pytest.raises(MonolithTurnedAway, match="busy"):
        guard.admit("monolith")  # below the ceiling, but stalled at its cap
    for call in [*on_loop, *threaded]:
        guard.done("monolith", call, "answered")
    assert guard.admit_unthreaded("monolith") is not None  # it answers again


def test_the_loops_own_calls_open_the_breaker_and_are_then_left_to_admit() -> None:
    clock = Clock()
    guard = isolation(clock, breaker_failures=2)
    for _ in range(2):
        call = guard.admit_unthreaded("orders")
        assert call is not None
        guard.done("orders", call, "unanswered")
    assert guard.state("orders") == "open"
    assert guard.admit_unthreaded("orders") is None
    with pytest.raises(ServiceUnavailable, match="circuit open"):
        guard.admit("orders")
