"""The proxy's WSGI app: route each request, call the backend, fall back safely, report.

Thin wiring over pure pieces: `request_target.py` (the one path matched and
forwarded), `admin.py` (who reaches the admin endpoints), `routing.py` (which
backend, the body's limit), `upgrade.py` (which upgrades pass), `forwarded.py`
(what the monolith gets), `client_answer.py` (what the client gets); the body
is read by `request_body.py`, a WebSocket relayed by `tunnel.py`. Only
reading the WSGI environ and calling `start_response` are WSGI's.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from strangler_proxy.admin import AdminAccess, AdminViews, admin_verdict, unauthorized
from strangler_proxy.backends import BackendFactory, Backends
from strangler_proxy.backends.monolith_auth import AuthGate, authenticated_user
from strangler_proxy.backends.monolith_http import MonolithBackend
from strangler_proxy.backends.nameko_rpc import NamekoBackend
from strangler_proxy.client_answer import framed, response_head, status_line, with_proxy_headers
from strangler_proxy.error_shape import ErrorShape
from strangler_proxy.errors import (
    INTERNAL_ERROR,
    AuthDenied,
    BodyIncomplete,
    BodyTimeout,
    MalformedRequest,
    PayloadTooLarge,
    ProxyError,
    RoutesFileError,
    UpgradeNotSupported,
    http_error_for,
)
from strangler_proxy.http_types import (
    Headers,
    Request,
    Response,
    Switched,
    error_response,
    without_headers,
)
from strangler_proxy.isolation import MONOLITH, IsolatedBackend, IsolatedMonolith, Isolation
from strangler_proxy.reload import LiveRoutes
from strangler_proxy.request_body import IncomingBody
from strangler_proxy.request_target import parse_request_target
from strangler_proxy.route_table import RouteTable, Settings
from strangler_proxy.routes_file import RoutesFile
from strangler_proxy.routing import (
    Decision,
    body_limit,
    decide_matched,
    fallback_reason,
    may_fall_back,
    needs_user,
)
from strangler_proxy.rpc_client import RpcClient
from strangler_proxy.rules import RouteMatcher
from strangler_proxy.shadow import ShadowRunner
from strangler_proxy.stats import ProxyStats, SampleKey, Samples, breaker_samples
from strangler_proxy.tunnel import relay
from strangler_proxy.upgrade import protocol_refusal, requested_upgrade, service_refusal
from strangler_proxy.worker_metrics import WorkerMetrics

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class _Answer:
    response: Response
    backend: str
    rule: str | None


def read_request(environ: dict[str, Any], body_timeout: float | None = None) -> Request:
    """The WSGI request as the proxy's Request, its body left to read (`Request.incoming`,
    each wait for more of it at most `body_timeout` seconds on gunicorn's socket).

    The target is the request line's, as received (gunicorn's RAW_URI). A target that is
    not a path is MalformedRequest.
    """
    return request_of(
        environ.get("REQUEST_METHOD", "GET").upper(),
        _raw_target(environ),
        _environ_headers(environ),
        remote_addr=environ.get("REMOTE_ADDR") or "",
        scheme=environ.get("wsgi.url_scheme", "http"),
        client_request_id=environ.get("HTTP_X_REQUEST_ID", ""),
        incoming=_incoming_body(environ, body_timeout),
    )


def request_of(
    method: str,
    raw_target: str,
    headers: Headers,
    *,
    remote_addr: str,
    scheme: str,
    client_request_id: str,
    incoming: IncomingBody | None = None,
) -> Request:
    """The proxy's Request from what the server read: the request line's target as
    received (an absolute-form target's host replaces the Host header, RFC 9112 section
    3.2.2), the client's `X-Request-Id` kept when it is a plain token, else a new one.
    A target that is not a path is MalformedRequest."""
    target = parse_request_target(raw_target)
    if target.authority is not None:
        headers = (*without_headers(headers, "Host"), ("Host", target.authority))
    plain = _REQUEST_ID.match(client_request_id)
    return Request(
        method=method,
        target=target.target,
        headers=headers,
        remote_addr=remote_addr,
        scheme=scheme,
        request_id=client_request_id if plain else uuid.uuid4().hex,
        incoming=incoming,
    )


_CONTENT_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_HTTP_CONTENT_KEYS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def _environ_headers(environ: dict[str, Any]) -> Headers:
    """The request's headers from the environ, named and ordered as werkzeug's
    `EnvironHeaders` gives them (without building a werkzeug request for each one)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in _HTTP_CONTENT_KEYS:
                headers.append((key[5:].replace("_", "-").title(), value))
        elif key in _CONTENT_KEYS and value:
            headers.append((key.replace("_", "-").title(), value))
    return tuple(headers)


