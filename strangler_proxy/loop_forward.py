"""Answer requests without a body on the event loop itself, with no thread in the way.

Most of a site's traffic, while endpoints move, is reads: a GET to the monolith, or to a
service its route moved. The event-loop server offers each request head to
`LoopForwarder.take` first; it takes one only when nothing but a plain forward or a
service's read can happen to it (no body, no upgrade, not an admin endpoint, no auth
check, not shadowed, the backend's breaker closed, a head `lean_http` can write) and
leaves every other to the threaded WSGI app, untouched. A route's draw (canary) is made
here; a read it sends to a service is called from the loop too (`loop_service.py`), and
falls back to a forward when the service cannot answer. What the monolith and the client
get is what the threaded path gives them, from the same pure pieces: `forwarded.py` (the
request's headers), `client_answer.py` (the proxy's headers, the status line); the server
frames the answer as it frames the WSGI app's.

The answer passes piece by piece (`loop_http.py`); a client that cannot take more holds
the monolith back (`AnswerSink.attach`). The request is counted in the stats as the
threaded path counts it, and its outcome goes to the monolith's breaker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from functools import partial

from strangler_proxy.admin import admin_verdict
from strangler_proxy.answer_sink import AnswerSink
from strangler_proxy.app import ProxyApp, request_of
from strangler_proxy.backends.http_pool import Origin
from strangler_proxy.backends.lean_http import request_head
from strangler_proxy.backends.loop_http import Exchange, LoopHttpPool
from strangler_proxy.backends.loop_rpc import LoopRpc
from strangler_proxy.backends.monolith_http import MAX_CONNECT_SECONDS
from strangler_proxy.client_answer import status_line, with_proxy_headers
from strangler_proxy.errors import MalformedRequest, ProxyError, http_error_for
from strangler_proxy.forwarded import end_to_end, forwarded_headers
from strangler_proxy.http_types import Headers, Request, Response, error_response
from strangler_proxy.isolation import MONOLITH, Admission, Isolation, Outcome, outcome_of
from strangler_proxy.loop_service import call_service
from strangler_proxy.route_table import Route, Settings
from strangler_proxy.routing import SAFE_METHODS, decide_matched
from strangler_proxy.rpc_client import CALLER_NAME
from strangler_proxy.upgrade import requested_upgrade

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestHead:
    """A request's head as the server parsed it; `has_body`: a body follows it."""

    method: str
    target: str  # the request line's, as received
    headers: Headers
    remote_addr: str
    scheme: str
    on_admin_port: bool
    has_body: bool


class LoopForwarder:
    """The event loop's share of `app`'s requests (see the module's docstring)."""

    def __init__(self, app: ProxyApp) -> None:
        self._app = app
        self._wired: tuple[Settings, LoopHttpPool, LoopRpc] | None = None

    def take(self, head: RequestHead, sink: AnswerSink) -> bool:
        """Forward the request and answer it, or say False and leave it to the app."""
        if head.has_body:
            return False
        active = self._app.routes.current()
        settings = active.table.settings
        try:
            request = request_of(
                head.method,
                head.target,
                head.headers,
                remote_addr=head.remote_addr,
                scheme=head.scheme,
                client_request_id=_joined(head.headers, "x-request-id"),
            )
        except MalformedRequest:
            return False  # the app answers it in the error shape
        if requested_upgrade(request) is not None:
            return False
        if admin_verdict(self._app.admin, request, on_admin_port=head.on_admin_port) != "proxy":
            return False
        matched = active.matcher.match(request.method, request.path)
        if matched is None:
            return self.forward(settings, request, None, sink)
        route = matched.route
        if route.auth is not None or route.mode == "shadow":
            return False
        decision = decide_matched(matched, request, self._app.draw())
        if decision.backend == "monolith":
            return self.forward(settings, request, route, sink)
        if request.method not in SAFE_METHODS:
            return False
        isolation = self._app.backends(settings).service_isolation
        if isolation is None:
            return False
        routed = replace(request, match=decision.match, timeout=route.timeout)
        return call_service(
            self._wired_for(settings)[2],
            isolation,
            self._app.stats,
            settings,
            routed,
            sink,
            lambda label: self.forward(settings, request, route, sink, label=label),
        )

    def forward(
        self,
        settings: Settings,
        request: Request,
        route: Route | None,
        sink: AnswerSink,
        *,
        label: str = "monolith",
    ) -> bool:
        """Forward the request to the monolith and answer the client, its backend header
        saying `label`; False, touching nothing, when the loop cannot (a head `lean_http`
        will not write, the monolith's breaker not closed)."""
        pool = self._wired_for(settings)[1]
        wire = request_head(
            request.method,
            pool.origin.prefix + request.target,
            forwarded_headers(request, settings.trusted_proxies),
        )
        isolation = self._app.backends(settings).monolith_isolation
        if wire is None or isolation is None:
            return False
        call = isolation.admit_unthreaded(MONOLITH)
        if call is None:
            return False
        rule = route.path if route else None
        place = _Place(isolation, call)
        answer = _Answer(self._app, settings, request, rule, sink, place, label)
        timeout = route.timeout if route is not None else None
        exchange = pool.send(request.method, wire, answer, timeout=timeout)
        sink.attach(exchange.pause, exchange.resume, partial(answer.client_gone, exchange))
        return True

    def _wired_for(self, settings: Settings) -> tuple[Settings, LoopHttpPool, LoopRpc]:
        """The monolith's pool and the broker's client for these settings, made again when
        a reload changed them."""
        wired = self._wired
        if wired is not None and wired[0] == settings:
            return wired
        pool = LoopHttpPool(
            Origin.from_url(settings.monolith),
            connect_timeout=min(settings.monolith_timeout, MAX_CONNECT_SECONDS),
            read_timeout=settings.monolith_timeout,
        )
        rpc = LoopRpc(settings.amqp_uri, caller=CALLER_NAME, timeout=settings.rpc_timeout)
        if wired is not None:
            wired[1].close()
            wired[2].close()
        self._wired = (settings, pool, rpc)
        return self._wired

    def close(self) -> None:
        if self._wired is not None:
            self._wired[1].close()
            self._wired[2].close()


