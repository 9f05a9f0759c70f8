"""The proxy's WSGI app: route each request, call the backend, fall back safely, report.

Response headers: `X-Strangler-Backend` (service | monolith |
monolith; fallback=<reason>), `X-Strangler-Route` (the matched rule) and
`X-Request-Id`. Admin endpoints live under /_strangler/: health, routes, stats.
"""

from __future__ import annotations

import logging
import random
import re
import signal
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request as WerkzeugRequest

from strangler_proxy.backends import Backend
from strangler_proxy.backends.monolith_http import MonolithBackend
from strangler_proxy.backends.nameko_rpc import NamekoBackend
from strangler_proxy.errors import (
    INTERNAL_ERROR,
    HttpError,
    MalformedRequest,
    PayloadTooLarge,
    ProxyError,
    RoutesFileError,
    http_error_for,
)
from strangler_proxy.http_types import Request, Response, error_response, json_response
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.route_table import RouteTable, Settings
from strangler_proxy.routes_file import load_routes
from strangler_proxy.routing import decide, fallback_reason, may_fall_back
from strangler_proxy.rpc_client import RpcClient
from strangler_proxy.shadow import ShadowRunner
from strangler_proxy.stats import ProxyStats

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_strangler/"
MAX_BODY_BYTES = 10 * 1024 * 1024  # the whole body is read into memory before routing
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Backends:
    """The backends for one set of settings, and how to check they are reachable."""

    monolith: Backend
    service: Backend
    monolith_reachable: Callable[[], bool]
    broker_reachable: Callable[[], bool]


BackendFactory = Callable[[Settings], Backends]


@dataclass(frozen=True)
class _Answer:
    response: Response
    backend: str
    rule: str | None


def read_request(environ: dict[str, Any], max_body: int = MAX_BODY_BYTES) -> Request:
    """Read a WSGI request fully into the proxy's Request; a body over `max_body` is refused."""
    incoming = WerkzeugRequest(environ)
    incoming.max_content_length = max_body + 1  # a chunked body is cut there, not refused
    try:
        body = incoming.get_data(cache=False)
    except RequestEntityTooLarge:
        raise PayloadTooLarge(max_body) from None
    if len(body) > max_body:
        raise PayloadTooLarge(max_body)
    request_id = incoming.headers.get("X-Request-Id", "")
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    return Request(
        method=incoming.method,
        path=incoming.path,
        query_string=environ.get("QUERY_STRING", ""),
        raw_path=raw_uri.split("?", 1)[0] if raw_uri.startswith("/") else "",
        headers=tuple(incoming.headers.items()),
        body=body,
        remote_addr=incoming.remote_addr or "",
        scheme=incoming.scheme,
        request_id=request_id if _REQUEST_ID.match(request_id) else uuid.uuid4().hex,
    )


