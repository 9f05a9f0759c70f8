"""The admin endpoints under /_strangler/: who may reach them, what they show.

They are served on a loopback admin port (`strangler proxy --admin-port`),
where every path is theirs, and on the public port only with a bearer token
(`--admin-token`); otherwise `/_strangler/...` is forwarded like any path.
What they show never holds a password or a file path. Stats and metrics are
the sum over every worker process (`worker_metrics.py`).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from strangler.redaction import hide_password
from strangler_proxy.backends import Backends
from strangler_proxy.errors import HttpError
from strangler_proxy.http_types import Request, Response, error_response, json_response
from strangler_proxy.prometheus import CONTENT_TYPE, render
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.route_table import Settings
from strangler_proxy.stats import Samples, stats_view

ADMIN_PREFIX = "/_strangler/"
Verdict = Literal["admin", "unauthorized", "proxy"]


@dataclass(frozen=True)
class AdminAccess:
    """Where the admin endpoints answer: a loopback port, and the public port with a token."""

    port: int | None = None
    token: str | None = None


def admin_verdict(access: AdminAccess, request: Request, *, on_admin_port: bool) -> Verdict:
    """Whether the admin endpoints answer this request, refuse it, or the proxy routes it."""
    if not on_admin_port and (access.token is None or not request.path.startswith(ADMIN_PREFIX)):
        return "proxy"
    if access.token is not None and not bearer_matches(
        request.header("Authorization"), access.token
    ):
        return "unauthorized"
    return "admin"


def bearer_matches(authorization: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, credentials = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    )


UNAUTHORIZED = HttpError(401, "unauthorized", "the admin endpoints need a bearer token")


def unauthorized() -> Response:
    response = error_response(UNAUTHORIZED)
    return replace(response, headers=(*response.headers, ("WWW-Authenticate", "Bearer")))


class AdminViews:
    """The admin endpoints' answers, from the live table, the counters and the backends.

    `samples` gives the counters of every worker process, added up.
    """

    def __init__(
        self,
        routes: LiveRoutes,
        samples: Callable[[], Samples],
        backends: Callable[[Settings], Backends],
    ) -> None:
        self._routes = routes
        self._samples = samples
        self._backends = backends

    def answer(self, request: Request) -> Response:
        views: dict[str, Callable[[], Response]] = {
            "health": lambda: json_response(200, self._health()),
            "routes": lambda: json_response(200, self._routes_view()),
            "stats": lambda: json_response(200, stats_view(self._samples())),
            "metrics": self._metrics,
        }
        view = views.get(request.path.removeprefix(ADMIN_PREFIX))
        if view is None:
            return error_response(HttpError(404, "not_found", f"no such endpoint: {request.path}"))
        if request.method not in ("GET", "HEAD"):
            message = f"{request.method} is not allowed on {request.path}"
            response = error_response(HttpError(405, "method_not_allowed", message))
            return replace(response, headers=(*response.headers, ("Allow", "GET, HEAD")))
        return view()

    def _metrics(self) -> Response:
        body = render(self._samples()).encode()
        return Response(200, (("Content-Type", CONTENT_TYPE),), body)

    def _health(self) -> dict[str, Any]:
        settings = self._routes.current().table.settings
        backends = self._backends(settings)
        broker = backends.broker_reachable()
        monolith = backends.monolith_reachable()
        return {
            "status": "ok" if broker and monolith else "degraded",
            "broker": {"reachable": broker, "uri": hide_password(settings.amqp_uri)},
            "monolith": {"reachable": monolith, "url": hide_password(settings.monolith)},
            "breakers": backends.breakers(),
        }

    def _routes_view(self) -> dict[str, Any]:
        table = self._routes.current().table
        settings = table.settings
        return {
            "last_reload_error": self._routes.last_error,
            "monolith": hide_password(settings.monolith),
            "amqp_uri": hide_password(settings.amqp_uri),
            "rpc_timeout": settings.rpc_timeout,
            "monolith_timeout": settings.monolith_timeout,
            "trusted_proxies": [str(network) for network in settings.trusted_proxies],
            "backend_headers": settings.backend_headers,
            "error_body": json.loads(settings.error_shape.template),
            "routes": [route.describe() for route in table.routes],
        }
