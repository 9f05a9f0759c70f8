"""Flask-style path matching for the route table, done by werkzeug exactly as Flask does it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.routing.exceptions import RoutingException

from strangler_proxy.route_table import Route

RESERVED_PARAMS = frozenset({"query", "body"})


def rule_problem(path: str) -> str | None:
    """Why `path` is not a usable Flask rule, or None when it is."""
    try:
        rule = Rule(path, endpoint="check")
        Map([rule])
    except (ValueError, LookupError, SyntaxError) as exc:
        return f"bad path rule {path!r}: {exc}"
    clashing = sorted(rule.arguments & RESERVED_PARAMS)
    if clashing:
        return f"bad path rule {path!r}: parameter {clashing[0]!r} clashes with the RPC kwarg"
    return None


@dataclass(frozen=True)
class Matched:
    """The route a request matched and its path parameters, converted like Flask."""

    route: Route
    params: dict[str, Any]


class RouteMatcher:
    """Finds the route for a method and path; built once per route table."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)
        self._map = Map(
            [
                Rule(route.path, endpoint=str(index), methods=list(route.methods))
                for index, route in enumerate(self.routes)
            ]
        )
        self._map.update()
        # each rule's literal start (slashes merged, as the map merges them): a path that
        # starts with none of them matches no rule, without asking werkzeug (most paths of
        # a forwarded request)
        self._starts = tuple(
            {re.sub("/+", "/", route.path.split("<", 1)[0]) for route in self.routes}
        )

    def match(self, method: str, path: str) -> Matched | None:
        """The matching route, or None (no rule, wrong method, or a slash redirect)."""
        if "//" not in path and not path.startswith(self._starts):
            return None  # (a path with "//" may match once merged: werkzeug decides)
        adapter = self._map.bind("localhost")
        try:
            endpoint, params = adapter.match(path, method=method)
        except (HTTPException, RoutingException):
            return None
        return Matched(self.routes[int(endpoint)], dict(params))