def _without_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class ProxyApp:
    """The strangler-fig proxy as a WSGI callable."""

    def __init__(
        self,
        routes: LiveRoutes,
        backend_factory: BackendFactory,
        *,
        draw: Callable[[], float] = random.random,
        shadow_workers: int = 4,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.routes = routes
        self.max_body = max_body
        self.stats = ProxyStats()
        self._backend_factory = backend_factory
        self._draw = draw
        self._shadow_workers = shadow_workers
        self._lock = threading.Lock()
        self._wired: tuple[Settings, Backends, ShadowRunner] | None = None

    def _backends(self, settings: Settings) -> tuple[Backends, ShadowRunner]:
        """Backends for these settings, built again only when a reload changed them."""
        with self._lock:
            if self._wired is None or self._wired[0] != settings:
                if self._wired is not None:
                    self._wired[2].shutdown(wait=False)
                backends = self._backend_factory(settings)
                shadow = ShadowRunner(backends.service, self.stats, workers=self._shadow_workers)
                self._wired = (settings, backends, shadow)
            return self._wired[1], self._wired[2]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            request = read_request(environ, self.max_body)
        except PayloadTooLarge as exc:
            log.warning("%s %s: %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), exc)
            return self._send(error_response(http_error_for(exc)), (), "GET", start_response)
        except Exception:
            log.exception("could not read the request")
            return self._send(error_response(INTERNAL_ERROR), (), "GET", start_response)
        try:
            if request.path.startswith(ADMIN_PREFIX):
                answer = _Answer(self._admin(request), "proxy", None)
            else:
                answer = self.dispatch(request)
        except Exception:
            log.exception("proxy failure on %s %s", request.method, request.target)
            answer = _Answer(error_response(INTERNAL_ERROR), "proxy", None)
        extra = [("X-Strangler-Backend", answer.backend), ("X-Request-Id", request.request_id)]
        if answer.rule is not None:
            extra.append(("X-Strangler-Route", answer.rule))
        return self._send(answer.response, tuple(extra), request.method, start_response)

    def dispatch(self, request: Request) -> _Answer:
        """Answer a (non-admin) request from the backend the route table chooses."""
        active = self.routes.current()
        backends, shadow = self._backends(active.table.settings)
        decision = decide(active.matcher, request, self._draw())
        rule = decision.route.path if decision.route else None
        if decision.backend == "service" and rule is not None:
            routed = replace(request, match=decision.match)
            try:
                response = backends.service.handle(routed)
            except MalformedRequest as exc:
                return self._answered(error_response(http_error_for(exc)), "service", rule)
            except ProxyError as exc:
                if not may_fall_back(request.method, exc):
                    log.warning("%s %s: %s", request.method, request.target, exc)
                    return self._answered(error_response(http_error_for(exc)), "service", rule)
                reason = fallback_reason(exc)
                log.warning(
                    "%s %s falls back to the monolith: %s", request.method, request.target, exc
                )
                self.stats.fell_back(rule, reason)
                return self._from_monolith(backends, request, rule, f"monolith; fallback={reason}")
            return self._answered(response, "service", rule)
        answer = self._from_monolith(backends, request, rule, "monolith")
        if decision.shadow and rule is not None:
            shadow.submit(rule, replace(request, match=decision.match), answer.response)
        return answer

    def _from_monolith(
        self, backends: Backends, request: Request, rule: str | None, label: str
    ) -> _Answer:
        try:
            response = backends.monolith.handle(request)
        except ProxyError as exc:
            log.error("%s %s: %s", request.method, request.target, exc)
            response = error_response(http_error_for(exc))
        return self._answered(response, label, rule)

    def _answered(self, response: Response, backend: str, rule: str | None) -> _Answer:
        self.stats.answered(rule, backend.split(";")[0])
        return _Answer(response, backend, rule)

    def _admin(self, request: Request) -> Response:
        name = request.path[len(ADMIN_PREFIX) :]
        views = {"health": self._health, "routes": self._routes_view, "stats": self._stats_view}
        view = views.get(name)
        if view is None:
            message = f"no such endpoint: {request.path}"
            return error_response(HttpError(404, "not_found", message))
        if request.method not in ("GET", "HEAD"):
            message = f"{request.method} is not allowed on {request.path}"
            return error_response(HttpError(405, "method_not_allowed", message))
        return json_response(200, view())

    def _health(self) -> dict[str, Any]:
        settings = self.routes.current().table.settings
        backends, _ = self._backends(settings)
        broker = backends.broker_reachable()
        monolith = backends.monolith_reachable()
        return {
            "status": "ok" if broker and monolith else "degraded",
            "broker": {"reachable": broker, "uri": _without_password(settings.amqp_uri)},
            "monolith": {"reachable": monolith, "url": settings.monolith},
        }

    def _routes_view(self) -> dict[str, Any]:
        table = self.routes.current().table
        return {
            "file": str(self.routes.path),
            "last_reload_error": self.routes.last_error,
            "monolith": table.settings.monolith,
            "amqp_uri": _without_password(table.settings.amqp_uri),
            "rpc_timeout": table.settings.rpc_timeout,
            "routes": [route.describe() for route in table.routes],
        }

    def _stats_view(self) -> dict[str, Any]:
        return self.stats.snapshot()

    @staticmethod
    def _send(
        response: Response,
        extra: tuple[tuple[str, str], ...],
        method: str,
        start_response: StartResponse,
    ) -> list[bytes]:
        replaced = {key.lower() for key, _ in extra} | {"content-length"}
        headers = [(k, v) for k, v in response.headers if k.lower() not in replaced]
        length = str(len(response.body))
        if method == "HEAD":
            length = response.header("Content-Length") or length
        headers += [*extra, ("Content-Length", length)]
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = "Unknown"
        start_response(f"{response.status} {phrase}", headers)
        return [] if method == "HEAD" else [response.body]


def real_backends(settings: Settings) -> Backends:
    """Backends that talk to the real monolith (HTTP) and services (RabbitMQ)."""
    client = RpcClient(settings.amqp_uri, timeout=settings.rpc_timeout)
    monolith = MonolithBackend(settings.monolith, timeout=settings.monolith_timeout)
    return Backends(monolith, NamekoBackend(client), monolith.reachable, client.reachable)


def create_app(
    routes_path: Path,
    *,
    fallback_table: RouteTable | None = None,
    watch_sighup: bool = False,
    backend_factory: BackendFactory = real_backends,
) -> ProxyApp:
    """Build the proxy for a routes file; a bad file falls back to `fallback_table` if given."""
    startup_error = None
    try:
        table = load_routes(routes_path)
    except RoutesFileError as exc:
        if fallback_table is None:
            raise
        log.error("routes file is bad, using the table the proxy started with: %s", exc)
        table, startup_error = fallback_table, exc.message
    routes = LiveRoutes(routes_path, table, initial_error=startup_error)
    if watch_sighup and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda signum, frame: routes.request_reload())
    return ProxyApp(routes, backend_factory)
