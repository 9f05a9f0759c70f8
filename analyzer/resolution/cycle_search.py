"""Cycles in a directed graph of names, without networkx (importing it costs a cold run more
than the search itself, and its teardown at exit as much again).

A graph is an adjacency mapping: each node's successors in the order their edges were
added (as networkx's `DiGraph` keeps them). The example cycle of a group is the one
`networkx.find_cycle(graph.subgraph(group), source=min(group))` gives: the same depth-first
walk over edges, so reports stay the same whichever answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from strangler.strongly_connected import strongly_connected

Adjacency = Mapping[str, Iterable[str]]


def cyclic_groups(graph: Adjacency) -> list[set[str]]:
    """The groups of two nodes or more that reach each other."""
    return [set(group) for group in strongly_connected(graph, graph) if len(group) >= 2]


def first_cycle(graph: Adjacency, group: set[str]) -> tuple[str, ...]:
    """The cycle through `group` (strongly connected, two nodes or more) that a depth-first
    walk over its edges from its smallest node meets first, as the nodes it leaves from."""
    start = min(group)
    path: list[tuple[str, str]] = []  # the edges of the walk's active path
    active = {start}  # the nodes on it
    previous_head: str | None = None
    for tail, head in _edges_depth_first(graph, group, start):
        if previous_head is not None and tail != previous_head:
            # the walk backed up: drop the edges after the one that ends at `tail`
            while True:
                if not path:
                    active = {tail}
                    break
                active.remove(path.pop()[1])
                if path and path[-1][1] == tail:
                    break
        path.append((tail, head))
        if head in active:
            for position, (leaving, _) in enumerate(path):
                if leaving == head:
                    return tuple(edge[0] for edge in path[position:])
        active.add(head)
        previous_head = head
    raise ValueError(f"no cycle through {start}")  # not strongly connected


def _edges_depth_first(graph: Adjacency, group: set[str], start: str) -> Iterator[tuple[str, str]]:
    """Every edge inside `group` reachable from `start`, in networkx's `edge_dfs` order: each
    node's edges taken in turn, the walk going on from an edge's head at once."""
    pending: dict[str, Iterator[str]] = {}
    stack = [start]
    while stack:
        node = stack[-1]
        successors = pending.get(node)
        if successors is None:
            successors = pending[node] = (s for s in graph.get(node, ()) if s in group)
        successor = next(successors, None)
        if successor is None:
            stack.pop()
        else:
            stack.append(successor)
            yield node, successor
