"""How much of the proxy one backend may hold, and when its circuit breaker opens (the
routes file's `service_max_in_flight`, `backend_max_share`, `breaker_failures`,
`breaker_open_seconds`, `breaker_max_open_seconds`; the worker's thread count comes from
`strangler proxy --threads`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

DEFAULT_THREADS = 8  # gunicorn's threads per worker, `strangler proxy --threads`'s default
DEFAULT_MAX_IN_FLIGHT = 4  # of gunicorn's 8 threads per worker: the rest stay for the others
DEFAULT_MAX_SHARE = 0.75  # of a worker's threads, the most one backend may hold
DEFAULT_BREAKER_FAILURES = 5
DEFAULT_BREAKER_OPEN_SECONDS = 1.0
DEFAULT_BREAKER_MAX_OPEN_SECONDS = 10.0


@dataclass(frozen=True)
class IsolationSettings:
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT  # concurrent calls per service per worker
    breaker_failures: int = DEFAULT_BREAKER_FAILURES  # unanswered calls in a row that open it
    breaker_open_seconds: float = DEFAULT_BREAKER_OPEN_SECONDS  # the first open period
    breaker_max_open_seconds: float = DEFAULT_BREAKER_MAX_OPEN_SECONDS  # doubled up to this
    threads: int = DEFAULT_THREADS  # a worker's threads (the CLI's --threads)
    max_share: float = DEFAULT_MAX_SHARE  # of those, the most one backend may hold

    @property
    def ceiling(self) -> int:
        """The most threads of a worker one backend may hold at once: its share, rounded
        down, at least one, and always one fewer than all of them (with two or more)."""
        share = math.floor(self.threads * self.max_share + 1e-9)
        return max(1, min(share, self.threads - 1))
