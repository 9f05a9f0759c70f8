"""Cutting the plan graph into candidate services: the one module that uses networkx.

Two steps, both deterministic (nodes fed in sorted order, Louvain's fixed seed), so the
same graph always gives the same cut: Louvain at a fine resolution (`FINE_RESOLUTION`)
coarsens the graph once into tight units, near-linear in its size; Clauset-Newman-Moore
greedy modularity then merges those units, on their quotient graph (the weight inside a
unit kept as its self-loop, so every merge scores as it would on the nodes). Greedy
merging alone was quadratic in practice: a 10k-node graph took a minute per
resolution. Granularity: without a number
of services, the cut is made at each resolution of `RESOLUTIONS` and the one with the
highest structural modularity (SM, `planner.metrics`) wins, the lowest resolution on a
tie: SM falls both for one big blob and for crumbs. With a number of services, merging
goes on (or stops early) until that many groups remain, when the graph's connected
parts allow it. Nodes no route reaches are not clustered: they stay with the monolith.

Constraints (`planner.constraints`) are honoured exactly: the nodes pinned to a service
are one node while the cut is made, and a group that still holds two services' pins or
things kept apart is split; everything else is cut by the same rule as without them.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import combinations

import networkx as nx
from networkx.algorithms.community import greedy_modularity_communities, louvain_communities

from planner.metrics import structural_modularity
from planner.model import Constraints, NodeId, PlanGraph

RESOLUTIONS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
SERVICES_RESOLUTION = 2.0  # with --services N: finer than Q's optimum, merged down to N
FINE_RESOLUTION = 20.0  # units far finer than any cut tried: the greedy step still decides
LOUVAIN_SEED = 0

Groups = tuple[frozenset[NodeId], ...]


def cluster(
    graph: PlanGraph, services: int | None = None, constraints: Constraints | None = None
) -> tuple[Groups, float]:
    """The groups of the nodes connected to some route or pinned (ordered by their smallest
    node), and the resolution used.

    With constraints, the cut is made at the resolution chosen without them; the nodes
    pinned to one service are one node while it is made; then a group holding two
    services' pins, or things kept apart, is split around them (each other node follows
    its strongest link, `_Rules.split`); with `services`, the closest compatible groups
    are merged back down to that many."""
    rules = _Rules.of(constraints)
    nx_graph = _contracted(_route_part(graph, set(rules.service_of)), rules.service_of)
    if nx_graph.number_of_nodes() == 0:
        return (), 1.0
    if services is not None:
        coarse = _Coarse(nx_graph, at_least=services)
        count = min(services, coarse.graph.number_of_nodes())
        groups = _cut(coarse, rules, graph, SERVICES_RESOLUTION, count)
        return _merged(groups, count, rules, graph), SERVICES_RESOLUTION
    free = _Rules.of(None)
    free_graph = _Coarse(_route_part(graph, set()))
    cuts = []
    for resolution in RESOLUTIONS:
        groups = _cut(free_graph, free, graph, resolution)
        partition = {node: str(i) for i, group in enumerate(groups) for node in group}
        cuts.append((structural_modularity(partition, graph.edges), -resolution, groups))
    _, negative_resolution, groups = max(cuts, key=lambda cut: cut[:2])
    if constraints is None:
        return groups, -negative_resolution
    return _cut(_Coarse(nx_graph), rules, graph, -negative_resolution), -negative_resolution


class _Coarse:
    """`nx_graph` cut once by Louvain into units (at least `at_least` of them when it has
    that many nodes), and the quotient graph of those units, each named by its smallest
    node, the weight inside it kept as a self-loop."""

    def __init__(self, nx_graph: nx.Graph, at_least: int = 1) -> None:
        wanted = min(at_least, nx_graph.number_of_nodes())
        resolution = FINE_RESOLUTION
        units = _louvain(nx_graph, resolution)
        while len(units) < wanted:
            resolution *= 2
            units = _louvain(nx_graph, resolution)
        self.members = {min(unit): unit for unit in units}
        unit_of = {node: name for name, unit in self.members.items() for node in unit}
        weights: dict[tuple[NodeId, NodeId], float] = defaultdict(float)
        for a, b, weight in nx_graph.edges(data="weight"):
            pair = sorted((unit_of[a], unit_of[b]))
            weights[pair[0], pair[1]] += weight
        self.graph = nx.Graph()
        self.graph.add_nodes_from(sorted(self.members))
        self.graph.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()))


def _louvain(nx_graph: nx.Graph, resolution: float) -> list[frozenset[NodeId]]:
    found = louvain_communities(nx_graph, weight="weight", resolution=resolution, seed=LOUVAIN_SEED)
    return [frozenset(unit) for unit in found]


def _cut(
    coarse: _Coarse, rules: _Rules, graph: PlanGraph, resolution: float, count: int | None = None
) -> Groups:
    """Greedy modularity on the units of `coarse` (into `count` groups when given), its
    pinned nodes expanded and its groups split where the rules say."""
    units = greedy_modularity_communities(
        coarse.graph, weight="weight", resolution=resolution, cutoff=count or 1, best_n=count
    )
    members = rules.members
    groups = (
        frozenset(n for u in group for node in coarse.members[u] for n in members.get(node, {node}))
        for group in units
    )
    return _ordered([part for group in groups for part in rules.split(group, graph.edges)])


def _ordered(groups: list[frozenset[NodeId]] | list[set[NodeId]]) -> Groups:
    return tuple(sorted((frozenset(group) for group in groups), key=min))


def _route_part(graph: PlanGraph, pinned: set[NodeId]) -> nx.Graph:
    """The nodes some route reaches, and the pinned ones (they go where they are pinned)."""
    everything = nx.Graph()
    everything.add_nodes_from(graph.nodes)
    everything.add_edges_from(graph.edges)
    reached: set[NodeId] = set(pinned)
    for node in graph.nodes:
        if node.startswith("route:") and node not in reached:
            reached |= nx.node_connected_component(everything, node)
    part = nx.Graph()
    part.add_nodes_from(node for node in graph.nodes if node in reached)
    part.add_weighted_edges_from(
        (a, b, weight) for (a, b), weight in graph.edges.items() if a in reached and b in reached
    )
    return part


def _contracted(part: nx.Graph, service_of: dict[NodeId, str]) -> nx.Graph:
    """`part` with the nodes pinned to one service made one node, `pinned:<service>`
    (their own links kept as its self-loop, so its weight in the modularity stays)."""
    if not service_of:
        return part
    unit = {node: f"pinned:{service_of[node]}" if node in service_of else node for node in part}
    weights: dict[tuple[NodeId, NodeId], float] = defaultdict(float)
    for a, b, weight in part.edges(data="weight"):
        weights[min(unit[a], unit[b]), max(unit[a], unit[b])] += weight
    contracted = nx.Graph()
    contracted.add_nodes_from(sorted(set(unit.values())))
    contracted.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()))
    return contracted


@dataclass(frozen=True)
class _Rules:
    """The constraints as the cut needs them: which service a node is pinned to, and the
    pairs of nodes that must not share a group."""

    service_of: dict[NodeId, str]
    apart: tuple[tuple[NodeId, NodeId], ...]

    @classmethod
    def of(cls, constraints: Constraints | None) -> _Rules:
        if constraints is None:
            return cls({}, ())
        pairs = {pair for rule in constraints.apart for pair in combinations(rule.nodes, 2)}
        return cls(constraints.service_of(), tuple(sorted(pairs)))

    @property
    def members(self) -> dict[NodeId, set[NodeId]]:
        """`pinned:<service>` -> the nodes pinned to it."""
        members: dict[NodeId, set[NodeId]] = defaultdict(set)
        for node, service in self.service_of.items():
            members[f"pinned:{service}"].add(node)
        return members

    def compatible(self, one: AbstractSet[NodeId], other: AbstractSet[NodeId]) -> bool:
        """Whether one group may hold both: no two services' pins, no pair kept apart."""
        services = [{self.service_of[n] for n in g if n in self.service_of} for g in (one, other)]
        if services[0] and services[1] and services[0] != services[1]:
            return False
        return not any(
            (a in one and b in other) or (b in one and a in other) for a, b in self.apart
        )

    def split(
        self, group: frozenset[NodeId], edges: dict[tuple[NodeId, NodeId], float]
    ) -> list[frozenset[NodeId]]:
        """`group` as is, or, when it holds what may not go together, cut into as few parts
        as the constraints allow (seeds: each service's pins, each thing kept apart from
        another here), every other node following its strongest link."""
        seeds: dict[str, set[NodeId]] = defaultdict(set)
        for node in self.service_of.keys() & group:
            seeds[f"pinned:{self.service_of[node]}"].add(node)
        for pair in self.apart:
            if set(pair) <= group:
                for node in set(pair) - self.service_of.keys():
                    seeds[node].add(node)
        parts: list[set[NodeId]] = []
        for seed in sorted(seeds.values(), key=min):
            fits = next((part for part in parts if self.compatible(part, seed)), None)
            if fits is None:
                parts.append(set(seed))
            else:
                fits |= seed
        return [group] if len(parts) < 2 else _grown(parts, group, edges)


