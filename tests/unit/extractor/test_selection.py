"""Choosing routes: by blueprint or rule, with what must come along (read off the sample
monolith's source: accounts registers a before_app_request hook, cart an after_app_request
one, so both stay registered whatever is extracted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project
from extractor.selection import SelectionError, select_routes

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "analyzer_apps"
ALL_AREAS = {
    "accounts", "admin", "cart", "catalog", "inventory", "notifications",
    "orders", "payments", "promotions", "reviews", "shipping", "storefront",
}  # fmt: skip


@pytest.fixture(scope="module")
def monolith() -> Analysis:
    return analyze_project(ROOT / "legacy_monolith", AnalyzeOptions(show_progress=False))


def test_a_blueprint_brings_its_routes_and_the_app_wide_hooks(monolith: Analysis) -> None:
    chosen = select_routes(monolith, blueprints=["reviews"])
    assert {r.endpoint for r in chosen.routes} == {
        "reviews.list_reviews",
        "reviews.create_review",
        "reviews.delete_review",
        "reviews.summary",
    }
    assert chosen.kept_blueprints == {"reviews", "accounts", "cart"}
    assert chosen.dropped_blueprints == ALL_AREAS - {"reviews", "accounts", "cart"}
    assert ("legacy_monolith.accounts.views", "login") in chosen.dropped_views
    assert ("legacy_monolith.app", "healthz") in chosen.dropped_views
    assert {"legacy_monolith.accounts.views", "legacy_monolith.cart.views"} <= chosen.hook_modules


def test_a_rule_chooses_every_method_of_it(monolith: Analysis) -> None:
    chosen = select_routes(monolith, rules=["/api/reviews/product/<int:product_id>"])
    assert sorted(r.methods for r in chosen.routes) == [("GET",), ("POST",)]
    assert ("legacy_monolith.reviews.views", "summary") in chosen.dropped_views


def test_a_mistyped_blueprint_is_named_with_a_suggestion(monolith: Analysis) -> None:
    with pytest.raises(SelectionError, match=r"no blueprint 'review' .*did you mean 'reviews'"):
        select_routes(monolith, blueprints=["review"])


def test_nothing_chosen_is_a_usage_error(monolith: Analysis) -> None:
    with pytest.raises(SelectionError, match="--blueprint NAME or --route RULE"):
        select_routes(monolith)


def test_routes_of_two_apps_are_refused() -> None:
    """multi_app registers blueprint `shared` on both of its apps (public:app and the
    admin factory); /search belongs to one, /dashboard to the other."""
    analysis = analyze_project(
        FIXTURES / "multi_app", AnalyzeOptions(use_cache=False, show_progress=False)
    )
    with pytest.raises(SelectionError, match="belong to 2 apps"):
        select_routes(analysis, blueprints=["shared"])
    with pytest.raises(SelectionError, match="belong to 2 apps"):
        select_routes(analysis, rules=["/search", "/dashboard"])
    assert len(select_routes(analysis, rules=["/search"]).routes) == 1
    one = select_routes(analysis, blueprints=["shared"], app="public:app")
    assert (one.app.name, [r.rule for r in one.routes]) == ("public:app", ["/about"])
    with pytest.raises(SelectionError, match=r"no app 'public:ap' .*did you mean 'public:app'"):
        select_routes(analysis, blueprints=["shared"], app="public:ap")
