"""Answer service-routed reads on the event loop: the RPC call and its answer, no thread.

When the route table sends a GET or HEAD without a body to a service (its route in
`service` mode, or a canary's draw), `LoopForwarder` hands it here instead of to the
threaded WSGI app. The call goes out on the worker's one broker connection
(`backends/loop_rpc.py`); while it waits nothing is held but a timer. What the client
gets is what the threaded path gives, from the same pure pieces: the target's arguments
and answer (`backends/nameko_rpc.py`), the context data (`rpc_context.py`), the error
answers in the routes file's shape, the fallback rules (`routing.may_fall_back`: a read
falls back to the monolith on any failure but the service's own errors) and the proxy's
headers. The call is admitted by the service's isolation as a loop call
(`Isolation.admit_unthreaded`), its outcome told to the service's breaker, and it is
counted in the stats as the threaded path counts it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from strangler_proxy.answer_sink import AnswerSink
from strangler_proxy.backends.loop_rpc import Failure, LoopCall, LoopRpc
from strangler_proxy.backends.nameko_rpc import call_kwargs, response_of
from strangler_proxy.client_answer import framed, status_line, with_proxy_headers
from strangler_proxy.errors import MalformedRequest, ProxyError, http_error_for
from strangler_proxy.http_types import Request, Response, error_response
from strangler_proxy.isolation import Admission, Isolation, Outcome, outcome_of
from strangler_proxy.route_table import Settings
from strangler_proxy.routing import fallback_reason, may_fall_back
from strangler_proxy.rpc_client import proxy_error
from strangler_proxy.rpc_context import context_data
from strangler_proxy.stats import ProxyStats

log = logging.getLogger(__name__)

# what the caller does with a read the service could not answer: forward it to the monolith
# under this backend label, or say False when it cannot
Fallback = Callable[[str], bool]


def call_service(
    rpc: LoopRpc,
    isolation: Isolation,
    stats: ProxyStats,
    settings: Settings,
    request: Request,
    sink: AnswerSink,
    fallback: Fallback,
) -> bool:
    """Call the matched route's target for `request` (a read, its `match` set) and answer
    the client; False, touching nothing, when the service's isolation does not admit a
    loop call (its breaker not closed, or stalled at its cap): the threaded path decides."""
    assert request.match is not None
    service = request.match.service
    try:
        kwargs = call_kwargs(request, settings.trusted_proxies)
    except MalformedRequest:
        return False  # the threaded path answers it in the error shape
    admitted = isolation.admit_unthreaded(service)
    if admitted is None:
        return False
    answer = _ServiceAnswer(isolation, admitted, stats, settings, request, sink, fallback)
    call = rpc.call(
        service,
        request.match.method,
        kwargs,
        call_id=request.request_id,
        context=context_data(request),
        reply=answer.reply,
        timeout=request.timeout,
    )
    sink.attach(_nothing, _nothing, lambda: answer.client_gone(call))
    return True


def _nothing() -> None:
    """An answer made whole has nothing to hold back."""


class _ServiceAnswer:
    """One service call's outcome, told to the breaker and the stats and sent to the client."""

    def __init__(
        self,
        isolation: Isolation,
        admitted: Admission,
        stats: ProxyStats,
        settings: Settings,
        request: Request,
        sink: AnswerSink,
        fallback: Fallback,
    ) -> None:
        self._isolation = isolation
        self._admitted: Admission | None = admitted
        self._stats = stats
        self._settings = settings
        self._request = request
        self._sink = sink
        self._fallback = fallback
        self._started = time.perf_counter()
        assert request.match is not None
        self._rule = request.match.rule
        self._service = request.match.service

    def client_gone(self, call: LoopCall) -> None:
        """The client left: the reply is not waited for; the place is given back, saying
        nothing about the service."""
        call.cancel()
        self._give_back("link lost")

    def reply(self, result: Any, failure: Failure | None) -> None:
        request = self._request
        if failure is None:
            try:
                response = response_of(request, result)
            except ProxyError as exc:  # an envelope the service should not have sent
                self._failed(exc)
                return
            self._give_back("answered")
            self._send(response)
            return
        self._failed(proxy_error(failure))

    def _failed(self, error: ProxyError) -> None:
        request = self._request
        self._give_back(outcome_of(error))
        if may_fall_back(request.method, error):
            reason = fallback_reason(error)
            log.warning(
                "%s %s falls back to the monolith: %s", request.method, request.target, error
            )
            self._stats.fell_back(self._rule, reason)
            if self._fallback(f"monolith; fallback={reason}"):
                return
        else:
            log.warning("%s %s: %s", request.method, request.target, error)
        self._send(error_response(http_error_for(error), self._settings.error_shape))

    def _send(self, response: Response) -> None:
        request = self._request
        seconds = time.perf_counter() - self._started
        self._stats.answered(self._rule, "service", response.status, seconds)
        backend = "service" if self._settings.backend_headers else None
        sent = framed(
            with_proxy_headers(
                response, request_id=request.request_id, backend=backend, rule=self._rule
            ),
            request.method,
        )
        self._sink.start_response(status_line(sent), sent.headers)
        if sent.body:
            self._sink.write(sent.body)
        self._sink.end()

    def _give_back(self, outcome: Outcome) -> None:
        admitted, self._admitted = self._admitted, None
        if admitted is not None:
            self._isolation.done(self._service, admitted, outcome)