def _grown(
    parts: list[set[NodeId]], group: frozenset[NodeId], edges: dict[tuple[NodeId, NodeId], float]
) -> list[frozenset[NodeId]]:
    """`group` shared out among `parts`: the node most strongly linked to a part joins it
    first (ties: the smaller node id, then the earlier part), until none is left."""
    links: dict[NodeId, list[tuple[NodeId, float]]] = defaultdict(list)
    for (a, b), weight in edges.items():
        if a in group and b in group:
            links[a].append((b, weight))
            links[b].append((a, weight))
    part_of = {node: index for index, part in enumerate(parts) for node in part}
    pull: dict[tuple[NodeId, int], float] = defaultdict(float)
    waiting: list[tuple[float, NodeId, int]] = []

    def reach_from(node: NodeId) -> None:
        for other, weight in links[node]:
            if other not in part_of:
                pull[other, part_of[node]] += weight
                heapq.heappush(waiting, (-pull[other, part_of[node]], other, part_of[node]))

    for node in sorted(part_of):
        reach_from(node)
    while waiting:
        negative_pull, node, index = heapq.heappop(waiting)
        if node not in part_of and -negative_pull == pull[node, index]:
            part_of[node] = index
            reach_from(node)
    for node in group - part_of.keys():  # linked to no part inside the group
        part_of[node] = 0
    return [frozenset(n for n in group if part_of[n] == index) for index in range(len(parts))]


def _merged(groups: Groups, count: int, rules: _Rules, graph: PlanGraph) -> Groups:
    """`groups`, the pair of compatible groups with the most weight between them merged,
    until `count` remain or no compatible pair is linked."""
    merged = list(groups)
    while len(merged) > count:
        index = {node: i for i, group in enumerate(merged) for node in group}
        between: dict[tuple[int, int], float] = defaultdict(float)
        for (a, b), weight in graph.edges.items():
            i, j = index.get(a), index.get(b)
            if i is not None and j is not None and i != j:
                between[min(i, j), max(i, j)] += weight
        linked = [
            (weight, -i, -j)
            for (i, j), weight in between.items()
            if rules.compatible(merged[i], merged[j])
        ]
        if not linked:
            break
        _, negative_i, negative_j = max(linked)
        merged[-negative_i] |= merged[-negative_j]
        del merged[-negative_j]
    return _ordered(merged)
