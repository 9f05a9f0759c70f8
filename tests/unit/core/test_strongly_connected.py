"""The groups of nodes that reach each other: the ones networkx finds, in Tarjan's completion
order, and found without recursion (a chain longer than Python's recursion limit)."""

from __future__ import annotations

import random

import networkx as nx

from strangler.strongly_connected import strongly_connected


def test_the_groups_are_the_ones_networkx_finds() -> None:
    rng = random.Random(11)
    for _ in range(500):
        nodes = [f"n{number}" for number in range(rng.randint(1, 20))]
        successors = {node: rng.sample(nodes, rng.randint(0, min(4, len(nodes)))) for node in nodes}
        graph = nx.DiGraph()
        graph.add_nodes_from(nodes)
        graph.add_edges_from((node, s) for node, found in successors.items() for s in found)
        expected = {frozenset(group) for group in nx.strongly_connected_components(graph)}
        groups = strongly_connected(nodes, successors)
        assert {frozenset(group) for group in groups} == expected
        assert sorted(node for group in groups for node in group) == sorted(nodes)


def test_groups_come_out_as_the_walk_completes_them() -> None:
    # a -> b -> c -> b, a -> d: {b, c} completes first, then d, then a
    successors = {"a": ["b", "d"], "b": ["c"], "c": ["b"], "d": []}
    assert strongly_connected(["a", "b", "c", "d"], successors) == [["c", "b"], ["d"], ["a"]]


def test_a_chain_longer_than_the_recursion_limit() -> None:
    count = 20_000
    successors = {f"n{number}": [f"n{number + 1}"] for number in range(count - 1)}
    successors[f"n{count - 1}"] = ["n0"]
    (group,) = strongly_connected(successors, successors)
    assert len(group) == count
