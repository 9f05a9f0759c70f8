"""The groups of a directed graph's nodes that reach each other (Tarjan's algorithm), for every
part that orders things by what they depend on: the analyzer's import cycles, the backfill's
tables referencing each other.

Without recursion, so a long chain (thousands of modules importing the next) cannot overflow
the stack; it visits nodes and edges in the same order the recursive form does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


def strongly_connected(
    nodes: Iterable[str], successors: Mapping[str, Iterable[str]]
) -> list[list[str]]:
    """Every group, a node alone included, in the order Tarjan's walk completes them (from
    each of `nodes` in turn, each node's successors in their order); a group's members in the
    order the walk takes them off its stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[str, Iterator[str]]] = [(root, iter(successors.get(root, ())))]
        while work:
            node, pending = work[-1]
            for successor in pending:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(successors.get(successor, ()))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:  # every successor seen: `node` is done
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups
