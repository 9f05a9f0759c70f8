"""Per-route table access of one analyzer report against one app's hand-labelled truth.

Pure: mappings in, a `TableScore` out, no files. The unit is the pair (route, table, mode),
mode `read` or `write`: a route's `reads` and `writes` (the view and everything it calls, not
its hooks) are turned into such triples on both sides and compared as sets. Precision, recall
and F1 are micro-averaged over the triples of the app, so a route touching many tables weighs
more than one touching none.

Only the truth's routes count: a route the analyzer reports but the truth lacks, or names
differently, is the route score's business (scoring.py), so its tables are left out here; a
truth route the analyzer does not report has all its tables missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from evaluation.match_counts import MatchCounts

MODES = ("read", "write")
Route = tuple[str, str, tuple[str, ...]]  # (rule, endpoint, sorted methods), as scoring.py
Access = tuple[Route, str, str]  # (route key, table, mode)


@dataclass(frozen=True)
class RouteTables:
    """The tables one route reads and writes."""

    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, reads: Iterable[str], writes: Iterable[str]) -> RouteTables:
        return cls(frozenset(reads), frozenset(writes))

    def accesses(self, route: Route) -> set[Access]:
        return {(route, table, "read") for table in self.reads} | {
            (route, table, "write") for table in self.writes
        }


@dataclass(frozen=True)
class TableScore(MatchCounts):
    """How one report's table access compares with one app's truth; the counts are of
    (route, table, mode) triples: in the truth, reported for the truth's routes, both."""

    missed: tuple[Access, ...]  # in the truth, not reported (sorted)
    extra: tuple[Access, ...]  # reported, not in the truth (sorted)
    routes_exact: int  # truth routes whose reads and writes are both exactly right
    route_count: int

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall; None when either is undefined."""
        precision, recall = self.precision, self.recall
        if precision is None or recall is None:
            return None
        if precision + recall == 0:
            return 0.0
        return 2 * precision * recall / (precision + recall)

    def by_route(self) -> dict[Route, tuple[list[Access], list[Access]]]:
        """Missed and extra triples grouped by route, routes sorted."""
        grouped: dict[Route, tuple[list[Access], list[Access]]] = {}
        for access in self.missed:
            grouped.setdefault(access[0], ([], []))[0].append(access)
        for access in self.extra:
            grouped.setdefault(access[0], ([], []))[1].append(access)
        return dict(sorted(grouped.items()))


def score_table_access(
    truth: Mapping[Route, RouteTables], found: Mapping[Route, RouteTables]
) -> TableScore:
    """Compare each truth route's tables with what the report gives the same route."""
    truth_set: set[Access] = set()
    found_set: set[Access] = set()
    exact = 0
    for route, tables in truth.items():
        reported = found.get(route, RouteTables())
        truth_set |= tables.accesses(route)
        found_set |= reported.accesses(route)
        exact += reported == tables
    return TableScore(
        truth_count=len(truth_set),
        found_count=len(found_set),
        matched=len(truth_set & found_set),
        missed=tuple(sorted(truth_set - found_set)),
        extra=tuple(sorted(found_set - truth_set)),
        routes_exact=exact,
        route_count=len(truth),
    )
