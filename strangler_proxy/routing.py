"""Pure routing: which backend answers a request; when a failed service call may fall back
or be sent again.

No sockets and no clock: the caller passes the random draw, so every decision
is reproducible in tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from strangler_proxy.errors import (
    AuthDenied,
    BrokerLinkLost,
    ProxyError,
    RemoteError,
    ServiceTimeout,
    ServiceUnavailable,
    is_expected_remote_error,
)
from strangler_proxy.http_types import Request, RouteMatch
from strangler_proxy.route_table import DEFAULT_SERVICE_MAX_BODY, Route, StickyKey
from strangler_proxy.rules import Matched, RouteMatcher

Backend = Literal["monolith", "service"]
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Decision:
    """Where a request goes: the backend, the matched route (if any), and whether to shadow it.

    `fallback` says why the monolith answers a request its route would have
    sent to a service (`auth`: the route's auth check refused it).
    """

    backend: Backend
    route: Route | None = None
    match: RouteMatch | None = None
    shadow: bool = False
    fallback: str | None = None


def sticky_identity(sticky: StickyKey, request: Request) -> str | None:
    """The client's identity under a sticky key, or None when the request lacks it."""
    if sticky.source == "cookie":
        return request.cookie(sticky.name) or None
    if sticky.source == "header":
        return request.header(sticky.name) or None
    if sticky.source == "user":
        return request.user_id
    return request.remote_addr or None


def canary_bucket(route: Route, identity: str) -> int:
    """A stable bucket 0-99 for a client in the route's area (the same in every process).

    Keyed on (area, identity), not on the route: a client gets one bucket for
    every route of an area, so at one percent it sees one side for all of them.
    """
    key = f"{route.sticky_area}|{identity}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % 100


def _canary_takes_service(route: Route, request: Request, draw: float) -> bool:
    identity = sticky_identity(route.sticky, request) if route.sticky else None
    if identity is None:
        return draw * 100 < route.percent
    return canary_bucket(route, identity) < route.percent


def needs_user(route: Route) -> bool:
    """Whether deciding needs the user the route's auth check names (`sticky = "user"`)."""
    return route.mode == "canary" and route.sticky is not None and route.sticky.source == "user"


def decide(matcher: RouteMatcher, request: Request, draw: float) -> Decision:
    """Choose the backend for `request`; `draw` is a uniform random number in [0, 1)."""
    return decide_matched(matcher.match(request.method, request.path), request, draw)


def decide_matched(matched: Matched | None, request: Request, draw: float) -> Decision:
    """Choose the backend for `request`, which matched `matched` (None: no route)."""
    if matched is None:
        return Decision("monolith")
    route = matched.route
    match = RouteMatch(
        route.path,
        route.service,
        route.method,
        matched.params,
        route.protocol,
        route.context,
        route.auth,
    )
    if route.mode == "service":
        return Decision("service", route, match)
    if route.mode == "canary" and _canary_takes_service(route, request, draw):
        return Decision("service", route, match)
    shadow = route.mode == "shadow" and request.method in SAFE_METHODS
    return Decision("monolith", route, match, shadow=shadow)


def body_limit(decision: Decision) -> int | None:
    """The most body bytes the decided request may carry (None: no limit).

    The route's `max_body`; else 10 MiB when the body goes to a service (read
    whole: it travels in one message; a shadow copy too), and no limit when
    it is only forwarded to the monolith, which it streams to.
    """
    if decision.route is not None and decision.route.max_body is not None:
        return decision.route.max_body
    goes_whole = decision.backend == "service" or decision.shadow
    return DEFAULT_SERVICE_MAX_BODY if goes_whole else None


def may_fall_back(method: str, error: ProxyError, *, write_fallback: bool = True) -> bool:
    """Whether the monolith may answer instead: only when the service surely did not act.

    GET/HEAD fall back on any service failure; other methods only when the
    request was never delivered and the route lets writes fall back (its
    `write_fallback`), or when the route's auth check held it back. A
    service's deliberate errors (NotFound...) are answers, never a reason to
    fall back.
    """
    if isinstance(error, RemoteError) and is_expected_remote_error(error):
        return False
    if method in SAFE_METHODS:
        return isinstance(error, ServiceUnavailable | ServiceTimeout | RemoteError | AuthDenied)
    if isinstance(error, AuthDenied):
        return True
    return write_fallback and isinstance(error, ServiceUnavailable)


def may_retry(error: ProxyError, *, keyed: bool) -> bool:
    """Whether the proxy sends a failed service call again, with the same idempotency key.

    Only when its own broker connection broke mid-call (the service may have acted, and
    answers a repeat of the key with its first answer) and the call carries a key. A plain
    timeout is never retried: the service may be stalled.
    """
    return keyed and isinstance(error, BrokerLinkLost)


def fallback_reason(error: ProxyError) -> str:
    """The short reason shown in `X-Strangler-Backend: monolith; fallback=<reason>`."""
    if isinstance(error, ServiceUnavailable):
        return error.reason.replace(" ", "-")
    if isinstance(error, ServiceTimeout):
        return "timeout"
    if isinstance(error, RemoteError):
        return "remote-error"
    if isinstance(error, AuthDenied):
        return "auth"
    return "error"
