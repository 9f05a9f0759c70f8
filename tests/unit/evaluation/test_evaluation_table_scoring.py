"""evaluation/table_scoring.py: (route, table, mode) precision, recall and F1, worked by hand."""

from __future__ import annotations

from evaluation_modules import evaluation_module

scoring = evaluation_module("table_scoring")
RouteTables = scoring.RouteTables

LIST = ("/bills", "bills.list", ("GET",))
ADD = ("/bills", "bills.add", ("POST",))
HEALTH = ("/health", "health", ("GET",))
DEBUG = ("/debug", "debug", ("GET",))


def test_pairs_are_counted_per_route_table_and_mode() -> None:
    truth = {
        LIST: RouteTables.of(["bill", "person"], []),
        ADD: RouteTables.of(["person"], ["bill", "bill_owers"]),
    }
    found = {
        LIST: RouteTables.of(["bill"], ["bill"]),  # person read missed, bill write extra
        ADD: RouteTables.of(["person"], ["bill"]),  # bill_owers write missed
    }
    score = scoring.score_table_access(truth, found)
    # truth: 2 + 3 = 5 triples; found: 2 + 2 = 4; matched: bill(r) LIST, person(r) + bill(w) ADD
    assert (score.truth_count, score.found_count, score.matched) == (5, 4, 3)
    assert score.precision == 0.75
    assert score.recall == 0.6
    assert abs(score.f1 - 2 * 0.75 * 0.6 / 1.35) < 1e-12
    assert score.missed == ((ADD, "bill_owers", "write"), (LIST, "person", "read"))
    assert score.extra == ((LIST, "bill", "write"),)
    assert (score.routes_exact, score.route_count) == (0, 2)


def test_a_read_is_not_a_write_of_the_same_table() -> None:
    score = scoring.score_table_access(
        {ADD: RouteTables.of([], ["bill"])}, {ADD: RouteTables.of(["bill"], [])}
    )
    assert (score.matched, score.missed, score.extra) == (
        0,
        ((ADD, "bill", "write"),),
        ((ADD, "bill", "read"),),
    )


def test_only_the_truth_routes_count_and_an_unreported_one_misses_all() -> None:
    truth = {LIST: RouteTables.of(["bill"], []), HEALTH: RouteTables()}
    found = {DEBUG: RouteTables.of(["secrets"], ["audit"])}  # not a truth route: ignored
    score = scoring.score_table_access(truth, found)
    assert (score.truth_count, score.found_count, score.matched) == (1, 0, 0)
    assert score.missed == ((LIST, "bill", "read"),)
    assert score.extra == ()
    # HEALTH touches nothing and nothing was reported for it: exact
    assert score.routes_exact == 1


def test_ratios_are_none_when_undefined_and_f1_zero_when_nothing_matches() -> None:
    empty = scoring.score_table_access({HEALTH: RouteTables()}, {HEALTH: RouteTables()})
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    disjoint = scoring.score_table_access(
        {LIST: RouteTables.of(["bill"], [])}, {LIST: RouteTables.of(["person"], [])}
    )
    assert (disjoint.precision, disjoint.recall, disjoint.f1) == (0.0, 0.0, 0.0)


def test_by_route_groups_misses_and_extras_under_their_route() -> None:
    score = scoring.score_table_access(
        {LIST: RouteTables.of(["bill", "person"], []), ADD: RouteTables.of([], ["bill"])},
        {LIST: RouteTables.of(["bill", "tag"], []), ADD: RouteTables.of([], ["bill"])},
    )
    assert score.by_route() == {
        LIST: ([(LIST, "person", "read")], [(LIST, "tag", "read")]),
    }
