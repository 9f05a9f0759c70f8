"""Counters per route: who answered (status class, latency), fallbacks, and shadow parity.

Every count is a sample: a metric name, its labels and a number. Samples of
several worker processes add up key by key (`worker_metrics.py`), and one set
of samples gives both the JSON of /_strangler/stats (`stats_view`) and
Prometheus' /_strangler/metrics (`prometheus.py`).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

NO_ROUTE = "(no route)"

Labels = tuple[tuple[str, str], ...]
SampleKey = tuple[str, Labels]
Samples = Mapping[SampleKey, float]

REQUESTS = "strangler_proxy_requests_total"
DURATION = "strangler_proxy_request_duration_seconds"
FALLBACKS = "strangler_proxy_fallbacks_total"
SHADOW = "strangler_proxy_shadow_comparisons_total"
SHADOW_FIELDS = "shadow_differing_fields"  # for /stats only: field paths are not for Prometheus
BREAKER_OPEN = "strangler_proxy_breaker_open"  # a gauge: summed over live workers only
GAUGES = frozenset({BREAKER_OPEN})

# upper bounds in seconds of the latency histogram's buckets (+Inf is added)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def bucket_bound(seconds: float) -> str:
    """A bucket's `le` label as Prometheus writes it ("0.005", "1.0", "+Inf")."""
    return "+Inf" if seconds == float("inf") else repr(float(seconds))


def status_class(status: int) -> str:
    return f"{status // 100}xx"


_BOUNDS = tuple((bound, bucket_bound(bound)) for bound in (*LATENCY_BUCKETS, float("inf")))


class _AnswerKeys:
    """The sample keys one route and backend's answers add to (made once, kept)."""

    def __init__(self, route: str, backend: str) -> None:
        self.timed: Labels = (("route", route), ("backend", backend))
        bucket = f"{DURATION}_bucket"
        self.buckets = tuple(
            (bound, (bucket, (*self.timed, ("le", label)))) for bound, label in _BOUNDS
        )
        self.sum: SampleKey = (f"{DURATION}_sum", self.timed)
        self.count: SampleKey = (f"{DURATION}_count", self.timed)
        self.requests: dict[int, SampleKey] = {}  # by status // 100

    def request(self, status: int) -> SampleKey:
        key = self.requests.get(status // 100)
        if key is None:
            key = (REQUESTS, (*self.timed, ("status_class", status_class(status))))
            self.requests[status // 100] = key
        return key


class ProxyStats:
    """Thread-safe samples of one process; `version` changes whenever one does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: defaultdict[SampleKey, float] = defaultdict(float)
        self._answer_keys: dict[tuple[str, str], _AnswerKeys] = {}
        self.version = 0

    def _add(self, counts: Iterable[tuple[str, Labels, float]]) -> None:
        with self._lock:
            for name, labels, amount in counts:
                self._samples[(name, labels)] += amount
            self.version += 1

    def answered(self, rule: str | None, backend: str, status: int, seconds: float) -> None:
        """Count an answer by route, backend and status class, and time it by route and backend."""
        route = rule or NO_ROUTE
        with self._lock:  # every answer comes here: its keys are made once per route/backend
            keys = self._answer_keys.get((route, backend))
            if keys is None:
                keys = self._answer_keys[(route, backend)] = _AnswerKeys(route, backend)
            samples = self._samples
            samples[keys.request(status)] += 1
            for bound, key in keys.buckets:
                if seconds <= bound:
                    samples[key] += 1
            samples[keys.sum] += seconds
            samples[keys.count] += 1
            self.version += 1

    def fell_back(self, rule: str, reason: str) -> None:
        self._add([(FALLBACKS, (("route", rule), ("reason", reason)), 1)])

    def shadowed(self, rule: str, outcome: str, fields: tuple[str, ...] = ()) -> None:
        """Record a shadow comparison: outcome is equal, different, failed or skipped."""
        self._add(
            [
                (SHADOW, (("route", rule), ("outcome", outcome)), 1),
                *((SHADOW_FIELDS, (("route", rule), ("field", field)), 1) for field in fields),
            ]
        )

    def samples(self) -> dict[SampleKey, float]:
        """A copy of every sample."""
        with self._lock:
            return dict(self._samples)

    def snapshot(self) -> dict[str, Any]:
        """This process's counters as GET /_strangler/stats shows them."""
        return stats_view(self.samples())


def breaker_samples(breakers: Mapping[str, Any]) -> dict[SampleKey, float]:
    """A worker's breaker states (`Backends.breakers()`: the monolith's, and each called
    service's) as BREAKER_OPEN samples: 1 for a breaker that is not closed, else 0."""
    states = {"monolith": breakers.get("monolith", "closed"), **breakers.get("services", {})}
    return {
        (BREAKER_OPEN, (("backend", backend),)): float(state != "closed")
        for backend, state in states.items()
    }


# sample name -> the /stats key it fills and the label that becomes that key's keys
_VIEW = {
    REQUESTS: ("backends", "backend"),
    FALLBACKS: ("fallbacks", "reason"),
    SHADOW: ("shadow", "outcome"),
    SHADOW_FIELDS: ("shadow_differing_fields", "field"),
}


def stats_view(samples: Samples) -> dict[str, Any]:
    """Samples as JSON by route: backends, fallbacks, shadow outcomes and differing fields."""
    routes: defaultdict[str, dict[str, Counter[str]]] = defaultdict(
        lambda: {key: Counter() for key, _ in _VIEW.values()}
    )
    for (name, labels), value in samples.items():
        if name in _VIEW:
            key, label = _VIEW[name]
            found = dict(labels)
            routes[found["route"]][key][found[label]] += int(value)
    return {
        "routes": {
            rule: {key: dict(counts) for key, counts in routes[rule].items()}
            for rule in sorted(routes)
        }
    }
