"""A service's share of the proxy and its circuit breaker, on a clock the test moves."""

from __future__ import annotations

import contextlib

import pytest

from strangler_proxy.errors import RemoteError, ServiceTimeout, ServiceUnavailable
from strangler_proxy.http_types import Request, Response, RouteMatch
from strangler_proxy.isolation import IsolatedBackend, Isolation
from strangler_proxy.isolation_settings import IsolationSettings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def isolation(clock: Clock, **settings: float) -> Isolation:
    return Isolation(IsolationSettings(**settings), clock)  # type: ignore[arg-type]  # ints too


def test_a_service_stalled_at_its_cap_turns_the_next_call_away_as_never_sent() -> None:
    clock = Clock()
    guard = isolation(clock, max_in_flight=2)
    first = guard.admit("orders")
    guard.admit("orders")
    guard.admit("orders")  # at the cap, but its calls are fresh: a busy moment, not a stall
    clock.now += 0.5  # the oldest call has now waited STALLED_SECONDS
    with pytest.raises(ServiceUnavailable, match="busy"):
        guard.admit("orders")
    guard.admit("catalog")  # another service has its own share
    guard.done("orders", first, answered=True)
    clock.now += 0.1
    with pytest.raises(ServiceUnavailable, match="busy"):
        guard.admit("orders")  # still two old calls in flight
    for _ in range(2):
        guard.done("orders", 100.0, answered=True)
    guard.admit("orders")  # their places are free


def test_the_breaker_opens_after_failures_in_a_row_then_lets_one_probe_through() -> None:
    clock = Clock()
    guard = isolation(clock, breaker_failures=3, breaker_open_seconds=10)
    for _ in range(2):
        guard.done("orders", guard.admit("orders"), answered=False)
    guard.done("orders", guard.admit("orders"), answered=True)  # a success resets the count
    for _ in range(3):
        guard.done("orders", guard.admit("orders"), answered=False)
    assert guard.state("orders") == "open"
    with pytest.raises(ServiceUnavailable, match="circuit open"):
        guard.admit("orders")
    clock.now += 10
    assert guard.state("orders") == "half-open"
    probe = guard.admit("orders")  # the probe
    with pytest.raises(ServiceUnavailable, match="circuit open"):
        guard.admit("orders")  # only one probe at a time
    guard.done("orders", probe, answered=False)
    assert guard.state("orders") == "open"  # the failed probe opens it again at once
    clock.now += 10
    guard.done("orders", guard.admit("orders"), answered=True)
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
        (ServiceUnavailable("orders", "no consumers"), True),
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
