"""evaluation/scoring.py: route precision, recall, missed, extra and near misses, worked by hand."""

from __future__ import annotations

from evaluation_modules import evaluation_module

scoring = evaluation_module("scoring")

INDEX = ("/", "index", ("GET",))
ITEM = ("/items/<int:item_id>", "items.get_item", ("GET",))
CREATE = ("/items", "items.create_item", ("POST",))
STATIC = ("/static/<path:filename>", "static", ("GET",))
ITEM_WRONG_ENDPOINT = ("/items/<int:item_id>", "get_item", ("GET",))
EXTRA = ("/debug", "debug", ("GET",))


def test_route_key_sorts_upper_cases_and_drops_head_and_options() -> None:
    key = scoring.route_key("/x", "area.x", ["post", "HEAD", "GET", "OPTIONS"])
    assert key == ("/x", "area.x", ("GET", "POST"))


def test_precision_and_recall_count_only_exact_keys() -> None:
    score = scoring.score_routes(
        truth=[INDEX, ITEM, CREATE, STATIC],
        found=[INDEX, ITEM_WRONG_ENDPOINT, CREATE, EXTRA],
    )
    # matched: INDEX and CREATE -> 2 of 4 reported, 2 of 4 real
    assert (score.truth_count, score.found_count, score.matched) == (4, 4, 2)
    assert score.precision == 0.5
    assert score.recall == 0.5
    assert score.missed == (ITEM, STATIC)
    assert score.extra == (EXTRA, ITEM_WRONG_ENDPOINT)


def test_a_right_rule_under_a_wrong_endpoint_is_a_near_miss() -> None:
    score = scoring.score_routes(truth=[ITEM, STATIC], found=[ITEM_WRONG_ENDPOINT, EXTRA])
    assert score.near_misses == ((ITEM, ITEM_WRONG_ENDPOINT),)


def test_different_methods_make_a_miss_an_extra_and_a_near_miss() -> None:
    real = ("/x", "x", ("GET", "POST"))
    reported = ("/x", "x", ("GET",))
    score = scoring.score_routes(truth=[real], found=[reported])
    assert (score.matched, score.missed, score.extra) == (0, (real,), (reported,))
    assert score.near_misses == ((real, reported),)
    assert score.precision == 0.0


def test_one_rule_added_per_method_counts_as_one_route_with_both_methods() -> None:
    # Flask's url_map holds two rules for `add_url_rule("/x", "x", f, methods=["GET"])` then
    # `methods=["POST"]`; the analyzer reports one route per (rule, endpoint)
    truth = [("/x", "x", ("GET",)), ("/x", "x", ("POST",)), INDEX]
    score = scoring.score_routes(truth=truth, found=[("/x", "x", ("GET", "POST")), INDEX])
    assert (score.truth_count, score.found_count, score.matched) == (2, 2, 2)
    assert score.missed == ()


def test_duplicate_routes_count_once() -> None:
    score = scoring.score_routes(truth=[INDEX, INDEX, ITEM], found=[INDEX, INDEX])
    # 1 of 1 distinct reported route is real, 1 of 2 distinct real routes was reported
    assert (score.truth_count, score.found_count, score.matched) == (2, 1, 1)
    assert score.precision == 1.0
    assert score.recall == 0.5


def test_nothing_reported_has_no_precision_and_zero_recall() -> None:
    score = scoring.score_routes(truth=[INDEX, ITEM], found=[])
    assert score.precision is None
    assert score.recall == 0.0
    assert score.missed == (INDEX, ITEM)
