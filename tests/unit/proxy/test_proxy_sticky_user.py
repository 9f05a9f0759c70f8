"""A canary sticky on the authenticated user (`sticky = "user"`), with in-memory backends.

The user is the one the route's auth check names: the same user lands on the
same side on every request and every route of the area, and the share of users
on the service side is the canary's percent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.errors import RoutesFileError
from strangler_proxy.http_types import Request, Response
from strangler_proxy.route_table import StickyKey
from strangler_proxy.routes_file import parse_routes

ROUTES = """
[[route]]
path = "/orders"
target = "shop.list_orders"
mode = "canary"
percent = {percent}
sticky = "user"
auth = "monolith:/auth/me"
auth_user = "header:X-User-Id"

[[route]]
path = "/carts"
target = "shop.get_cart"
mode = "canary"
percent = {percent}
sticky = "user"
auth = "monolith:/auth/me"
auth_user = "header:X-User-Id"
"""


class SessionMonolith(MemoryMonolith):
    """A monolith where the cookie `session=s-<user>` belongs to `<user>`; no cookie is a 401."""

    def __init__(self) -> None:
        super().__init__(b'{"source": "monolith"}')
        self.checks = 0

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        if request.target != "/auth/me":
            return super().handle(request)
        self.checks += 1
        session = request.cookie("session") or ""
        if not session.startswith("s-"):
            return Response(401)
        return Response(204, (("X-User-Id", session.removeprefix("s-")),))


def client_for(
    tmp_path: Path,
    percent: int,
    monolith: MemoryMonolith,
    rpc: MemoryRpc,
    draw: Callable[[], float] = lambda: 0.0,
) -> Client:
    """By default a draw that would send everyone to the service: only a bucket can say no."""
    routes = write_routes(tmp_path, ROUTES.format(percent=percent))
    return Client(memory_app(routes, monolith, rpc, draw=draw), use_cookies=False)


def backend_for(client: Client, path: str, user: str) -> str:
    response = client.get(path, headers={"Cookie": f"session=s-{user}"})
    assert response.status_code == 200
    return response.headers["X-Strangler-Backend"]


def test_the_same_user_lands_on_the_same_side_on_every_request_and_route(tmp_path: Path) -> None:
    draw = random.Random(1).random  # were each request drawn, a user would see both sides
    client = client_for(tmp_path, 50, SessionMonolith(), MemoryRpc({"x": 1}), draw)
    for user in (f"user-{n}" for n in range(40)):
        sides = {backend_for(client, path, user) for path in ("/orders", "/carts") * 3}
        assert len(sides) == 1, user


def test_the_share_of_users_on_the_service_is_the_canary_percent(tmp_path: Path) -> None:
    monolith, rpc = SessionMonolith(), MemoryRpc({"x": 1})
    client = client_for(tmp_path, 20, monolith, rpc)
    users = [f"user-{n}" for n in range(2000)]
    served = [user for user in users if backend_for(client, "/orders", user) == "service"]
    assert 0.17 < len(served) / len(users) < 0.23
    assert [context["user_id"] for context in rpc.contexts] == served
    assert monolith.checks == len(users)


def test_the_service_gets_the_user_the_check_named_and_is_checked_once(tmp_path: Path) -> None:
    monolith, rpc = SessionMonolith(), MemoryRpc({"x": 1})
    client = client_for(tmp_path, 100, monolith, rpc)
    assert backend_for(client, "/orders", "ann") == "service"
    assert [context["user_id"] for context in rpc.contexts] == ["ann"]
    assert monolith.checks == 1


def test_a_user_the_check_refuses_goes_to_the_monolith_whatever_the_percent(
    tmp_path: Path,
) -> None:
    monolith, rpc = SessionMonolith(), MemoryRpc({"x": 1})
    client = client_for(tmp_path, 100, monolith, rpc)
    response = client.get("/orders", headers={"Cookie": "session=forged"})
    assert response.headers["X-Strangler-Backend"] == "monolith; fallback=auth"
    assert response.get_json() == {"source": "monolith"}
    assert rpc.calls == []


def test_sticky_user_is_read_from_the_routes_file() -> None:
    [route, _] = parse_routes('monolith = "http://m"\n' + ROUTES.format(percent=5)).routes
    assert route.sticky == StickyKey("user")
    assert route.describe()["sticky"] == "user"


def test_sticky_user_without_the_users_source_is_refused() -> None:
    text = 'monolith = "http://m"\n[[route]]\npath = "/a"\ntarget = "s.m"\nmode = "canary"\n'
    text += 'percent = 5\nsticky = "user"\nauth = "monolith:/me"\n'
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(text)
    assert caught.value.line == 7
    assert "needs 'auth' and 'auth_user'" in caught.value.reason
