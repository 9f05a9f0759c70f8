"""The generated parity requests, worked out by hand for small routes."""

from __future__ import annotations

import json

from analyzer.resolution.results import Route
from extractor.login_step import LoginRoute
from extractor.parity_requests import RouteFacts, parameter_table, request_lines
from strangler_proxy.requests_file import parse_requests

KNOWN = ["categories", "products", "reviews", "addresses"]


def route(rule: str, *methods: str) -> Route:
    return Route("app:app", rule, "e", methods, "views.py", 1, (("views", "e"),))


def test_parameters_name_their_tables() -> None:
    assert parameter_table("product_id", [], KNOWN) == "products"
    assert parameter_table("category_id", [], KNOWN) == "categories"
    assert parameter_table("address_id", [], KNOWN) == "addresses"
    assert parameter_table("id", ["reviews"], KNOWN) == "reviews"
    assert parameter_table("id", ["reviews", "products"], KNOWN) is None
    assert parameter_table("slug", ["products"], KNOWN) is None


def test_real_ids_spread_and_an_unknown_one() -> None:
    facts = [RouteFacts(route("/p/<int:product_id>", "GET"), ("products",), guarded=False)]
    lines = request_lines(facts, {"products": [3, 40, 90]}, KNOWN)
    assert [line for line in lines if not line.startswith("#")] == [
        "GET /p/3",
        "GET /p/40",
        "GET /p/90",
        "GET /p/1090",
    ]


def test_two_parameters_advance_together() -> None:
    facts = [
        RouteFacts(
            route("/c/<int:category_id>/p/<int:product_id>", "GET"),
            ("categories", "products"),
            guarded=False,
        )
    ]
    lines = request_lines(facts, {"categories": [1, 2], "products": [5, 6, 7]}, KNOWN)
    assert [line for line in lines if not line.startswith("#")] == [
        "GET /c/1/p/5",
        "GET /c/2/p/6",
        "GET /c/1002/p/7",
        "GET /c/1002/p/1007",
    ]


def test_writes_only_when_guarded_and_unfillable_routes_are_named() -> None:
    facts = [
        RouteFacts(route("/p", "GET", "POST"), ("products",), guarded=False),
        RouteFacts(route("/r/<int:review_id>", "DELETE"), ("reviews",), guarded=True),
        RouteFacts(route("/s/<slug>", "GET"), ("products",), guarded=False),
    ]
    lines = request_lines(facts, {"reviews": [7]}, KNOWN)
    assert [line for line in lines if not line.startswith("#") and line] == [
        "GET /p",
        "DELETE /r/7",
        "DELETE /r/1007",
    ]
    assert "# POST /p: a write without a guard (would change data)" in lines
    assert "# GET /s/<slug>: no ids known for its parameters" in lines


def test_guarded_reads_come_again_after_the_monolith_login() -> None:
    facts = [
        RouteFacts(route("/r/<int:review_id>", "GET"), ("reviews",), guarded=True),
        RouteFacts(route("/p", "GET"), ("products",), guarded=False),
    ]
    login = LoginRoute("/auth/login", form=True, fields=("email", "password"))

    lines = [line for line in request_lines(facts, {"reviews": [4]}, KNOWN, login) if line]

    [login_line] = [line for line in lines if line.startswith('{"login"')]
    step = json.loads(login_line)
    assert step == {
        "login": True,
        "optional": True,
        "method": "POST",
        "path": "/auth/login",
        "form": {
            "email": "${STRANGLER_LOGIN_EMAIL}",
            "password": "${STRANGLER_LOGIN_PASSWORD}",
        },
    }
    after = lines[lines.index(login_line) + 1 :]
    assert after == ["GET /r/4", "GET /r/1004", '{"logout": true}']
    parse_requests("\n".join(lines))  # a requests file strangler compare accepts


def test_without_a_login_route_the_guarded_reads_are_listed_for_a_person() -> None:
    facts = [RouteFacts(route("/me", "GET"), (), guarded=True)]
    lines = request_lines(facts, {}, KNOWN, None)
    assert [line for line in lines if not line.startswith("#") and line] == ["GET /me"]
    assert "# GET /me" in lines


def test_no_logged_in_section_without_guarded_reads() -> None:
    facts = [RouteFacts(route("/r/<int:review_id>", "DELETE"), ("reviews",), guarded=True)]
    login = LoginRoute("/login", form=False, fields=("user", "pass"))
    lines = request_lines(facts, {"reviews": [4]}, KNOWN, login)
    assert not any('"login"' in line for line in lines)
