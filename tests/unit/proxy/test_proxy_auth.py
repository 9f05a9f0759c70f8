"""A route's auth check (`auth = "monolith:/path"`), with in-memory backends.

The monolith is asked first; only its 2xx lets a request reach the service, and
the user it names is the only `nameko.user_id` there is. Anything else sends
the original request to the monolith, so a protected endpoint never turns public.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.backends.monolith_auth import auth_request, user_in
from strangler_proxy.errors import MonolithTimeout, RoutesFileError
from strangler_proxy.http_types import Request, Response
from strangler_proxy.route_table import AuthCheck, UserSource
from strangler_proxy.routes_file import parse_routes

ROUTES = """
[[route]]
path = "/secret"
methods = ["GET", "POST"]
target = "shop.secret"
mode = "service"
auth = "monolith:/auth/check?scope=shop"
auth_user = "header:X-User-Id"

[[route]]
path = "/whoami"
target = "shop.whoami"
mode = "service"
auth = "monolith:/auth/me"
auth_user = "json:user.id"

[[route]]
path = "/gate-only"
target = "shop.gate"
mode = "service"
auth = "monolith:/auth/check"
"""
LOGIN_REQUIRED = b'{"error": "login required"}'


class AuthMonolith(MemoryMonolith):
    """A monolith whose session cookie `good` belongs to user 7; everything else is a 401."""

    def __init__(self, *, down: bool = False, me: bytes = b'{"user": {"id": 7}}') -> None:
        super().__init__(LOGIN_REQUIRED, 401)
        self.down = down
        self.me = me

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        if not request.target.startswith("/auth/"):
            return super().handle(request)
        self.requests.append(request)
        if self.down:
            raise MonolithTimeout("no answer within 30s")
        if request.cookie("session") != "good":
            return Response(401)
        if request.target == "/auth/me":
            return Response(200, (("Content-Type", "application/json"),), self.me)
        return Response(204, (("X-User-Id", "7"),))


def client_for(tmp_path: Path, monolith: MemoryMonolith, rpc: MemoryRpc) -> Client:
    return Client(memory_app(write_routes(tmp_path, ROUTES), monolith, rpc), use_cookies=False)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Cookie": "session=forged"}, {"Cookie": "session=forged", "X-User-Id": "7"}],
)
def test_a_client_the_monolith_refuses_gets_the_monoliths_own_answer(
    tmp_path: Path, method: str, headers: dict[str, str]
) -> None:
    monolith, rpc = AuthMonolith(), MemoryRpc({"secret": 42})
    response = client_for(tmp_path, monolith, rpc).open("/secret", method=method, headers=headers)
    assert (response.status_code, response.data) == (401, LOGIN_REQUIRED)
    assert response.headers["X-Strangler-Backend"] == "monolith; fallback=auth"
    assert rpc.calls == []
    check, original = monolith.requests
    assert (check.method, check.target, original.method, original.target) == (
        "GET",
        "/auth/check?scope=shop",
        method,
        "/secret",
    )


def test_a_client_the_monolith_lets_in_reaches_the_service_as_its_user(tmp_path: Path) -> None:
    monolith, rpc = AuthMonolith(), MemoryRpc({"secret": 42})
    client = client_for(tmp_path, monolith, rpc)
    headers = {"Cookie": "session=good", "Authorization": "Bearer b"}
    response = client.get("/secret", headers=headers)
    assert (response.status_code, response.get_json()) == (200, {"secret": 42})
    assert response.headers["X-Strangler-Backend"] == "service"
    assert client.get("/whoami", headers=headers).status_code == 200
    assert client.get("/gate-only", headers=headers).status_code == 200
    assert [context.get("user_id") for context in rpc.contexts] == ["7", "7", None]
    assert rpc.contexts[0]["auth_token"] == "Bearer b"


@pytest.mark.parametrize(
    "monolith",
    [AuthMonolith(down=True), AuthMonolith(me=b'{"user": {}}'), AuthMonolith(me=b"<html>")],
    ids=["no-answer", "no-user-in-json", "not-json"],
)
def test_a_check_that_fails_or_names_no_user_sends_the_request_to_the_monolith(
    tmp_path: Path, monolith: AuthMonolith
) -> None:
    rpc = MemoryRpc({"secret": 42})
    path = "/secret" if monolith.down else "/whoami"
    response = client_for(tmp_path, monolith, rpc).get(path, headers={"Cookie": "session=good"})
    assert (response.status_code, response.data) == (401, LOGIN_REQUIRED)
    assert response.headers["X-Strangler-Backend"] == "monolith; fallback=auth"
    assert rpc.calls == []


def test_the_check_gets_the_clients_headers_without_the_body_and_no_forged_originals() -> None:
    request = Request(
        "POST",
        "/secret?x=1",
        (
            ("Cookie", "session=good"),
            ("Content-Length", "3"),
            ("X-Original-URI", "/public"),
            ("Content-Type", "text/plain"),
        ),
        b"abc",
        remote_addr="10.0.0.1",
        request_id="r-1",
    )
    check = auth_request(request, AuthCheck("/auth/check"))
    assert (check.method, check.target, check.body, check.request_id) == (
        "GET",
        "/auth/check",
        b"",
        "r-1",
    )
    assert check.headers == (
        ("Cookie", "session=good"),
        ("Content-Type", "text/plain"),
        ("X-Original-Method", "POST"),
        ("X-Original-URI", "/secret?x=1"),
    )


@pytest.mark.parametrize(
    ("body", "user"),
    [
        (b'{"user": {"id": 7}}', "7"),
        (b'{"user": {"id": "u-7"}}', "u-7"),
        (b'{"user": {"id": true}}', None),
        (b'{"user": {"id": ""}}', None),
        (b'{"user": [1]}', None),
        (b"[]", None),
    ],
)
def test_the_user_is_a_string_or_integer_at_the_json_key(body: bytes, user: str | None) -> None:
    assert user_in(Response(200, (), body), UserSource("json", "user.id")) == user


def route_with(lines: str) -> str:
    head = 'monolith = "http://m"\n[[route]]\npath = "/a"\ntarget = "s.m"\nmode = "service"\n'
    return head + lines


def test_auth_and_auth_user_are_read_from_the_routes_file() -> None:
    [route] = parse_routes(route_with('auth = "monolith:/me"\nauth_user = "json:a.b"\n')).routes
    assert route.auth == AuthCheck("/me", UserSource("json", "a.b"))
    assert (route.describe()["auth"], route.describe()["auth_user"]) == ("monolith:/me", "json:a.b")


@pytest.mark.parametrize(
    ("lines", "line", "reason"),
    [
        ('auth = "/auth/check"\n', 6, "bad auth '/auth/check': write it as \"monolith:/path\""),
        ('auth = "monolith:auth"\n', 6, "bad auth 'monolith:auth'"),
        ('auth_user = "header:X-User"\n', 6, "'auth_user' needs 'auth' on the same route"),
        ('auth = "monolith:/a"\nauth_user = "cookie:u"\n', 7, "bad auth_user 'cookie:u'"),
        ('auth = "monolith:/a"\nauth_user = "json:a..b"\n', 7, "bad auth_user 'json:a..b'"),
    ],
)
def test_a_bad_auth_names_the_line_and_the_reason(lines: str, line: int, reason: str) -> None:
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(route_with(lines), source="routes.toml")
    assert caught.value.line == line
    assert reason in caught.value.reason
