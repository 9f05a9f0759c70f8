"""The demo's requests through the proxy, as a user's browser would make them: a login
kept as a Cookie header, JSON answers, and a clear stop when an answer is an error."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any

import urllib3

from strangler.errors import StranglerError


class DemoRequestFailed(StranglerError):
    """A request the demo makes was refused: the stack is not answering as it should."""


def log_in(pool: urllib3.PoolManager, proxy_url: str, email: str, password: str) -> str:
    """Log in through the monolith's login API; the `Cookie` header value of the session."""
    login = pool.request(
        "POST",
        f"{proxy_url}/api/accounts/login",
        body=json.dumps({"email": email, "password": password}),
        headers={"Content-Type": "application/json"},
    )
    json_answer(login)
    cookies: SimpleCookie = SimpleCookie()
    for header in login.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


def json_answer(response: urllib3.BaseHTTPResponse) -> Any:
    """The response's JSON body; an error status stops the demo with what it said."""
    if response.status >= 400:
        raise DemoRequestFailed(
            f"the demo's request failed: HTTP {response.status}: {response.data[:200]!r}"
        )
    return json.loads(response.data)
