"""A route's auth check: ask the monolith first, as nginx's `auth_request` does.

For a route with `auth = "monolith:<path>"`, the monolith gets a GET to that
path carrying the client's headers (its cookies, its Authorization) without
the body, plus `X-Original-Method` and `X-Original-URI` (a client's own are
dropped). A 2xx answer lets the request through to the service, with the user
it names (`auth_user`) as `nameko.user_id`. Anything else (a 401, a login
redirect, a 2xx naming no user, no answer at all) is AuthDenied: the app then
sends the original request to the monolith, whose answer is exact by
definition. So moving a protected endpoint to a service never makes it public.
"""

from __future__ import annotations

import json
from dataclasses import replace

from strangler_proxy.backends import Backend
from strangler_proxy.errors import AuthDenied, ProxyError
from strangler_proxy.http_types import Request, Response, without_headers
from strangler_proxy.route_table import AuthCheck, UserSource

ORIGINAL_METHOD = "X-Original-Method"
ORIGINAL_URI = "X-Original-URI"


class AuthGate:
    """The service backend behind the routes' auth checks (routes without one pass straight).

    A request whose user the app already has from the same check (a canary
    sticky on the user) is not checked twice.
    """

    def __init__(self, service: Backend, monolith: Backend) -> None:
        self._service = service
        self._monolith = monolith

    def handle(self, request: Request) -> Response:
        auth = request.match.auth if request.match is not None else None
        if auth is None or request.user_id is not None:
            return self._service.handle(request)
        user = authenticated_user(self._monolith, request, auth)
        return self._service.handle(replace(request, user_id=user))


def authenticated_user(monolith: Backend, request: Request, auth: AuthCheck) -> str | None:
    """The user the monolith names (None if the route wants none); AuthDenied if not let in."""
    try:
        answer = monolith.handle(auth_request(request, auth))
    except ProxyError as exc:
        raise AuthDenied(f"the monolith gave no answer ({exc})") from exc
    if not 200 <= answer.status < 300:
        raise AuthDenied(f"the monolith answered {answer.status}")
    if auth.user is None:
        return None
    user = user_in(answer, auth.user)
    if user is None:
        raise AuthDenied(f"the monolith's answer names no user ({auth.user})")
    return user


def auth_request(request: Request, auth: AuthCheck) -> Request:
    """The request the monolith's auth check gets for `request`."""
    headers = without_headers(
        request.headers, "Content-Length", "Transfer-Encoding", ORIGINAL_METHOD, ORIGINAL_URI
    )
    return Request(
        method="GET",
        target=auth.path,
        headers=(*headers, (ORIGINAL_METHOD, request.method), (ORIGINAL_URI, request.target)),
        remote_addr=request.remote_addr,
        scheme=request.scheme,
        request_id=request.request_id,
    )


def user_in(answer: Response, source: UserSource) -> str | None:
    """The user an auth answer names: a header's value, or a string or integer in its JSON body."""
    if source.source == "header":
        return answer.header(source.name) or None
    try:
        value = json.loads(answer.body)
    except ValueError:
        return None
    for key in source.name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None
