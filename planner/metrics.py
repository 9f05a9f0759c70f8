"""Quality measures of a partition (pure functions, each checked by hand in the tests).

A partition maps each entity to a group. `edges` are undirected (a, b) -> weight pairs;
`calls` are directed (caller, callee) pairs, counted once each. Entities missing from
the partition are outside every group and ignored.

- SM, structural modularity (Jin et al. 2019): mean over groups of cohesion
  mu_i / N_i^2 minus mean over group pairs of coupling sigma_ij / (2 N_i N_j), where
  mu_i counts edges inside group i, sigma_ij edges between i and j, N_i its entities
  (edges counted, not weighed). Higher is better; with one group the coupling term is 0.
- ICP, inter-call percentage: calls between groups / all calls. Lower is better.
- IFN, interface number: entities called from another group, averaged over groups.
- NED, non-extreme distribution (variant: sizes in routes): the share of routes in
  groups holding fewer than `smallest` or more than `largest` routes. Lower is better.
- Q, Newman modularity on the weighted edges: sum over groups of
  L_c / m - (d_c / 2m)^2 (L_c: weight inside c, d_c: weighted degree of c, m: all weight).
- Transaction purity: the share of writing routes whose written tables all sit in
  their own group (a request is one transaction; a pure one needs no distributed write).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import combinations

Partition = Mapping[str, str]  # entity -> group
Edges = Mapping[tuple[str, str], float]


def structural_modularity(partition: Partition, edges: Edges) -> float:
    sizes = Counter(partition.values())
    inside: Counter[str] = Counter()
    between: Counter[tuple[str, str]] = Counter()
    for a, b in edges:
        if a not in partition or b not in partition:
            continue
        group_a, group_b = partition[a], partition[b]
        if group_a == group_b:
            inside[group_a] += 1
        else:
            between[min(group_a, group_b), max(group_a, group_b)] += 1
    groups = sorted(sizes)
    if not groups:
        return 0.0
    cohesion = sum(inside[g] / sizes[g] ** 2 for g in groups) / len(groups)
    pairs = list(combinations(groups, 2))
    if not pairs:
        return cohesion
    coupling = sum(between[p] / (2 * sizes[p[0]] * sizes[p[1]]) for p in pairs) / len(pairs)
    return cohesion - coupling


def group_cohesion_and_coupling(
    partition: Partition, edges: Edges
) -> dict[str, tuple[float, float]]:
    """Per group: (mu_i / N_i^2, sum over other groups j of sigma_ij / (2 N_i N_j)), SM's parts."""
    sizes = Counter(partition.values())
    inside: Counter[str] = Counter()
    between: Counter[tuple[str, str]] = Counter()
    for a, b in edges:
        if a in partition and b in partition:
            group_a, group_b = partition[a], partition[b]
            if group_a == group_b:
                inside[group_a] += 1
            else:
                between[group_a, group_b] += 1
                between[group_b, group_a] += 1
    return {
        g: (
            inside[g] / sizes[g] ** 2,
            sum(
                n / (2 * sizes[g] * sizes[other])
                for (mine, other), n in between.items()
                if mine == g
            ),
        )
        for g in sorted(sizes)
    }


def inter_call_percentage(partition: Partition, calls: set[tuple[str, str]]) -> float:
    counted = [(a, b) for a, b in calls if a in partition and b in partition]
    if not counted:
        return 0.0
    return sum(partition[a] != partition[b] for a, b in counted) / len(counted)


def interface_number(partition: Partition, calls: set[tuple[str, str]]) -> float:
    interfaces: dict[str, set[str]] = defaultdict(set)
    for caller, callee in calls:
        if caller in partition and callee in partition and partition[caller] != partition[callee]:
            interfaces[partition[callee]].add(callee)
    groups = set(partition.values())
    return sum(len(interfaces[g]) for g in groups) / len(groups) if groups else 0.0


def non_extreme_distribution(
    route_groups: Partition, *, smallest: int = 2, largest: int = 20
) -> float:
    sizes = Counter(route_groups.values())
    if not sizes:
        return 0.0
    extreme = sum(n for n in sizes.values() if n < smallest or n > largest)
    return extreme / len(route_groups)


def newman_modularity(partition: Partition, edges: Edges) -> float:
    total = sum(w for (a, b), w in edges.items() if a in partition and b in partition)
    if total == 0:
        return 0.0
    inside: defaultdict[str, float] = defaultdict(float)
    degree: defaultdict[str, float] = defaultdict(float)
    for (a, b), weight in edges.items():
        if a in partition and b in partition:
            degree[partition[a]] += weight
            degree[partition[b]] += weight
            if partition[a] == partition[b]:
                inside[partition[a]] += weight
    return sum(inside[g] / total - (degree[g] / (2 * total)) ** 2 for g in degree)


def transaction_purity(
    route_groups: Partition, table_groups: Partition, writes: Mapping[str, tuple[str, ...]]
) -> float:
    writers = [route for route, tables in writes.items() if tables and route in route_groups]
    if not writers:
        return 1.0
    pure = sum(
        all(table_groups.get(t) == route_groups[route] for t in writes[route]) for route in writers
    )
    return pure / len(writers)
