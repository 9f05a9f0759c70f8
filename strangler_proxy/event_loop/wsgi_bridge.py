"""The WSGI app as the event-loop server's handler: each ready request runs on one of a
pool of threads, exactly as on gunicorn's threaded worker.

The environ is gunicorn's (`wsgi.create`, on the loop's `LoopRequest`), and so
is the answer's framing (gunicorn's `Response`, or the `_AppServerAndDate` that
`strangler.wsgi_server` puts in its place): only the socket under them differs.
They write through the connection's `ResponseWriter`; `wsgi.input` is
gunicorn's own body reader over the loop's `BodyFeed`, read at the minimum rate
at least (`server_worker.PacedReads`); `gunicorn.socket` is the app's end of
the connection (`takeover.py`). An app that answers 101 has taken the
connection over (the proxy relayed a WebSocket on that socket): nothing more
is written. An unexpected error of the app is logged and, when nothing of the
answer was sent yet, answered with a 500 in the error shape.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from gunicorn.http import wsgi
from gunicorn.http.body import Body, EOFReader
from gunicorn.http.unreader import SocketUnreader

from strangler.wsgi_server import WsgiApp
from strangler_proxy.error_shape import ErrorShape
from strangler_proxy.errors import INTERNAL_ERROR
from strangler_proxy.event_loop.body_feed import FeedReads
from strangler_proxy.event_loop.http1 import Exchange, Outcome
from strangler_proxy.http_types import error_response
from strangler_proxy.server_worker import PacedReads, closing_answer
from strangler_proxy.slow_clients import BodyPace, SlowClientSettings

log = logging.getLogger(__name__)
SWITCHING_PROTOCOLS = 101


class WsgiBridge:
    """Runs the app for each exchange on `threads` threads (a `Handler`)."""

    def __init__(
        self,
        app: WsgiApp,
        cfg: Any,
        access_log: Any,
        slow: SlowClientSettings,
        error_shape: Callable[[], ErrorShape],
        threads: int,
    ) -> None:
        """`cfg`: gunicorn's settings; `access_log`: gunicorn's logger (its access log)."""
        self._app = app
        self._cfg = cfg
        self._access_log = access_log
        self._slow = slow
        self._error_shape = error_shape
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="strangler-request")

    def __call__(self, exchange: Exchange) -> None:
        self._threads.submit(self._serve, exchange)

    def shutdown(self) -> None:
        """No more requests: the threads end once the requests they handle are answered."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _serve(self, exchange: Exchange) -> None:
        outcome = Outcome.CLOSE
        try:
            outcome = self._answer(exchange)
        except OSError as exc:  # the client went away mid-answer
            log.debug("the answer broke off: %s", exc)
        finally:
            exchange.done(outcome)

    def _answer(self, exchange: Exchange) -> Outcome:
        request = exchange.request
        reads = PacedReads(FeedReads(exchange.body, exchange.app_socket))
        request.body = Body(EOFReader(SocketUnreader(reads)))
        response = None
        try:
            response, environ = wsgi.create(
                request, exchange.output, exchange.peer, exchange.listener, self._cfg
            )
            environ["wsgi.multithread"] = True
            environ["gunicorn.socket"] = exchange.app_socket
            reads.pace = BodyPace(self._slow.min_body_rate, self._slow.body_rate_grace)
            started = datetime.now()
            answer = self._app(environ, response.start_response)
            if exchange.must_close() or not self._cfg.keepalive:
                response.force_close()  # asked once the app answered: the worker may be stopping
            try:
                if getattr(response, "status_code", None) == SWITCHING_PROTOCOLS:
                    return Outcome.TAKEN_OVER
                for chunk in answer:
                    response.write(chunk)
                response.close()
            finally:
                self._access_log.access(response, request, environ, datetime.now() - started)
                close = getattr(answer, "close", None)
                if close is not None:
                    close()
        except OSError:
            raise
        except Exception:
            log.exception("Error handling request %s %s", request.method, request.uri)
            if response is None or not response.headers_sent:
                answer500 = error_response(INTERNAL_ERROR, self._error_shape())
                with contextlib.suppress(OSError):
                    exchange.output.sendall(closing_answer(answer500))
            return Outcome.CLOSE
        return Outcome.CLOSE if response.should_close() else Outcome.KEEP_ALIVE
