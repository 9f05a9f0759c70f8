"""`strangler plan` on the sample monolith: it finds the business areas, says who owns
what, writes a routes file the proxy accepts, and `extract --plan` reads it back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from math import comb
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project
from extractor.selection import select_routes
from planner.as_json import plan_to_dict
from planner.as_markdown import render_markdown
from planner.commands import plan as plan_command
from planner.plan_file import PlanFileError, area_routes
from planner.usecases import analysis_hash, build_plan
from strangler_proxy.routes_file import parse_routes

ROOT = Path(__file__).resolve().parents[3]

# The intended areas, written by hand from legacy_monolith's blueprints (one per folder;
# /healthz is the app's own).
AREAS = {
    "accounts": "account_page add_address get_addresses login login_page logout logout_page"
    " me register update_me",
    "admin": "audit_log create_product dashboard edit_product orders_page patch_product"
    " reports_page revenue_by_category top_customers",
    "cart": "add_cart_item clear_cart get_cart remove_cart_item update_cart_item",
    "catalog": "get_product list_categories list_products",
    "inventory": "get_stock list_movements list_warehouses low_stock set_stock",
    "notifications": "list_notifications mark_all_read mark_read",
    "orders": "cancel change_status checkout get_order list_orders",
    "payments": "get_payment list_order_payments refund",
    "promotions": "apply_code check_code create_code list_codes remove_code",
    "reviews": "create_review delete_review list_reviews summary",
    "shipping": "deliver dispatch get_shipment rates",
    "storefront": "add_to_cart cart_page checkout_page home order_page product_page",
}
INTENDED = {f"{area}.{view}": area for area, views in AREAS.items() for view in views.split()}
INTENDED["healthz"] = "app"


def pairs(counts: Counter[Any]) -> int:
    """How many pairs of items share a label."""
    return sum(comb(n, 2) for n in counts.values())


def adjusted_rand_index(truth: dict[str, str], found: dict[str, str]) -> float:
    """Hubert-Arabie ARI over the same items."""
    items = sorted(truth)
    together = pairs(Counter((truth[i], found[i]) for i in items))
    truth_pairs = pairs(Counter(truth[i] for i in items))
    found_pairs = pairs(Counter(found[i] for i in items))
    expected = truth_pairs * found_pairs / comb(len(items), 2)
    best = (truth_pairs + found_pairs) / 2
    return (together - expected) / (best - expected)


def test_the_index_itself_on_a_hand_example() -> None:
    # truth {a,b}{c,d}, found {a,b,c}{d}: together 1 (a-b); truth 2, found 3 pairs;
    # expected 2 * 3 / 6 = 1; best 2.5; ARI = (1 - 1) / (2.5 - 1) = 0
    truth = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert adjusted_rand_index(truth, {"a": "1", "b": "1", "c": "1", "d": "2"}) == 0.0
    assert adjusted_rand_index(truth, truth) == 1.0


@pytest.fixture(scope="module")
def monolith() -> Analysis:
    return analyze_project(ROOT / "legacy_monolith", AnalyzeOptions(show_progress=False))


def test_the_plan_recovers_the_business_areas(monolith: Analysis) -> None:
    plan = build_plan(monolith)
    found = {route: c.name for c in plan.candidates for route in c.routes}
    assert sorted(found) == sorted(INTENDED)
    assert adjusted_rand_index(INTENDED, found) >= 0.8


def test_the_same_input_gives_the_same_plan(monolith: Analysis) -> None:
    assert plan_to_dict(build_plan(monolith)) == plan_to_dict(build_plan(monolith))


def test_a_number_of_services_is_honoured(monolith: Analysis) -> None:
    assert len(build_plan(monolith, services=6).candidates) == 6


def test_ownership_read_off_the_writes(monolith: Analysis) -> None:
    by_name = {c.name: c for c in build_plan(monolith).candidates}
    # only the reviews views write `reviews`; payments.refund and shipping's dispatch and
    # deliver write `orders` besides the orders views
    assert "reviews" in by_name["reviews"].owns
    assert "orders" in by_name["orders"].conflicts
    assert "orders" in by_name["payments"].conflicts
    # catalog only reads products, which admin writes
    assert by_name["catalog"].owns == ()
    assert "products" in by_name["catalog"].reads_from_others
    assert "cart.get_cart" in by_name["cart"].explanations["route:cart.get_cart"]


def test_the_metrics_compare_the_proposal_with_the_modules(monolith: Analysis) -> None:
    metrics = build_plan(monolith).metrics
    assert set(metrics) == {"proposal", "as_is"}
    # the tables are all defined in schema.py, so the module layout keeps almost no write
    # inside its area; the proposal puts tables with their writers
    proposal, as_is = metrics["proposal"], metrics["as_is"]
    assert proposal["transaction_purity"] > as_is["transaction_purity"]  # type: ignore[operator]


def test_the_waves_move_every_route_once(monolith: Analysis) -> None:
    plan = build_plan(monolith)
    moved = [route for wave in plan.waves for route in wave.routes]
    assert sorted(moved) == sorted(INTENDED)
    # a service with write conflicts never moves before a conflict-free one
    conflicted = {c.name for c in plan.candidates if c.conflicts}
    first = plan.waves[0].services
    assert not conflicted & set(first)


def test_every_written_table_has_one_planned_owner(monolith: Analysis) -> None:
    plan = build_plan(monolith)
    written = {t for a in monolith.route_access.values() for t in a.writes}
    written |= {t for a in monolith.hook_access.values() for t in a.writes}
    assert [o.table for o in plan.ownership] == sorted(written)
    planned = Counter(t for c in plan.candidates for t in c.planned_owns)
    kept = {o.table for o in plan.ownership if o.owner is None}
    assert {t for t in written if planned[t] + (t in kept) != 1} == set()
    # the orders blueprint's routes write `orders`, and so do payments.refund and shipping's
    # dispatch and deliver: the plan puts the table with the orders routes, they call it
    owner = {o.table: o.owner for o in plan.ownership}
    assert owner["orders"] == "orders"
    assert "reviews" in {c.name: c for c in plan.candidates}["reviews"].planned_owns
    # the accounts blueprint's request hook stamps `users`: redirected to its owner
    redirects = {(r.kind, r.writer, r.table) for w in plan.waves for r in w.redirect_writes}
    assert ("hook", "legacy_monolith.accounts.views:load_logged_in_user", "users") in redirects
    assert ("route", "payments.refund", "orders") in redirects


def test_every_conflict_table_moves_in_exactly_one_wave(monolith: Analysis) -> None:
    plan = build_plan(monolith)
    conflicts = {t for c in plan.candidates for t in c.conflicts}
    owned = Counter(t for wave in plan.waves for t in wave.owns)
    assert conflicts and {t: owned[t] for t in conflicts} == dict.fromkeys(conflicts, 1)
    wave_of = {name: n for n, wave in enumerate(plan.waves) for name in wave.services}
    for number, wave in enumerate(plan.waves):
        for redirect in wave.redirect_writes:
            assert wave_of[redirect.owner] == number
            assert redirect.table in wave.owns and redirect.table in wave.sync_to_monolith
            writer = next((c for c in plan.candidates if redirect.writer in c.routes), None)
            # a writer never moves before the owner it must call
            assert writer is None or wave_of[writer.name] >= number


def test_the_reports_say_who_owns_what_and_whose_writes_move(monolith: Analysis) -> None:
    plan = build_plan(monolith)
    as_json = plan_to_dict(plan)
    orders = next(s for s in as_json["services"] if s["name"] == "orders")
    assert "orders" in orders["planned_owns"] and "orders" in orders["conflicts"]
    wave = next(w for w in as_json["waves"] if "orders" in w["owns"])
    assert {"kind": "route", "writer": "payments.refund", "table": "orders",
            "owner": "orders"} in wave["redirect_writes"]  # fmt: skip
    assert next(o for o in as_json["ownership"] if o["table"] == "orders")["owner"] == "orders"
    markdown = render_markdown(plan)
    assert "redirect: route `payments.refund` writes orders, to call orders instead" in markdown
    assert "| orders | orders | written by orders (3 routes)" in markdown


def test_cli_writes_json_and_a_routes_file_the_proxy_accepts(tmp_path: Path) -> None:
    out, routes = tmp_path / "plan.json", tmp_path / "routes.toml"
    result = CliRunner().invoke(
        plan_command,
        [str(ROOT / "legacy_monolith"), "--format", "json", "--output", str(out),
         "--routes-out", str(routes)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert written["schema_version"] == 1
    assert written["project"]["hash"].startswith("sha256:")
    table = parse_routes(routes.read_text(), source=str(routes))
    assert len(table.routes) == len(INTENDED)
    assert {r.mode for r in table.routes} == {"monolith"}
    cart = [r for r in table.routes if r.path == "/api/cart/items"]
    assert cart[0].target == "cart.http"


def test_extract_plan_reads_exactly_an_area(monolith: Analysis, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_to_dict(build_plan(monolith))))
    endpoints = area_routes(plan_file, "reviews", analysis_hash(monolith))
    chosen = select_routes(monolith, endpoints=endpoints)
    assert {r.endpoint for r in chosen.routes} == {
        f"reviews.{view}" for view in AREAS["reviews"].split()
    }
    with pytest.raises(PlanFileError, match="did you mean 'reviews'"):
        area_routes(plan_file, "review", analysis_hash(monolith))
    with pytest.raises(PlanFileError, match="another analysis"):
        area_routes(plan_file, "reviews", "sha256:other")


def test_a_plan_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{\n  "services": [,]\n}\n')
    with pytest.raises(PlanFileError, match=r"plan\.json:2: not JSON"):
        area_routes(bad, "reviews", "sha256:x")


def test_the_same_source_gives_the_same_plan_in_other_processes(tmp_path: Path) -> None:
    """Set and dict order differ between processes (hash seeds): the plan must not."""
    plans = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "strangler_cli", "plan", str(ROOT / "legacy_monolith"),
             "--format", "json"],
            capture_output=True, check=True, cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed, "XDG_CACHE_HOME": str(tmp_path / seed)},
        )  # fmt: skip
        plans.append(json.loads(done.stdout))
    assert plans[0] == plans[1]
    assert len(plans[0]["services"]) >= 10
