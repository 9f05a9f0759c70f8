"""The migration order (pure): services that own their tables outright and that few
others depend on move first; services whose writes conflict move after them, once a
single writer has been chosen for the shared tables.

A service depends on another when it reads a table the other owns. Each wave takes, of
the services left (the conflict-free ones while there are any), those with the fewest
dependents among the services still in the monolith. Per wave: the routes that move;
the tables to sync to the service (everything its routes use that no moved service
owns, and what it now owns); the tables to sync back to the monolith (what the wave now
owns that routes still in the monolith read).
"""

from __future__ import annotations

from analyzer.resolution.results import Analysis
from planner.model import Candidate, Wave
from planner.weights import planned_routes


def plan_waves(candidates: tuple[Candidate, ...], analysis: Analysis) -> tuple[Wave, ...]:
    by_name = {c.name: c for c in candidates}
    usage = _tables_used(analysis)
    remaining = sorted(by_name)
    moved: set[str] = set()
    waves = []
    while remaining:
        clean = [n for n in remaining if not by_name[n].conflicts]
        pool = clean or remaining
        dependents = {n: _dependents(by_name[n], remaining, by_name) for n in pool}
        fewest = min(dependents.values())
        wave_names = [n for n in pool if dependents[n] == fewest]
        remaining = [n for n in remaining if n not in wave_names]
        moved |= set(wave_names)
        waves.append(_wave([by_name[n] for n in wave_names], moved, by_name, usage))
    return tuple(waves)


def _dependents(candidate: Candidate, remaining: list[str], by_name: dict[str, Candidate]) -> int:
    return sum(
        bool(set(candidate.owns) & set(by_name[other].reads_from_others))
        for other in remaining
        if other != candidate.name
    )


def _wave(
    wave: list[Candidate],
    moved: set[str],
    by_name: dict[str, Candidate],
    usage: dict[str, set[str]],
) -> Wave:
    owned_by_moved = {t for name in moved for t in by_name[name].owns}
    used = {t for c in wave for r in c.routes for t in usage.get(r, set())}
    owned_now = {t for c in wave for t in c.owns}
    still_in_monolith = [r for name, c in by_name.items() if name not in moved for r in c.routes]
    read_by_monolith = {t for r in still_in_monolith for t in usage.get(r, set())}
    return Wave(
        services=tuple(c.name for c in wave),
        routes=tuple(sorted(r for c in wave for r in c.routes)),
        sync_to_service=tuple(sorted(used - owned_by_moved | owned_now)),
        sync_to_monolith=tuple(sorted(owned_now & read_by_monolith)),
    )


def _tables_used(analysis: Analysis) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for route in planned_routes(analysis):
        access = analysis.route_access.get((route.app, route.rule, route.endpoint))
        if access is not None:
            used[route.endpoint] = set(access.reads) | set(access.writes)
    return used
