"""Run a Flask view's code as a Nameko RPC method, inside the transplanted app.

`strangler extract --style rpc` writes, for each view that only reads JSON in and writes
JSON out, a method of the view's own code (`request.args` read as `query`,
`request.get_json()` as `body`, `jsonify(x)` returned as `x`):

    class ClinicService:
        name = "clinic"
        app = WsgiApp(create_app)  # the copied Flask app
        context_data = ContextData()  # what the proxy passed of the request

        @rpc
        @json_view("GET", "api.get_doctor", guards=[token_auth.login_required])
        def get_doctor(self, doctor_id, query):
            return (Doctor.get_by_id(doctor_id) or abort(404)).to_dict()

The method runs in a request context of `self.app` holding the call's data: the path
the endpoint builds from the path parameters, `query` as the query string, `body` as a
JSON body, and the caller's headers the proxy passed as context data (Authorization,
Accept-Language, User-Agent and the route's `headers`, read from the service's
`context_data` dependency, `caller_headers.py`; never cookies). The view's `guards`, the
decorators that check those headers (`@token_auth.login_required`), wrap it as in the
monolith; a guard's own answer (a 401) is the app's answer. So the view's helpers, the
app's before-request hooks (its after-request hooks, which shape headers and cookies, do
not run) and its database session work as in the monolith, and its answer
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response
from nameko.exceptions import IncorrectSignature
from werkzeug.datastructures import MultiDict

from extracted_services.shared.caller_headers import CONTEXT_DATA, caller_headers
from extracted_services.shared.errors import ErrorAnswer

Method = Callable[..., Any]
Guard = Callable[[Method], Method]  # a view decorator that may answer instead of the view
RPC_ARGUMENTS = frozenset({"query", "body"})  # the proxy's kwargs that are no path parameter


class NotJsonAnswer(Exception):
    """The app answered with something an RPC reply cannot carry (not JSON, or a status
    that is neither 200 nor an error)."""


@dataclass(frozen=True)
class _ViewValue:
    """What the view returned, told apart from an answer a guard gave instead."""

    value: Any


def json_view(
    http_method: str,
    endpoint: str,
    *,
    headers: Sequence[str] = (),
    guards: Sequence[Guard] = (),
) -> Callable[[Method], Method]:
    """Run the decorated method as the app's `endpoint` answering an `http_method` request
    that carries the caller's standard headers and `headers`, behind the view's `guards`
    (outermost first, as written above the view)."""

    def decorate(method: Method) -> Method:
        signature = inspect.signature(method)

        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError as exc:  # as nameko says it for an undecorated method
                raise IncorrectSignature(str(exc)) from None
            arguments = dict(list(bound.arguments.items())[1:])  # all but `self`
            data = getattr(self, CONTEXT_DATA)
            request = _Request(http_method, caller_headers(data, headers))
            view = functools.partial(method, self)
            return _answer(self.app, request, endpoint, view, arguments, guards)

        return call

    return decorate


@dataclass(frozen=True)
class _Request:
    """The HTTP method and the caller's headers of the request a method answers."""

    method: str
    headers: Mapping[str, str]


def _answer(
    app: Flask,
    request: _Request,
    endpoint: str,
    view: Method,
    kwargs: Mapping[str, Any],
    guards: Sequence[Guard],
) -> Any:
    """`view(**kwargs)` run as the app runs `endpoint` behind `guards`: its JSON result,
    or ErrorAnswer."""
    path_values = {key: value for key, value in kwargs.items() if key not in RPC_ARGUMENTS}
    query = MultiDict(kwargs.get("query") or {})
    body = kwargs.get("body")
    path = app.url_map.bind("localhost").build(endpoint, path_values, method=request.method)
    json_body = {} if body is None else {"json": body}
    with app.test_request_context(
        path, method=request.method, query_string=query, headers=dict(request.headers),
        **json_body,
    ):  # fmt: skip
        try:
            answered = app.preprocess_request()  # the before-request hooks, as in the monolith
            if answered is None:
                arguments = {**kwargs, "query": query} if "query" in kwargs else dict(kwargs)
                answered = _guarded(view, arguments, guards)(**path_values)  # or a guard's
                if isinstance(answered, _ViewValue):
                    return json.loads(app.json.dumps(answered.value))
            response = app.make_response(answered)
        except Exception as exc:  # the app's handlers decide, as in the monolith
            response = _error_response(app, exc)
        return _result_of(response)


def _guarded(view: Method, arguments: Mapping[str, Any], guards: Sequence[Guard]) -> Method:
    """The view behind its guards, called as Flask calls a view: with the path values."""

    def run(**path_values: Any) -> _ViewValue:
        return _ViewValue(view(**{**arguments, **path_values}))

    return functools.reduce(lambda inner, guard: guard(inner), reversed(guards), run)


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
        raise ErrorAnswer(response.status_code, response.get_json(), response.headers.items())
    raise NotJsonAnswer(f"the app answered {response.status}: an RPC reply carries a 200")
