"""In-memory counters per route: who answered, fallbacks, and shadow parity."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any

NO_ROUTE = "(no route)"


class ProxyStats:
    """Thread-safe counters, shown by GET /_strangler/stats."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._backends: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._fallbacks: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._shadow: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._shadow_fields: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def answered(self, rule: str | None, backend: str) -> None:
        with self._lock:
            self._backends[rule or NO_ROUTE][backend] += 1

    def fell_back(self, rule: str, reason: str) -> None:
        with self._lock:
            self._fallbacks[rule][reason] += 1

    def shadowed(self, rule: str, outcome: str, fields: tuple[str, ...] = ()) -> None:
        """Record a shadow comparison: outcome is equal, different, failed or skipped."""
        with self._lock:
            self._shadow[rule][outcome] += 1
            self._shadow_fields[rule].update(fields)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of every counter, by route."""
        with self._lock:
            rules = sorted({*self._backends, *self._fallbacks, *self._shadow})
            return {
                "routes": {
                    rule: {
                        "backends": dict(self._backends[rule]),
                        "fallbacks": dict(self._fallbacks[rule]),
                        "shadow": dict(self._shadow[rule]),
                        "shadow_differing_fields": dict(self._shadow_fields[rule]),
                    }
                    for rule in rules
                }
            }
