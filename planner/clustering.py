"""Cutting the plan graph into candidate services: the one module that uses networkx.

Clauset-Newman-Moore greedy modularity: deterministic (no random seed), nodes fed in
sorted order, so the same graph always gives the same cut. Granularity: without a number
of services, the cut is made at each resolution of `RESOLUTIONS` and the one with the
highest structural modularity (SM, `planner.metrics`) wins, the lowest resolution on a
tie: SM falls both for one big blob and for crumbs. With a number of services, merging
goes on (or stops early) until that many groups remain, when the graph's connected
parts allow it. Nodes no route reaches are not clustered: they stay with the monolith.
"""

from __future__ import annotations

import networkx as nx
from networkx.algorithms.community import greedy_modularity_communities

from planner.metrics import structural_modularity
from planner.model import NodeId, PlanGraph

RESOLUTIONS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
SERVICES_RESOLUTION = 2.0  # with --services N: finer than Q's optimum, merged down to N

Groups = tuple[frozenset[NodeId], ...]


def cluster(graph: PlanGraph, services: int | None = None) -> tuple[Groups, float]:
    """The groups of the nodes connected to some route (ordered by their smallest node),
    and the resolution used."""
    nx_graph = _route_part(graph)
    if nx_graph.number_of_nodes() == 0:
        return (), 1.0
    if services is not None:
        count = min(services, nx_graph.number_of_nodes())
        groups = greedy_modularity_communities(
            nx_graph, weight="weight", resolution=SERVICES_RESOLUTION, cutoff=count, best_n=count
        )
        return _ordered(groups), SERVICES_RESOLUTION
    cuts = []
    for resolution in RESOLUTIONS:
        groups = _ordered(
            greedy_modularity_communities(nx_graph, weight="weight", resolution=resolution)
        )
        partition = {node: str(i) for i, group in enumerate(groups) for node in group}
        cuts.append((structural_modularity(partition, graph.edges), -resolution, groups))
    _, negative_resolution, groups = max(cuts, key=lambda cut: cut[:2])
    return groups, -negative_resolution


def _ordered(groups: list[frozenset[NodeId]] | list[set[NodeId]]) -> Groups:
    return tuple(sorted((frozenset(group) for group in groups), key=min))


def _route_part(graph: PlanGraph) -> nx.Graph:
    everything = nx.Graph()
    everything.add_nodes_from(graph.nodes)
    everything.add_edges_from(graph.edges)
    reached: set[NodeId] = set()
    for node in graph.nodes:
        if node.startswith("route:") and node not in reached:
            reached |= nx.node_connected_component(everything, node)
    part = nx.Graph()
    part.add_nodes_from(node for node in graph.nodes if node in reached)
    part.add_weighted_edges_from(
        (a, b, weight) for (a, b), weight in graph.edges.items() if a in reached
    )
    return part