def _joined(headers: Headers, lowered: str) -> str:
    """A header's values joined with commas, as a WSGI server puts them in the environ."""
    return ",".join(value for name, value in headers if name.lower() == lowered)


@dataclass(frozen=True)
class _Place:
    """The call's admission by the monolith's isolation, to give back once it is over."""

    isolation: Isolation
    call: Admission


class _Answer:
    """The monolith's answer for one request, passed on to the client (an AnswerReceiver)."""

    def __init__(
        self,
        app: ProxyApp,
        settings: Settings,
        request: Request,
        rule: str | None,
        sink: AnswerSink,
        place: _Place,
        label: str,
    ) -> None:
        self._app = app
        self._label = label
        self._settings = settings
        self._request = request
        self._rule = rule
        self._sink = sink
        self._started = time.perf_counter()
        self._place: _Place | None = place

    def client_gone(self, exchange: Exchange) -> None:
        """The client left: the monolith's answer is dropped, and a call it had not answered
        yet gives its place back, saying nothing about the monolith."""
        exchange.abort()
        self._give_back("link lost")

    def answer_head(self, status: int, reason: str, headers: Headers) -> None:
        self._counted(None, status)
        self._send_head(Response(status, end_to_end(headers), reason=reason))

    def answer_body(self, piece: bytes) -> None:
        self._sink.write(piece)

    def answer_end(self) -> None:
        self._sink.end()

    def answer_failed(self, error: ProxyError, *, started: bool) -> None:
        request = self._request
        if started:
            log.warning("%s %s: the answer broke off: %s", request.method, request.target, error)
            self._sink.abort()
            return
        log.error("%s %s: %s", request.method, request.target, error)
        response = error_response(http_error_for(error), self._settings.error_shape)
        self._counted(error, response.status)
        self._send_head(response)
        if response.body:
            self._sink.write(response.body)
        self._sink.end()

    def _send_head(self, response: Response) -> None:
        backend = self._label if self._settings.backend_headers else None
        sent = with_proxy_headers(
            response, request_id=self._request.request_id, backend=backend, rule=self._rule
        )
        self._sink.start_response(status_line(sent), sent.headers)

    def _counted(self, error: ProxyError | None, status: int) -> None:
        """The answer counted as the threaded path counts it, its outcome told the breaker."""
        seconds = time.perf_counter() - self._started
        self._app.stats.answered(self._rule, "monolith", status, seconds)
        self._give_back(outcome_of(error))

    def _give_back(self, outcome: Outcome) -> None:
        place, self._place = self._place, None
        if place is not None:
            place.isolation.done(MONOLITH, place.call, outcome)
