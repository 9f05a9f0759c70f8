"""Each metric on a four-entity graph, worked out by hand.

Groups X = {a, b}, Y = {c, d}; edges a-b (1), c-d (1), b-c (2)."""

from __future__ import annotations

import pytest

from planner import metrics

PARTITION = {"a": "X", "b": "X", "c": "Y", "d": "Y"}
EDGES = {("a", "b"): 1.0, ("c", "d"): 1.0, ("b", "c"): 2.0}
CALLS = {("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")}


def test_structural_modularity() -> None:
    # cohesion X = 1 edge / 2^2 = 0.25, Y = 0.25, mean 0.25;
    # coupling X-Y = 1 edge / (2 * 2 * 2) = 0.125, one pair; SM = 0.25 - 0.125
    assert metrics.structural_modularity(PARTITION, EDGES) == pytest.approx(0.125)


def test_structural_modularity_of_one_group_has_no_coupling_term() -> None:
    # 3 edges / 4^2 = 0.1875
    assert metrics.structural_modularity(dict.fromkeys("abcd", "X"), EDGES) == 0.1875


def test_cohesion_and_coupling_per_group() -> None:
    assert metrics.group_cohesion_and_coupling(PARTITION, EDGES) == {
        "X": (0.25, 0.125),
        "Y": (0.25, 0.125),
    }


def test_newman_modularity() -> None:
    # m = 4; L_X = L_Y = 1; d_X = a 1 + b 3 = 4, d_Y = 4
    # Q = 2 * (1/4 - (4/8)^2) = 0
    assert metrics.newman_modularity(PARTITION, EDGES) == pytest.approx(0.0)
    # without the b-c bridge: m = 2, Q = 2 * (1/2 - (2/4)^2) = 0.5
    bridged_off = {("a", "b"): 1.0, ("c", "d"): 1.0}
    assert metrics.newman_modularity(PARTITION, bridged_off) == pytest.approx(0.5)


def test_inter_call_percentage() -> None:
    # b->c and d->a cross, of 4 calls
    assert metrics.inter_call_percentage(PARTITION, CALLS) == 0.5


def test_interface_number() -> None:
    # Y is called at c (from b), X at a (from d): (1 + 1) / 2 groups
    assert metrics.interface_number(PARTITION, CALLS) == 1.0
    assert metrics.interface_number(PARTITION, {("a", "b")}) == 0.0


def test_non_extreme_distribution() -> None:
    # Y holds 1 route (< 2): 1 of 3 routes sits in an extreme service
    assert metrics.non_extreme_distribution({"r1": "X", "r2": "X", "r3": "Y"}) == pytest.approx(
        1 / 3
    )
    # X holds 3 routes (> largest 2): all 3 are in an extreme one
    assert metrics.non_extreme_distribution({"r1": "X", "r2": "X", "r3": "X"}, largest=2) == 1.0


def test_transaction_purity() -> None:
    # r1 (X) writes t1 (X): pure; r2 (Y) writes t1 (X): not; r3 writes nothing: not counted
    routes = {"r1": "X", "r2": "Y", "r3": "X"}
    tables = {"t1": "X", "t2": "Y"}
    writes = {"r1": ("t1",), "r2": ("t1",), "r3": ()}
    assert metrics.transaction_purity(routes, tables, writes) == 0.5
