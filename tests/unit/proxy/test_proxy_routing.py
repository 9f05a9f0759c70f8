"""Pure routing decisions: modes, canary percentages and stickiness, fallback policy."""

from __future__ import annotations

from typing import Any

import pytest

from strangler_proxy.errors import (
    AuthDenied,
    ProxyError,
    RemoteError,
    ServiceTimeout,
    ServiceUnavailable,
)
from strangler_proxy.http_types import Request
from strangler_proxy.route_table import Mode, Route, StickyKey
from strangler_proxy.routing import canary_bucket, decide, may_fall_back, sticky_identity
from strangler_proxy.rules import RouteMatcher


def make_route(
    mode: Mode,
    *,
    path: str = "/items/<int:item_id>",
    methods: tuple[str, ...] = ("GET",),
    percent: int = 0,
    sticky: StickyKey | None = None,
    service: str = "shop",
    area: str | None = None,
) -> Route:
    return Route(path, methods, service, "get_item", mode, percent, sticky, area=area)


def get(path: str = "/items/7", **fields: Any) -> Request:
    return Request("GET", path, **fields)


def test_no_matching_rule_goes_to_the_monolith_without_a_route() -> None:
    decision = decide(RouteMatcher([make_route("service")]), get("/orders/1"), 0.0)
    assert decision.backend == "monolith"
    assert decision.route is None


def test_service_mode_sends_to_the_service_with_converted_params() -> None:
    decision = decide(RouteMatcher([make_route("service")]), get("/items/42"), 0.99)
    assert decision.backend == "service"
    assert decision.match is not None
    assert decision.match.params == {"item_id": 42}
    assert (decision.match.service, decision.match.method) == ("shop", "get_item")


def test_converters_work_like_flask() -> None:
    matcher = RouteMatcher([make_route("service", path="/f/<float:x>/<path:rest>")])
    decision = decide(matcher, get("/f/1.5/a/b"), 0.0)
    assert decision.match is not None
    assert decision.match.params == {"x": 1.5, "rest": "a/b"}
    assert decide(matcher, get("/f/abc/a"), 0.0).route is None


def test_a_method_the_route_does_not_list_goes_to_the_monolith() -> None:
    decision = decide(RouteMatcher([make_route("service")]), Request("DELETE", "/items/7"), 0.0)
    assert decision.backend == "monolith"
    assert decision.route is None


def test_head_follows_its_get_route() -> None:
    decision = decide(RouteMatcher([make_route("service")]), Request("HEAD", "/items/7"), 0.0)
    assert decision.backend == "service"


def test_monolith_mode_keeps_the_route_for_reporting() -> None:
    decision = decide(RouteMatcher([make_route("monolith")]), get(), 0.0)
    assert decision.backend == "monolith"
    assert decision.route is not None
    assert not decision.shadow


def test_shadow_mode_shadows_reads_but_never_writes() -> None:
    matcher = RouteMatcher([make_route("shadow", methods=("GET", "POST"))])
    read = decide(matcher, get(), 0.0)
    write = decide(matcher, Request("POST", "/items/7"), 0.0)
    assert (read.backend, read.shadow) == ("monolith", True)
    assert (write.backend, write.shadow) == ("monolith", False)


@pytest.mark.parametrize(
    ("percent", "draw", "backend"),
    [(0, 0.0, "monolith"), (100, 0.999, "service"), (30, 0.29, "service"), (30, 0.30, "monolith")],
)
def test_canary_without_a_sticky_key_uses_the_draw(percent: int, draw: float, backend: str) -> None:
    matcher = RouteMatcher([make_route("canary", percent=percent)])
    assert decide(matcher, get(), draw).backend == backend


def test_canary_with_a_sticky_cookie_ignores_the_draw_and_stays_stable() -> None:
    route = make_route("canary", percent=50, sticky=StickyKey("cookie", "sid"))
    matcher = RouteMatcher([route])
    for client in ("alice", "bob", "carol", "dave"):
        request = get(headers=(("Cookie", f"sid={client}; other=1"),))
        expected = "service" if canary_bucket(route, client) < 50 else "monolith"
        backends = {decide(matcher, request, draw).backend for draw in (0.0, 0.5, 0.99)}
        assert backends == {expected}


def test_canary_falls_back_to_the_draw_when_the_sticky_key_is_absent() -> None:
    matcher = RouteMatcher([make_route("canary", percent=50, sticky=StickyKey("header", "X-User"))])
    assert decide(matcher, get(), 0.1).backend == "service"
    assert decide(matcher, get(), 0.9).backend == "monolith"


