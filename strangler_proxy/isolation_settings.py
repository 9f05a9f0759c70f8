"""How much of the proxy one service may hold, and when its circuit breaker opens (the
routes file's `service_max_in_flight`, `breaker_failures`, `breaker_open_seconds`,
`breaker_max_open_seconds`)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_IN_FLIGHT = 4  # of gunicorn's 8 threads per worker: the rest stay for the others
DEFAULT_BREAKER_FAILURES = 5
DEFAULT_BREAKER_OPEN_SECONDS = 1.0
DEFAULT_BREAKER_MAX_OPEN_SECONDS = 10.0


@dataclass(frozen=True)
class IsolationSettings:
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT  # concurrent calls per service per worker
    breaker_failures: int = DEFAULT_BREAKER_FAILURES  # unanswered calls in a row that open it
    breaker_open_seconds: float = DEFAULT_BREAKER_OPEN_SECONDS  # the first open period
    breaker_max_open_seconds: float = DEFAULT_BREAKER_MAX_OPEN_SECONDS  # doubled up to this
