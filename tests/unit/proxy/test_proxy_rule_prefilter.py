"""The matcher answers "no route" without werkzeug for a path no rule's literal start
begins; every other path is werkzeug's to match: the answers are werkzeug's own."""

from __future__ import annotations

import itertools

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.routing.exceptions import RoutingException

from strangler_proxy.route_table import Route
from strangler_proxy.rules import RouteMatcher

RULES = (
    "/api/catalog/products/<int:product_id>",
    "/api/catalog/products",
    "/admin/<name>",
    "/files/<path:rest>",
    "/a//b/<x>",
    "/v<int:version>/items",
    "/trailing/",
)
PATHS = (
    "/",
    "/api/catalog/products",
    "/api/catalog/products/",
    "/api/catalog/products/12",
    "/api/catalog/products/x",
    "/api/inventory/stock/12",
    "//api/catalog/products/12",
    "/api//catalog/products/12",
    "/admin/x",
    "//admin/x",
    "/admin",
    "/Admin/x",
    "/files/a/b/c",
    "/files",
    "/a/b/1",
    "/a//b/1",
    "/v2/items",
    "/v/items",
    "/trailing",
    "/trailing/",
    "/healthz",
    "",
)


def werkzeug_match(method: str, path: str) -> str | None:
    rules = [Rule(rule, endpoint=str(i), methods=["GET"]) for i, rule in enumerate(RULES)]
    adapter = Map(rules).bind("localhost")
    try:
        endpoint, _params = adapter.match(path, method=method)
    except (HTTPException, RoutingException):
        return None
    return RULES[int(endpoint)]


@pytest.mark.parametrize(("method", "path"), list(itertools.product(("GET", "POST"), PATHS)))
def test_the_matcher_answers_as_werkzeug_does(method: str, path: str) -> None:
    routes = [Route(rule, ("GET",), "svc", "m", "service") for rule in RULES]
    matched = RouteMatcher(routes).match(method, path)
    assert (None if matched is None else matched.route.path) == werkzeug_match(method, path)
