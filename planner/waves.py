"""The migration order (pure), executable under the one-writer rule (docs/moving-writes.md):
every written table has one planned owner (`ownership.py`), and a service moves no
earlier than the owners of the tables its routes write without owning them, so its writes
to those tables already go to their owner when it moves, never to a table about to change
hands.

Each wave takes, of the services left that are ready (all those owners moved), the ones
without write conflicts while there are any, and of those the ones with the fewest
dependents among the services still in the monolith (a dependent reads or writes a table
the service owns). When none is ready (owners writing each other's tables), the smallest
set of services that must move together moves as one wave.

Per wave: the routes that move; `owns`, the tables its services become the one writer of;
the tables to sync to the service (everything its routes use that no moved service owns,
and what it now owns); the tables to sync back to the monolith (what it now owns that
anybody else still reads or writes: other services' routes, the monolith's, request
hooks); `redirect_writes`, the other routes and request hooks writing a table it now
owns, which must call the owner from this wave on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from analyzer.resolution.results import Access, Analysis
from planner.model import Candidate, RedirectWrite, TableOwner, Wave
from planner.ownership import hook_access, route_access


def plan_waves(
    candidates: tuple[Candidate, ...], analysis: Analysis, owners: tuple[TableOwner, ...]
) -> tuple[Wave, ...]:
    order = _Order(candidates, analysis, owners)
    remaining = sorted(order.by_name)
    moved: set[str] = set()
    waves = []
    while remaining:
        wave_names = order.next_wave(remaining)
        remaining = [n for n in remaining if n not in wave_names]
        moved |= set(wave_names)
        waves.append(order.wave(wave_names, moved))
    return tuple(waves)


@dataclass(frozen=True)
class _Code:
    """A route or a request hook, and the tables it reads and writes."""

    kind: str  # "route" or "hook"
    name: str  # endpoint or "module:function"
    service: str | None  # the candidate holding the route; None: the monolith keeps it
    access: Access


class _Order:
    """The services, the tables each uses and owns, and the owners each must follow."""

    def __init__(
        self, candidates: tuple[Candidate, ...], analysis: Analysis, owners: tuple[TableOwner, ...]
    ) -> None:
        self.by_name = {c.name: c for c in candidates}
        self._owner_of = {o.table: o.owner for o in owners if o.owner is not None}
        service_of = {endpoint: c.name for c in candidates for endpoint in c.routes}
        everything = [
            _Code("route", endpoint, service_of.get(endpoint), access)
            for endpoint, access in route_access(analysis).items()
        ] + [_Code("hook", hook, None, access) for hook, access in hook_access(analysis).items()]
        self._uses = {name: set[str]() for name in self.by_name}
        writes = {name: set[str]() for name in self.by_name}
        self._used_elsewhere: set[str] = set()  # by code that is not the table's owner's
        self._redirects: dict[str, list[RedirectWrite]] = defaultdict(list)
        for code in everything:
            if code.service is not None:
                self._uses[code.service] |= set(code.access.reads) | set(code.access.writes)
                writes[code.service] |= set(code.access.writes)
            for table in {*code.access.reads, *code.access.writes}:
                owner = self._owner_of.get(table)
                if owner is not None and code.service != owner:
                    self._used_elsewhere.add(table)
                    if table in code.access.writes:
                        self._redirects[table].append(
                            RedirectWrite(code.kind, code.name, table, owner)
                        )
        self._owned = {
            name: {t for t, owner in self._owner_of.items() if owner == name}
            for name in self.by_name
        }
        self._needs = {  # the owners that must move no later than the service
            name: {self._owner_of[t] for t in tables if self._owner_of.get(t, name) != name}
            for name, tables in writes.items()
        }

    def next_wave(self, remaining: list[str]) -> list[str]:
        units = {name: self._unit(name, set(remaining)) for name in remaining}
        ready = [name for name in remaining if units[name] == {name}]
        if not ready:
            smallest = min(remaining, key=lambda name: (len(units[name]), name))
            return sorted(units[smallest])
        pool = [name for name in ready if not self.by_name[name].conflicts] or ready
        dependents = {
            name: sum(
                bool(self._owned[name] & self._uses[other]) for other in remaining if other != name
            )
            for name in pool
        }
        fewest = min(dependents.values())
        return [name for name in pool if dependents[name] == fewest]

    def _unit(self, name: str, remaining: set[str]) -> set[str]:
        """`name` and, transitively, the owners still to move it needs to move with or after."""
        unit, todo = {name}, [name]
        while todo:
            for owner in self._needs[todo.pop()] & remaining - unit:
                unit.add(owner)
                todo.append(owner)
        return unit

    def wave(self, names: list[str], moved: set[str]) -> Wave:
        wave = [self.by_name[name] for name in names]
        owned_by_moved = {t for t, owner in self._owner_of.items() if owner in moved}
        owned_now = sorted(t for t, owner in self._owner_of.items() if owner in names)
        used = {t for name in names for t in self._uses[name]}
        return Wave(
            services=tuple(names),
            routes=tuple(sorted(r for c in wave for r in c.routes)),
            sync_to_service=tuple(sorted(used - owned_by_moved | set(owned_now))),
            sync_to_monolith=tuple(t for t in owned_now if t in self._used_elsewhere),
            owns=tuple(owned_now),
            redirect_writes=tuple(r for table in owned_now for r in self._redirects[table]),
        )
