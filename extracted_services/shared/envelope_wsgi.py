"""Serve HTTP envelopes (`strangler/envelope.py`) with a WSGI app inside a Nameko service.

So an extracted service can run views transplanted from the monolith
unchanged: the proxy sends a `protocol = "http"` route's request as one
envelope, this module turns it into a WSGI call on the service's app (a Flask
app, say) and the app's response into the envelope the proxy returns as is.

    class ShopService:
        name = "shop"
        app = WsgiApp(create_app)  # create_app(nameko_config) -> a WSGI app

        @rpc
        def http(self, request):
            return serve_envelope(self.app, request)

The environ is what a server such as gunicorn builds: `PATH_INFO` decoded from
the raw path (bytes as latin-1, per PEP 3333), `RAW_URI`/`REQUEST_URI` the
target as sent, repeated headers joined with `, ` (`; ` for Cookie),
`CONTENT_LENGTH` the body's, and, as gunicorn does, headers whose name holds
`_` dropped (they would pass for dashed ones).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from nameko.extensions import DependencyProvider
from werkzeug.test import run_wsgi_app

from strangler.envelope import RequestEnvelope, ResponseEnvelope

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

_BODY_HEADERS = {"CONTENT_TYPE", "CONTENT_LENGTH"}


def wsgi_environ(request: RequestEnvelope) -> dict[str, Any]:
    """The WSGI environ a server would build for the request the envelope holds."""
    target = f"{request.path}?{request.query_string}" if request.query_string else request.path
    host = urlsplit("//" + _header(request, "Host", "localhost"))
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(request.path).decode("latin-1"),
        "QUERY_STRING": request.query_string,
        "RAW_URI": target,
        "REQUEST_URI": target,
        "SERVER_NAME": host.hostname or "localhost",
        "SERVER_PORT": str(host.port or (443 if request.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": request.remote_addr,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,  # nameko runs workers concurrently (green threads)
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        if "_" in name:
            continue
        key = name.upper().replace("-", "_")
        key = key if key in _BODY_HEADERS else f"HTTP_{key}"
        separator = "; " if key == "HTTP_COOKIE" else ", "
        environ[key] = f"{environ[key]}{separator}{value}" if key in environ else value
    if request.body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(request.body))  # the body is whole: its length is known
    return environ


def call_wsgi(app: WSGIApplication, request: RequestEnvelope) -> ResponseEnvelope:
    """Run one request through `app`; its response exactly: status, reason, headers, body."""
    body, status, headers = run_wsgi_app(app, wsgi_environ(request), buffered=True)
    code, _, reason = status.partition(" ")
    return ResponseEnvelope(int(code), reason, tuple(headers.to_wsgi_list()), b"".join(body))


def serve_envelope(app: WSGIApplication, request: object) -> dict[str, Any]:
    """The RPC method's body: a request envelope's wire dict in, the response's out."""
    return call_wsgi(app, RequestEnvelope.from_wire(request)).to_wire()


def _header(request: RequestEnvelope, name: str, default: str) -> str:
    wanted = name.lower()
    return next((value for key, value in request.headers if key.lower() == wanted), default)


class WsgiApp(DependencyProvider):
    """The service's WSGI app, built once per service container from its nameko config."""

    def __init__(self, factory: Callable[[Mapping[str, Any]], WSGIApplication]) -> None:
        self._factory = factory
        self._app: WSGIApplication | None = None

    def setup(self) -> None:
        self._app = self._factory(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> WSGIApplication:
        assert self._app is not None, "setup() builds the app before any worker runs"
        return self._app
