"""The route table a running proxy uses, re-read when the file changes.

The file is checked at most once per interval (on requests) or on demand
(SIGHUP); a bad new file is logged and the last good table stays in use.
`last_error` says why, without the file's path (the admin view shows it).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from strangler_proxy.errors import RoutesFileError
from strangler_proxy.route_table import RouteTable
from strangler_proxy.routes_file import RoutesFile
from strangler_proxy.rules import RouteMatcher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActiveTable:
    """A route table and its compiled matcher, swapped together."""

    table: RouteTable
    matcher: RouteMatcher


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class LiveRoutes:
    """Holds the active table; `current()` re-reads the file when it has changed."""

    def __init__(
        self,
        source: RoutesFile,
        initial: RouteTable,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        initial_error: str | None = None,
    ) -> None:
        self.source = source
        self.last_error = initial_error
        self._active = ActiveTable(initial, RouteMatcher(initial.routes))
        self._seen = _signature(source.path)
        self._interval = interval
        self._clock = clock
        self._next_check = clock() + interval
        self._forced = False
        self._lock = threading.Lock()

    def request_reload(self) -> None:
        """Re-read the file on the next request, changed or not (the SIGHUP handler)."""
        self._forced = True

    def current(self) -> ActiveTable:
        now = self._clock()
        if self._forced or now >= self._next_check:
            self._check(now)
        return self._active

    def _check(self, now: float) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another thread is checking; use the table we have
        try:
            forced, self._forced = self._forced, False
            self._next_check = now + self._interval
            signature = _signature(self.source.path)
            if signature == self._seen and not forced:
                return
            self._seen = signature
            self._reload()
        finally:
            self._lock.release()

    def _reload(self) -> None:
        try:
            table = self.source.load()
        except RoutesFileError as exc:
            self.last_error = exc.without_source
            log.error("routes file not reloaded, keeping the last good table: %s", self.last_error)
            return
        self._active = ActiveTable(table, RouteMatcher(table.routes))
        self.last_error = None
        log.warning("routes file reloaded: %d routes", len(table.routes))
