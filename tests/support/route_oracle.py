"""What the monolith's own routing picks for a request the proxy forwards: the oracle of
the router's fuzzing tests.

A Flask app whose views sit at the routes' paths, for their methods (no OPTIONS of
Flask's own: the proxy never moves those), fed a target as gunicorn turns a request line
into PATH_INFO (`split_request_uri`, then `unquote_to_wsgi_str`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.util import split_request_uri, unquote_to_wsgi_str
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from strangler_proxy.route_table import Route, RouteTable


class MonolithRouter:
    """The monolith's routing over a route table's paths."""

    def __init__(self, table: RouteTable) -> None:
        self.routes = table.routes
        self._app = Flask("monolith")
        for index, route in enumerate(self.routes):
            self._app.add_url_rule(
                route.path,
                str(index),
                _view,
                methods=list(route.methods),
                provide_automatic_options=False,
            )

    def picks(self, method: str, target: str) -> tuple[Route, dict[str, Any]] | None:
        """The route and converted parameters the monolith picks for a forwarded target;
        None when it picks none (404, 405, or a redirect)."""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": unquote_to_wsgi_str(split_request_uri(target).path),
            "SERVER_NAME": "monolith.internal",
            "SERVER_PORT": "8000",
            "wsgi.url_scheme": "http",
        }
        adapter = self._app.url_map.bind_to_environ(environ)
        try:
            endpoint, params = adapter.match()
        except (HTTPException, RequestRedirect):
            return None
        return self.routes[int(str(endpoint))], dict(params)


def _view(**params: Any) -> str:
    return ""
