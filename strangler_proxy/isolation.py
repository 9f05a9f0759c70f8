"""No backend starves another: a cap on concurrent calls and a circuit breaker per service.

A stalled service used to hold every worker thread for its whole timeout, so routes to
the monolith stopped answering too. Each service may have `max_in_flight` calls at once
per worker process; while it has that many and the oldest has waited STALLED_SECONDS,
one more is turned away at once as never sent (`ServiceUnavailable(..., "busy")`, so a
read falls back to the monolith). A service that answers quickly is never turned away,
however many clients call it at once.

After `failures` calls in a row that were sent and got no answer (timeouts) or could not
reach the broker, its breaker opens for `open_seconds`: calls fail at once the same way,
never waiting on it; as soon as that period ends one probe goes through (half-open, one
at a time) and its outcome closes the breaker or opens it again for twice as long (up to
`max_open_seconds`). What is not the service's failure never opens it: its own errors
(NotFound...) are answers; no instance consuming its queue (`ServiceAbsent`: the check
costs nothing and sees a restarted one at once) closes it, as the stalled instance is
gone; the proxy's broker connection breaking mid-call (`BrokerLinkLost`) counts neither
way, as the next call reconnects.

Pure state machine plus a lock; the clock is injected for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from strangler_proxy.errors import (
    BrokerLinkLost,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
)
from strangler_proxy.http_types import Request, Response
from strangler_proxy.isolation_settings import IsolationSettings

STALLED_SECONDS = 0.5  # a call waiting this long means the service is not keeping up

Outcome = Literal["answered", "unanswered", "absent", "link lost"]


def outcome_of(error: Exception | None) -> Outcome:
    """What a call's result (None: a response) says about the service, for its breaker."""
    if isinstance(error, ServiceAbsent):
        return "absent"
    if isinstance(error, BrokerLinkLost):
        return "link lost"
    if isinstance(error, ServiceTimeout | ServiceUnavailable):
        return "unanswered"
    return "answered"  # a response, or an error of the service's own


@dataclass(frozen=True)
class Admission:
    """An admitted call: when it started, and whether it is the half-open probe."""

    started: float
    probe: bool = False


@dataclass
class _Service:
    started: list[float] = field(default_factory=list)  # when each call in flight began
    failures: int = 0  # in a row
    open_until: float | None = None  # the breaker is open until then
    open_seconds: float = 0.0  # how long it was opened for last
    probing: bool = False  # a half-open probe is out


@dataclass
class Isolation:
    """Per-service admission: `admit` before a call, `done` after it (always)."""

    settings: IsolationSettings = field(default_factory=IsolationSettings)
    clock: Callable[[], float] = time.monotonic
    _services: dict[str, _Service] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, service: str) -> Admission:
        """The admitted call (give it back to `done`); ServiceUnavailable (never sent)
        when the service is stalled with its calls or its breaker is open."""
        with self._lock:
            now = self.clock()
            state = self._services.setdefault(service, _Service())
            open_until = state.open_until
            if open_until is not None and (now < open_until or state.probing):
                raise ServiceUnavailable(service, "circuit open")
            full = len(state.started) >= self.settings.max_in_flight
            if full and now - min(state.started) >= STALLED_SECONDS:
                raise ServiceUnavailable(service, "busy")
            probe = open_until is not None  # half-open: this call is the probe
            state.probing = state.probing or probe
            state.started.append(now)
            return Admission(now, probe)

    def done(self, service: str, call: Admission, outcome: Outcome) -> None:
        """After an admitted call, with what its result says about the service."""
        with self._lock:
            state = self._services[service]
            state.started.remove(call.started)
            if call.probe:
                state.probing = False
            if outcome in ("answered", "absent"):
                state.failures, state.open_until, state.open_seconds = 0, None, 0.0
                return
            if outcome == "link lost":
                return
            state.failures += 1
            if call.probe:
                state.open_seconds = min(
                    2 * state.open_seconds, self.settings.breaker_max_open_seconds
                )
            elif state.open_until is None and state.failures >= self.settings.breaker_failures:
                state.open_seconds = self.settings.breaker_open_seconds
            else:
                return  # still closed, or a call from before it opened
            state.open_until = self.clock() + state.open_seconds

    def state(self, service: str) -> str:
        """`closed`, `open` or `half-open` (for the admin endpoints and tests)."""
        with self._lock:
            found = self._services.get(service)
            if found is None or found.open_until is None:
                return "closed"
            return "open" if self.clock() < found.open_until else "half-open"


class _Handler(Protocol):
    def handle(self, request: Request) -> Response: ...


class IsolatedBackend:
    """A service backend whose calls go through `Isolation`."""

    def __init__(self, inner: _Handler, isolation: Isolation) -> None:
        self._inner = inner
        self.isolation = isolation

    def handle(self, request: Request) -> Response:
        assert request.match is not None  # the app sends only matched requests here
        service = request.match.service
        call = self.isolation.admit(service)
        error: Exception | None = None
        try:
            return self._inner.handle(request)
        except Exception as exc:
            error = exc
            raise
        finally:
            self.isolation.done(service, call, outcome_of(error))
