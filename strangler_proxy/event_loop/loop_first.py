"""The event-loop server's handler: the loop forwards what it can itself, the threads the rest.

Each ready request is offered first to `loop_forward.LoopForwarder` (a plain request to
the monolith: no thread, no hand-over); whatever it leaves goes to the WSGI bridge as
before. The loop's answers are framed by the same gunicorn `Response` the bridge uses
(the proxy's `_AppServerAndDate` in its place), or for the usual answer by `lean_head`,
which writes the same bytes for less; either writes straight to the connection, so a
client cannot tell which way its request went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gunicorn.http import wsgi
from gunicorn.http.errors import InvalidHeader

from strangler_proxy.app import ProxyApp
from strangler_proxy.error_shape import ErrorShape
from strangler_proxy.errors import INTERNAL_ERROR
from strangler_proxy.event_loop.http1 import Exchange, Handler, Outcome
from strangler_proxy.event_loop.lean_head import lean_head
from strangler_proxy.http_types import Headers, error_response
from strangler_proxy.loop_forward import LoopForwarder, RequestHead
from strangler_proxy.server_worker import closing_answer

log = logging.getLogger(__name__)
_LAST_WINS = frozenset({"Content-Type", "Content-Length"})  # set, not joined, by wsgi.create


class LoopFirst:
    """A `Handler`: `forwarder` takes what it can, `rest` gets everything else."""

    def __init__(self, app: ProxyApp, rest: Handler, cfg: Any) -> None:
        """`cfg`: gunicorn's settings (the answers' framing reads them)."""
        self._app = app
        self._forwarder = LoopForwarder(app)
        self._rest = rest
        self._cfg = cfg

    def __call__(self, exchange: Exchange) -> None:
        request = exchange.request
        admin_port = self._app.admin.port
        head = RequestHead(
            method=request.method,
            target=request.uri,
            headers=environ_headers(request.headers),
            remote_addr=exchange.peer[0] if exchange.peer else "",
            scheme=request.scheme,
            on_admin_port=admin_port is not None and exchange.listener[1] == admin_port,
            # a client waiting for `100 Continue` gets it from gunicorn's environ: the threads'
            has_body=request.has_body or request.expects_continue,
        )
        shape = self._app.routes.current().table.settings.error_shape
        if not self._forwarder.take(head, _LoopAnswer(exchange, self._cfg, shape)):
            self._rest(exchange)

    def close(self) -> None:
        self._forwarder.close()


def environ_headers(fields: list[tuple[str, str]]) -> Headers:
    """The headers as the WSGI app reads them from gunicorn's environ (`wsgi.create`, then
    `app.read_request`): a repeated field's values joined with commas at its first place,
    but Content-Type and Content-Length, where the last one wins (an empty one is left
    out); each name as `HTTP_X_NAME` spells it back (`X-Name`)."""
    joined: dict[str, str] = {}
    for name, value in fields:  # gunicorn's upper-cased names, its header policy applied
        key = name.title()
        repeated = key in joined and key not in _LAST_WINS
        joined[key] = f"{joined[key]},{value}" if repeated else value  # keeps its first place
    return tuple((key, value) for key, value in joined.items() if value or key not in _LAST_WINS)


class _LoopAnswer:
    """The client's side of a loop forward (an `AnswerSink`), framed by gunicorn's
    `Response` over the connection's writer."""

    def __init__(self, exchange: Exchange, cfg: Any, shape: ErrorShape) -> None:
        self._exchange = exchange
        self._cfg = cfg
        self._shape = shape
        self._response: Any = None  # gunicorn's, framing an unusual answer
        self._lean_close: bool | None = None  # a usual answer's (`lean_head`): whether it closes
        self._unsent: list[bytes] = []  # what gunicorn wrote since the last flush

    def start_response(self, status: str, headers: Headers) -> None:
        exchange = self._exchange
        must_close = exchange.must_close() or not self._cfg.keepalive
        head = lean_head(exchange.request, status, headers, must_close=must_close)
        if head is not None:  # the usual answer: its length given, so its body goes as is
            self._unsent.append(head)
            self._lean_close = must_close or exchange.request.should_close()
            return
        # wsgi.Response is looked up now: the proxy puts its own class there at load
        response = wsgi.Response(exchange.request, self, self._cfg)
        try:
            response.start_response(status, list(headers))
        except (InvalidHeader, TypeError, ValueError) as exc:  # one gunicorn will not send
            log.error("%s %s: %s", exchange.request.method, exchange.request.uri, exc)
            answer = error_response(INTERNAL_ERROR, self._shape)
            exchange.output.write_now(closing_answer(answer))
            self._finish(Outcome.CLOSE)
            return
        if must_close:
            response.force_close()
        self._response = response

    def write(self, piece: bytes) -> None:
        if self._response is not None:
            self._response.write(piece)
        elif self._lean_close is not None:
            self._unsent.append(piece)
        self._flush()

    def end(self) -> None:
        response = self._response
        if response is not None:
            response.close()
            close = response.should_close()
        elif self._lean_close is not None:
            close = self._lean_close
        else:
            return
        self._flush()
        self._finish(Outcome.CLOSE if close else Outcome.KEEP_ALIVE)

    def abort(self) -> None:
        """What was sent stays short of its framing: the client sees the answer broke off."""
        self._finish(Outcome.CLOSE)

    def attach(
        self, pause: Callable[[], None], resume: Callable[[], None], gone: Callable[[], None]
    ) -> None:
        self._exchange.output.watch(pause, resume, gone)

    def sendall(self, data: bytes) -> None:
        """gunicorn's `Response` writes here (it takes this for its socket): held until the
        piece it writes is all there, so a head and its body leave in one send."""
        self._unsent.append(data)

    def _flush(self) -> None:
        if self._unsent:
            data = b"".join(self._unsent)
            self._unsent.clear()
            self._exchange.output.write_now(data)

    def _finish(self, outcome: Outcome) -> None:
        self._response = None
        self._lean_close = None
        self._exchange.output.unwatch()
        self._exchange.done(outcome)