def _incoming_body(environ: dict[str, Any], body_timeout: float | None) -> IncomingBody | None:
    """The body to read: chunked (the server undoes the coding), else CONTENT_LENGTH bytes."""
    length = (
        None if "HTTP_TRANSFER_ENCODING" in environ else int(environ.get("CONTENT_LENGTH") or 0)
    )
    if length == 0:
        return None
    client = environ.get("gunicorn.socket")
    return IncomingBody(environ["wsgi.input"], length, client=client, read_timeout=body_timeout)


def _body_for(request: Request, decision: Decision) -> Request:
    """The request with its body as its backend needs it, within the route's limit: read
    whole for a service or a shadow copy, else left to stream to the monolith."""
    if request.incoming is None:
        return request
    body = request.incoming.within(body_limit(decision))
    if decision.backend == "service" or decision.shadow:
        return replace(request, body=body.read_all(), incoming=None)
    return replace(request, incoming=body)


def _raw_target(environ: dict[str, Any]) -> str:
    """The request line's target; from a server that keeps none, PATH_INFO quoted again."""
    raw: str | None = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/:@!$&'()*+,;=~")
    query = environ.get("QUERY_STRING", "")
    return f"{path or '/'}?{query}" if query else path or "/"


class ProxyApp:
    """The strangler-fig proxy as a WSGI callable."""

    def __init__(
        self,
        routes: LiveRoutes,
        backend_factory: BackendFactory,
        *,
        admin: AdminAccess | None = None,
        draw: Callable[[], float] = random.random,
        shadow_workers: int = 4,
        body_timeout: float | None = None,
        stats: ProxyStats | None = None,
        all_samples: Callable[[], Samples] | None = None,
    ) -> None:
        """`all_samples`: the counters of every worker (default: this process's `stats`);
        `body_timeout`: seconds each wait for more of a request's body may last."""
        self.routes = routes
        self.admin = admin or AdminAccess()
        self.stats = stats or ProxyStats()
        self._backend_factory = backend_factory
        self._draw = draw
        self._shadow_workers = shadow_workers
        self._body_timeout = body_timeout
        self._lock = threading.Lock()
        self._wired: tuple[Settings, Backends, ShadowRunner] | None = None
        self._admin_views = AdminViews(
            routes, all_samples or self._own_samples, lambda s: self._backends(s)[0]
        )

    def breaker_samples(self) -> dict[SampleKey, float]:
        """This worker's breaker states as gauge samples (none before the first request)."""
        wired = self._wired
        return {} if wired is None else breaker_samples(wired[1].breakers())

    def _own_samples(self) -> dict[SampleKey, float]:
        return {**self.stats.samples(), **self.breaker_samples()}

    def draw(self) -> float:
        """A uniform random number in [0, 1) for a canary's choice (injected in tests)."""
        return self._draw()

    def backends(self, settings: Settings) -> Backends:
        """The backends serving these settings (built again only when a reload changed them)."""
        return self._backends(settings)[0]

    def _backends(self, settings: Settings) -> tuple[Backends, ShadowRunner]:
        """Backends for these settings, built again only when a reload changed them."""
        replaced = None
        with self._lock:
            if self._wired is None or self._wired[0] != settings:
                replaced = self._wired
                backends = self._backend_factory(settings)
                shadow = ShadowRunner(
                    backends.service,
                    self.stats,
                    workers=self._shadow_workers,
                    error_shape=settings.error_shape,
                )
                self._wired = (settings, backends, shadow)
            wired = self._wired
        if replaced is not None:  # closed outside the lock: closing talks to the broker
            replaced[2].shutdown(wait=False)
            replaced[1].close()
        return wired[1], wired[2]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        shape = self.routes.current().table.settings.error_shape
        try:
            request = read_request(environ, self._body_timeout)
        except MalformedRequest as exc:
            log.warning("%s %s: %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), exc)
            return self._send(error_response(http_error_for(exc), shape), "GET", start_response)
        except Exception:
            log.exception("could not read the request")
            return self._send(error_response(INTERNAL_ERROR, shape), "GET", start_response)
        on_admin_port = self.admin.port is not None and environ.get("SERVER_PORT") == str(
            self.admin.port
        )
        try:
            answer = self.answer(request, on_admin_port=on_admin_port)
        except Exception:
            log.exception("proxy failure on %s %s", request.method, request.target)
            answer = _Answer(error_response(INTERNAL_ERROR, shape), "proxy", None)
        on = self.routes.current().table.settings.backend_headers
        response = with_proxy_headers(
            answer.response,
            request_id=request.request_id,
            backend=answer.backend if on else None,
            rule=answer.rule,
        )
        if response.switched is not None:
            return self._relay(response, response.switched, environ, shape, start_response)
        return self._send(response, request.method, start_response)

    def answer(self, request: Request, *, on_admin_port: bool = False) -> _Answer:
        """The admin endpoints' answer, a refusal, or the routed backend's."""
        verdict = admin_verdict(self.admin, request, on_admin_port=on_admin_port)
        if verdict == "admin":
            return _Answer(self._admin_views.answer(request), "proxy", None)
        if verdict == "unauthorized":
            return _Answer(unauthorized(), "proxy", None)
        return self.dispatch(request)

    def dispatch(self, request: Request) -> _Answer:
        """Answer a request from the backend the route table chooses."""
        started = time.perf_counter()
        active = self.routes.current()
        backends, shadow = self._backends(active.table.settings)
        shape = active.table.settings.error_shape
        upgrade = requested_upgrade(request)
        refused = None if upgrade is None else protocol_refusal(upgrade)
        if refused is not None:
            return self._refused(request, refused, None, shape, started)
        decision, request = self._decide(active.matcher, backends, request)
        rule = decision.route.path if decision.route else None
        if decision.route is not None and decision.route.timeout is not None:
            request = replace(request, timeout=decision.route.timeout)
        if upgrade is not None and decision.backend == "service":
            return self._refused(request, service_refusal(), rule, shape, started)
        try:
            request = _body_for(request, decision)
        except (PayloadTooLarge, BodyIncomplete, BodyTimeout) as exc:
            return self._refused(request, exc, rule, shape, started)
        if decision.fallback is not None and rule is not None:
            self.stats.fell_back(rule, decision.fallback)
            label = f"monolith; fallback={decision.fallback}"
            return self._from_monolith(backends, request, rule, label, shape, started)
        if decision.backend == "service" and rule is not None:
            routed = replace(request, match=decision.match)
            try:
                response = backends.service.handle(routed)
            except MalformedRequest as exc:
                error = error_response(http_error_for(exc), shape)
                return self._answered(error, "service", rule, started)
            except ProxyError as exc:
                writes_may = decision.route is None or decision.route.write_fallback
                if not may_fall_back(request.method, exc, write_fallback=writes_may):
                    log.warning("%s %s: %s", request.method, request.target, exc)
                    error = error_response(http_error_for(exc), shape)
                    return self._answered(error, "service", rule, started)
                reason = fallback_reason(exc)
                log.warning(
                    "%s %s falls back to the monolith: %s", request.method, request.target, exc
                )
                self.stats.fell_back(rule, reason)
                label = f"monolith; fallback={reason}"
                return self._from_monolith(backends, request, rule, label, shape, started)
            return self._answered(response, "service", rule, started)
        # a shadowed answer is compared whole (a WebSocket never is); any other one streams
        shadowed = decision.shadow and rule is not None and upgrade is None
        answer = self._from_monolith(
            backends, request, rule, "monolith", shape, started, stream=not shadowed
        )
        if shadowed and rule is not None:
            shadow.submit(rule, replace(request, match=decision.match), answer.response)
        return answer

    def _decide(
        self, matcher: RouteMatcher, backends: Backends, request: Request
    ) -> tuple[Decision, Request]:
        """The routing decision, and the request with the user a sticky-user canary needs
        (its auth check is made first; a refusal sends the request to the monolith)."""
        matched = matcher.match(request.method, request.path)
        auth = matched.route.auth if matched is not None and needs_user(matched.route) else None
        if matched is not None and auth is not None:
            try:
                user = authenticated_user(backends.monolith, request, auth)
            except AuthDenied as exc:
                log.warning("%s %s goes to the monolith: %s", request.method, request.target, exc)
                return Decision("monolith", matched.route, fallback="auth"), request
            request = replace(request, user_id=user)
        return decide_matched(matched, request, self.draw()), request

    def _from_monolith(
        self,
        backends: Backends,
        request: Request,
        rule: str | None,
        label: str,
        shape: ErrorShape,
        started: float,
        *,
        stream: bool = True,
    ) -> _Answer:
        try:
            if requested_upgrade(request) is not None:
                response = backends.monolith.switch(request)
            else:
                response = backends.monolith.handle(request, stream=stream)
        except (PayloadTooLarge, BodyIncomplete, BodyTimeout) as exc:  # the client's body
            return self._refused(request, exc, rule, shape, started)
        except ProxyError as exc:
            log.error("%s %s: %s", request.method, request.target, exc)
            response = error_response(http_error_for(exc), shape)
        return self._answered(response, label, rule, started)

    def _refused(
        self,
        request: Request,
        refusal: ProxyError,
        rule: str | None,
        shape: ErrorShape,
        started: float,
    ) -> _Answer:
        """The proxy's own answer to a request it will not pass on (its upgrade, its body)."""
        log.warning("%s %s: %s", request.method, request.target, refusal)
        return self._answered(
            error_response(http_error_for(refusal), shape), "proxy", rule, started
        )

    def _answered(
        self, response: Response, backend: str, rule: str | None, started: float
    ) -> _Answer:
        """Count and time the answer (from `started`, a `time.perf_counter()`)."""
        seconds = time.perf_counter() - started
        self.stats.answered(rule, backend.split(";")[0], response.status, seconds)
        return _Answer(response, backend, rule)

    def _relay(
        self,
        response: Response,
        switched: Switched,
        environ: dict[str, Any],
        shape: ErrorShape,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """Send the monolith's 101 on the client's connection, relay both ways, end it.

        gunicorn hands the connection over (`gunicorn.socket`); once the relay is
        over it is shut down, so what gunicorn still writes fails quietly (a broken
        pipe) and it closes the socket. A server that gives no socket gets a 501.
        """
        client: socket.socket | None = environ.get("gunicorn.socket")
        if client is None:
            switched.close()
            refusal = UpgradeNotSupported("this server cannot pass WebSocket upgrades on")
            return self._send(error_response(http_error_for(refusal), shape), "GET", start_response)
        try:
            client.sendall(response_head(response) + switched.early)
            relay(client, switched.connection, idle_timeout=switched.idle_timeout)
        except OSError as exc:
            log.info("a WebSocket ended: %s", exc)
        finally:
            switched.close()
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        start_response(status_line(response), [])
        return []

    @staticmethod
    def _send(response: Response, method: str, start_response: StartResponse) -> Iterable[bytes]:
        sent = framed(response, method)
        start_response(status_line(sent), list(sent.headers))
        if sent.stream is not None:
            return sent.stream  # the server writes each chunk as it comes, then closes it
        return [sent.body] if sent.body else []


def real_backends(settings: Settings) -> Backends:
    """Backends that talk to the real monolith (HTTP) and services (RabbitMQ)."""
    client = RpcClient(settings.amqp_uri, timeout=settings.rpc_timeout)
    monolith = MonolithBackend(
        settings.monolith,
        timeout=settings.monolith_timeout,
        trusted_proxies=settings.trusted_proxies,
    )
    nameko = NamekoBackend(client, trusted_proxies=settings.trusted_proxies)
    guarded = IsolatedMonolith(monolith, Isolation(settings.isolation, kind="monolith"))
    isolated = IsolatedBackend(nameko, Isolation(settings.isolation))
    service = AuthGate(isolated, guarded)

    def close() -> None:
        monolith.close()
        client.close()

    def breakers() -> dict[str, Any]:
        return {"monolith": guarded.isolation.state(MONOLITH), "services": isolated.states()}

    return Backends(
        guarded,
        service,
        monolith.reachable,
        client.reachable,
        close,
        breakers,
        monolith_isolation=guarded.isolation,
        service_isolation=isolated.isolation,
    )


def create_app(
    routes: RoutesFile,
    *,
    fallback_table: RouteTable | None = None,
    admin: AdminAccess | None = None,
    watch_sighup: bool = False,
    backend_factory: BackendFactory = real_backends,
    metrics_dir: Path | None = None,
    body_timeout: float | None = None,
) -> ProxyApp:
    """Build the proxy for a routes file.

    A bad file falls back to the last good copy in the routes' state directory,
    else to `fallback_table` if given, and says so once. With `metrics_dir`
    (one per proxy, shared by its workers) the admin endpoints show the
    counters of every worker (`worker_metrics.py`). `body_timeout`: seconds each
    wait for more of a request's body may last.
    """
    startup_error = None
    try:
        table = routes.load()
    except RoutesFileError as exc:
        kept = routes.last_good()
        fallback = kept or fallback_table
        if fallback is None:
            raise
        table = fallback
        startup_error = exc.without_source
        serving = "the last good table (--state-dir)" if kept else "the table it started with"
        log.error("routes file is bad, serving %s: %s", serving, startup_error)
    live = LiveRoutes(routes, table, initial_error=startup_error)
    if watch_sighup and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda signum, frame: live.request_reload())
    stats = ProxyStats()
    if metrics_dir is None:
        return ProxyApp(live, backend_factory, admin=admin, stats=stats, body_timeout=body_timeout)
    worker = WorkerMetrics(metrics_dir, stats)
    app = ProxyApp(
        live,
        backend_factory,
        admin=admin,
        stats=stats,
        all_samples=worker.gather,
        body_timeout=body_timeout,
    )
    worker.gauges = app.breaker_samples
    worker.start()
    return app
