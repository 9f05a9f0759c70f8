"""Run a Flask view's code as a Nameko RPC method, inside the transplanted app.

`strangler extract --style rpc` writes, for each view that only reads JSON in and writes
JSON out, a method of the view's own code (`request.args` read as `query`,
`request.get_json()` as `body`, `jsonify(x)` returned as `x`):

    class ShopService:
        name = "shop"
        app = WsgiApp(create_app)  # the copied Flask app

        @rpc
        @json_view("GET", "reviews.summary")
        def summary(self, product_id, query):
            return rating_summary(product_id)

The method runs in a request context of `self.app` holding the call's data: the path
the endpoint builds from the path parameters, `query` as the query string, `body` as a
JSON body (no cookies, no other headers). So the view's helpers, the app's
before-request hooks (its after-request hooks, which shape headers and cookies, do not
run) and its database session work as in the monolith, and its answer
is the monolith's: the value returned goes through the app's JSON provider (as
`jsonify` sends it); an exception (`abort(...)`, the app's own error helpers) goes
through the app's error handlers, and their JSON answer is raised as `ErrorAnswer`
(status and body), which the proxy sends as it is. An answer that is not JSON (an HTML
page, a redirect) cannot travel in an RPC reply: `NotJsonAnswer` (a read then falls back
to the monolith).
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response
from nameko.exceptions import IncorrectSignature
from werkzeug.datastructures import MultiDict

from extracted_services.shared.errors import ErrorAnswer

Method = Callable[..., Any]
RPC_ARGUMENTS = frozenset({"query", "body"})  # the proxy's kwargs that are no path parameter


class NotJsonAnswer(Exception):
    """The app answered with something an RPC reply cannot carry (not JSON, or a status
    that is neither 200 nor an error)."""


def json_view(http_method: str, endpoint: str) -> Callable[[Method], Method]:
    """Run the decorated method as the app's `endpoint` answering an `http_method` request."""

    def decorate(method: Method) -> Method:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError as exc:  # as nameko says it for an undecorated method
                raise IncorrectSignature(str(exc)) from None
            arguments = dict(list(bound.arguments.items())[1:])  # all but `self`
            return answer(
                self.app, http_method, endpoint, functools.partial(method, self), arguments
            )

        return call

    return decorate


def answer(
    app: Flask, http_method: str, endpoint: str, view: Method, kwargs: Mapping[str, Any]
) -> Any:
    """`view(**kwargs)` run as the app runs `endpoint`: its JSON result, or ErrorAnswer."""
    path_values = {key: value for key, value in kwargs.items() if key not in RPC_ARGUMENTS}
    query = MultiDict(kwargs.get("query") or {})
    body = kwargs.get("body")
    path = app.url_map.bind("localhost").build(endpoint, path_values, method=http_method)
    json_body = {} if body is None else {"json": body}
    with app.test_request_context(path, method=http_method, query_string=query, **json_body):
        try:
            early = app.preprocess_request()  # the before-request hooks, as in the monolith
            if early is None:
                arguments = {**kwargs, "query": query} if "query" in kwargs else dict(kwargs)
                return json.loads(app.json.dumps(view(**arguments)))
            response = app.make_response(early)
        except Exception as exc:  # the app's handlers decide, as in the monolith
            response = _error_response(app, exc)
        return _result_of(response)


def _error_response(app: Flask, exc: Exception) -> Response:
    """The app's answer to `exc`: its error handlers', else its 500 (Flask's own order)."""
    try:
        return app.make_response(app.handle_user_exception(exc))
    except Exception as unhandled:  # no handler took it: the 500 answer
        return app.make_response(app.handle_exception(unhandled))


def _result_of(response: Response) -> Any:
    """A 200 JSON answer's value; an error's JSON answer raised as ErrorAnswer."""
    if not response.is_json:
        raise NotJsonAnswer(f"the app answered {response.status} as {response.mimetype}")
    if response.status_code == 200:
        return response.get_json()
    if response.status_code >= 400:
        raise ErrorAnswer(response.status_code, response.get_json())
    raise NotJsonAnswer(f"the app answered {response.status}: an RPC reply carries a 200")
