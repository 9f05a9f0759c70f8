"""Shadow traffic: ask the service too, in the background, and compare with the monolith.

Only GET/HEAD are ever shadowed (a write would be applied twice). The
comparison never delays or changes the client's answer; when too many shadow
calls are pending, new ones are skipped (and counted).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from strangler_proxy.backends import Backend
from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE, ErrorShape
from strangler_proxy.errors import AuthDenied, ProxyError, RemoteError, http_error_for
from strangler_proxy.http_types import Request, Response, error_response
from strangler_proxy.parity import IgnoreRules, compare_answers, parse_body
from strangler_proxy.routing import SAFE_METHODS
from strangler_proxy.stats import ProxyStats

log = logging.getLogger(__name__)


class ShadowRunner:
    """Runs shadow calls on a small thread pool and records parity per route."""

    def __init__(
        self,
        service: Backend,
        stats: ProxyStats,
        *,
        ignore: IgnoreRules | None = None,
        workers: int = 4,
        max_pending: int = 64,
        error_shape: ErrorShape = DEFAULT_ERROR_SHAPE,
    ) -> None:
        self._service = service
        self._error_shape = error_shape  # a service's error reads as the monolith's would
        self._stats = stats
        self._ignore = ignore or IgnoreRules()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="strangler-shadow")
        self._slots = threading.BoundedSemaphore(max_pending)

    def submit(self, rule: str, request: Request, monolith: Response) -> Future[None] | None:
        """Compare the service's answer to `monolith` in the background (GET/HEAD only)."""
        if request.method not in SAFE_METHODS:
            return None
        if not self._slots.acquire(blocking=False):
            self._stats.shadowed(rule, "skipped")
            return None
        try:
            return self._pool.submit(self._compare, rule, request, monolith)
        except RuntimeError:  # the pool was shut down
            self._slots.release()
            return None

    def _compare(self, rule: str, request: Request, monolith: Response) -> None:
        try:
            try:
                service = self._service.handle(request)
            except RemoteError as exc:
                service = error_response(http_error_for(exc), self._error_shape)
            except AuthDenied:
                self._stats.shadowed(rule, "skipped")  # the service may not see this client
                return
            except ProxyError as exc:
                self._stats.shadowed(rule, "failed")
                log.warning("shadow %s %s: %s", request.method, request.target, exc)
                return
            # a HEAD answer has no body: only the statuses can be compared
            with_body = request.method != "HEAD"
            comparison = compare_answers(
                monolith.status,
                parse_body(monolith.body) if with_body else None,
                service.status,
                parse_body(service.body) if with_body else None,
                self._ignore,
            )
            if comparison.equal:
                self._stats.shadowed(rule, "equal")
                return
            fields = tuple(diff.path for diff in comparison.differences)
            self._stats.shadowed(rule, "different", fields)
            log.warning(
                "shadow %s %s differs from the monolith at: %s",
                request.method,
                request.target,
                ", ".join(fields),
            )
        except Exception:
            self._stats.shadowed(rule, "failed")
            log.exception("shadow %s %s crashed", request.method, request.target)
        finally:
            self._slots.release()

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
