"""No backend starves another: a cap on concurrent calls and a circuit breaker per service.

A stalled service used to hold every worker thread for its whole timeout, so routes to
the monolith stopped answering too. Each service may have `max_in_flight` calls at once
per worker process; while it has that many and the oldest has waited STALLED_SECONDS,
one more is turned away at once as never sent (`ServiceUnavailable(..., "busy")`, so a
read falls back to the monolith). A service that answers quickly is never turned away,
however many clients call it at once. After
`failures` calls in a row that got no answer (timeouts, unreachable), its breaker opens
for `open_seconds`: calls fail at once the same way, never waiting on it; then one probe
goes through (half-open) and its outcome closes or reopens the breaker. A service's own
errors (NotFound...) are answers: they count as success.

Pure state machine plus a lock; the clock is injected for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from strangler_proxy.errors import ServiceTimeout, ServiceUnavailable
from strangler_proxy.http_types import Request, Response
from strangler_proxy.isolation_settings import IsolationSettings

STALLED_SECONDS = 0.5  # a call waiting this long means the service is not keeping up


@dataclass
class _Service:
    started: list[float] = field(default_factory=list)  # when each call in flight began
    failures: int = 0  # in a row
    open_until: float | None = None  # the breaker is open until then
    probing: bool = False  # a half-open probe is out


@dataclass
class Isolation:
    """Per-service admission: `admit` before a call, `done` after it (always)."""

    settings: IsolationSettings = field(default_factory=IsolationSettings)
    clock: Callable[[], float] = time.monotonic
    _services: dict[str, _Service] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, service: str) -> float:
        """When the call starts (give it back to `done`); ServiceUnavailable (never sent)
        when the service is stalled with its calls or its breaker is open."""
        with self._lock:
            now = self.clock()
            state = self._services.setdefault(service, _Service())
            if state.open_until is not None:
                if now < state.open_until or state.probing:
                    raise ServiceUnavailable(service, "circuit open")
                state.probing = True  # half-open: this call is the probe
            full = len(state.started) >= self.settings.max_in_flight
            if full and now - min(state.started) >= STALLED_SECONDS:
                state.probing = False
                raise ServiceUnavailable(service, "busy")
            state.started.append(now)
            return now

    def done(self, service: str, started: float, *, answered: bool) -> None:
        """After an admitted call: `answered` is False when no answer came (timeout, down)."""
        with self._lock:
            state = self._services[service]
            state.started.remove(started)
            state.probing = False
            if answered:
                state.failures, state.open_until = 0, None
                return
            state.failures += 1
            if state.open_until is not None or state.failures >= self.settings.breaker_failures:
                state.open_until = self.clock() + self.settings.breaker_open_seconds

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
        started = self.isolation.admit(service)
        answered = False
        try:
            response = self._inner.handle(request)
            answered = True
            return response
        except (ServiceTimeout, ServiceUnavailable):
            raise
        except Exception:
            answered = True  # the service answered, with an error of its own
            raise
        finally:
            self.isolation.done(service, started, answered=answered)