def test_sticky_buckets_are_roughly_proportional_over_many_clients() -> None:
    route = make_route("canary", percent=20, sticky=StickyKey("ip"))
    matcher = RouteMatcher([route])
    served = sum(
        decide(matcher, get(remote_addr=f"10.0.{n // 256}.{n % 256}"), 0.99).backend == "service"
        for n in range(10_000)
    )
    assert 1_800 <= served <= 2_200


def test_sticky_identity_reads_cookie_header_or_ip() -> None:
    request = get(headers=(("Cookie", "sid=abc"), ("X-User", "u1")), remote_addr="1.2.3.4")
    assert sticky_identity(StickyKey("cookie", "sid"), request) == "abc"
    assert sticky_identity(StickyKey("header", "x-user"), request) == "u1"
    assert sticky_identity(StickyKey("ip"), request) == "1.2.3.4"
    assert sticky_identity(StickyKey("cookie", "missing"), request) is None


def test_the_bucket_depends_on_the_area_not_the_route() -> None:
    one = make_route("canary", path="/a", percent=50)
    two = make_route("canary", path="/b", methods=("POST",), percent=50)
    other = make_route("canary", path="/a", percent=50, service="billing")
    clients = [f"c{n}" for n in range(50)]
    assert [canary_bucket(one, c) for c in clients] == [canary_bucket(two, c) for c in clients]
    assert [canary_bucket(one, c) for c in clients] != [canary_bucket(other, c) for c in clients]


def test_a_sticky_client_sees_one_side_on_every_route_of_an_area() -> None:
    sticky = StickyKey("header", "X-User")
    routes = [
        make_route("canary", path="/items/<int:item_id>", percent=30, sticky=sticky),
        make_route("canary", path="/carts/<int:cart_id>", percent=30, sticky=sticky, area="shop"),
        make_route(
            "canary",
            path="/orders/<int:order_id>",
            percent=30,
            sticky=sticky,
            service="orders",
            area="shop",
        ),
    ]
    matcher = RouteMatcher(routes)
    sides = set()
    for n in range(200):
        user = (("X-User", f"user-{n}"),)
        seen = {
            decide(matcher, get(path, headers=user), 0.5).backend
            for path in ("/items/1", "/carts/2", "/orders/3")
        }
        assert len(seen) == 1, f"user-{n} saw both sides: {seen}"
        sides |= seen
    assert sides == {"service", "monolith"}


def test_a_route_area_separates_clients_from_the_services_default_area() -> None:
    sticky = StickyKey("header", "X-User")
    default = make_route("canary", percent=50, sticky=sticky)
    named = make_route("canary", percent=50, sticky=sticky, area="catalog-v2")
    assert (default.sticky_area, named.sticky_area) == ("shop", "catalog-v2")
    clients = [f"c{n}" for n in range(50)]
    assert [canary_bucket(default, c) for c in clients] != [
        canary_bucket(named, c) for c in clients
    ]


UNROUTABLE = ServiceUnavailable("shop", "unroutable")
TIMEOUT = ServiceTimeout("shop", "no reply")
CRASH = RemoteError("ValueError", "boom")
NOT_FOUND = RemoteError("NotFound", "item 7 not found")


@pytest.mark.parametrize(
    ("method", "error", "allowed"),
    [
        ("GET", UNROUTABLE, True),
        ("GET", TIMEOUT, True),
        ("GET", CRASH, True),
        ("HEAD", TIMEOUT, True),
        ("GET", NOT_FOUND, False),
        ("POST", UNROUTABLE, True),
        ("POST", ServiceUnavailable("shop", "broker down"), True),
        ("POST", TIMEOUT, False),
        ("PUT", CRASH, False),
        ("DELETE", NOT_FOUND, False),
    ],
)
def test_fallback_only_when_the_service_surely_did_not_act(
    method: str, error: ProxyError, allowed: bool
) -> None:
    assert may_fall_back(method, error) is allowed


@pytest.mark.parametrize(
    ("method", "error", "allowed"),
    [
        ("POST", UNROUTABLE, False),  # never delivered, yet the monolith must not write
        ("DELETE", ServiceUnavailable("shop", "broker down"), False),
        ("GET", UNROUTABLE, True),  # reads still fall back
        ("POST", AuthDenied("refused"), True),  # the monolith refuses it as well
    ],
)
def test_writes_never_fall_back_when_the_route_says_so(
    method: str, error: ProxyError, allowed: bool
) -> None:
    assert may_fall_back(method, error, write_fallback=False) is allowed
