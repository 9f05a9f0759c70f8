"""Route precision and recall of one analyzer report against one app's real `url_map`.

Pure: lists in, a `RouteScore` out, no files. A route is the key (rule, endpoint, methods):
`rule` as `app.url_map` prints it (prefixes applied, converters kept), the Flask endpoint name,
and the sorted methods without HEAD and OPTIONS (Flask adds those to every rule, the analyzer
leaves them out). All three must agree for a route to count as found: a right rule under a
wrong endpoint would send the proxy's traffic to the wrong service, so it is both a miss and
an extra. Such pairs, a missed and an extra route with the same rule, are listed apart as
near misses, because they usually point at one naming bug rather than two.

Both sides are compared as sets: a rule Flask holds twice (the same blueprint registered
twice under one name) counts once. Flask keeps one rule per `add_url_rule` call, so a rule
added twice for one endpoint with other methods (`GET` once, `POST` once) is two rules in
`url_map`; the analyzer's contract is one route per (rule, endpoint) with the methods merged,
so both sides are merged that way first (as the fixture apps' url_map test does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evaluation.match_counts import MatchCounts

Route = tuple[str, str, tuple[str, ...]]  # (rule, endpoint, sorted methods)
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def route_key(rule: str, endpoint: str, methods: Iterable[str]) -> Route:
    """The comparison key: methods upper-cased, sorted, HEAD and OPTIONS dropped."""
    kept = {method.upper() for method in methods} - IGNORED_METHODS
    return rule, endpoint, tuple(sorted(kept))


@dataclass(frozen=True)
class RouteScore(MatchCounts):
    """How one analyzer report compares with one app's truth; the counts are of routes."""

    missed: tuple[Route, ...]  # in the truth, not reported (sorted)
    extra: tuple[Route, ...]  # reported, not in the truth (sorted)
    near_misses: tuple[tuple[Route, Route], ...]  # (missed, extra) sharing one rule


def merged(routes: Iterable[Route]) -> set[Route]:
    """One route per (rule, endpoint), its methods the union of those given for it."""
    methods: dict[tuple[str, str], set[str]] = {}
    for rule, endpoint, given in routes:
        methods.setdefault((rule, endpoint), set()).update(given)
    return {(rule, endpoint, tuple(sorted(m))) for (rule, endpoint), m in methods.items()}


def score_routes(truth: Iterable[Route], found: Iterable[Route]) -> RouteScore:
    """Compare the real routes with the reported ones (keys made by `route_key`), each side
    `merged` per (rule, endpoint)."""
    truth_set, found_set = merged(truth), merged(found)
    missed = tuple(sorted(truth_set - found_set))
    extra = tuple(sorted(found_set - truth_set))
    extra_by_rule: dict[str, list[Route]] = {}
    for route in extra:
        extra_by_rule.setdefault(route[0], []).append(route)
    near_misses = tuple(
        (missed_route, extra_route)
        for missed_route in missed
        for extra_route in extra_by_rule.get(missed_route[0], [])
    )
    return RouteScore(
        truth_count=len(truth_set),
        found_count=len(found_set),
        matched=len(truth_set & found_set),
        missed=missed,
        extra=extra,
        near_misses=near_misses,
    )
