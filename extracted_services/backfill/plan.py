"""In what order, and how, the generic backfill copies a service's tables (pure: no database).

Tables are copied parents first along their foreign keys. Tables that reference each
other in a cycle (a self-reference included) cannot be ordered; they are copied with
the target's foreign-key checks off and the constraints are checked again at the end.
A table whose target has a primary key is upserted by it, batch by batch (so a re-run
completes a copy that crashed); one without is replaced whole in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from strangler.strongly_connected import strongly_connected

WriteMode = Literal["upsert", "replace"]


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key between two of the service's tables, named as in the target."""

    table: str
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    name: str | None = None
    ondelete: str | None = None
    onupdate: str | None = None
    deferrable: bool | None = None
    initially: str | None = None

    def same_link(self, other: ForeignKey) -> bool:
        """Whether `other` ties the same columns to the same columns (names aside)."""
        return (self.table, self.columns, self.referred_table, self.referred_columns) == (
            other.table,
            other.columns,
            other.referred_table,
            other.referred_columns,
        )


@dataclass(frozen=True)
class TableFacts:
    """One table to copy: its source and target names, copied columns, target key."""

    source: str
    target: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the target's primary key; empty when it has none

    @property
    def mode(self) -> WriteMode:
        usable = bool(self.key) and all(column in self.columns for column in self.key)
        return "upsert" if usable else "replace"


@dataclass(frozen=True)
class CopyStep:
    table: TableFacts
    in_cycle: bool


@dataclass(frozen=True)
class CopyPlan:
    steps: tuple[CopyStep, ...]  # parents before children
    cycles: tuple[tuple[str, ...], ...]  # target names of tables referencing each other

    @property
    def tables(self) -> tuple[TableFacts, ...]:
        return tuple(step.table for step in self.steps)


def plan_copy(tables: Sequence[TableFacts], foreign_keys: Sequence[ForeignKey]) -> CopyPlan:
    """Order `tables` (given in manifest order) parents first; find the cycles."""
    names = [table.target for table in tables]
    parents: dict[str, set[str]] = {name: set() for name in names}
    for key in foreign_keys:
        if key.table in parents and key.referred_table in parents:
            parents[key.table].add(key.referred_table)
    # each table's parents in manifest order, so the components come out in a stable order
    components = strongly_connected(
        names, {name: sorted(parents[name], key=names.index) for name in names}
    )
    cyclic = [
        component
        for component in components
        if len(component) > 1 or component[0] in parents[component[0]]
    ]
    in_cycle = {name for component in cyclic for name in component}
    by_name = {table.target: table for table in tables}
    order = _parents_first(components, parents, names)
    return CopyPlan(
        steps=tuple(CopyStep(by_name[name], name in in_cycle) for name in order),
        cycles=tuple(tuple(sorted(component, key=names.index)) for component in cyclic),
    )


def _parents_first(
    components: list[list[str]], parents: dict[str, set[str]], names: list[str]
) -> list[str]:
    """Components in dependency order, each a block; ties in manifest order."""
    component_of = {name: number for number, members in enumerate(components) for name in members}
    waiting = {
        number: {component_of[p] for name in members for p in parents[name]} - {number}
        for number, members in enumerate(components)
    }
    order: list[str] = []
    done: set[int] = set()
    while len(done) < len(components):
        ready = [
            number for number, needs in waiting.items() if number not in done and needs <= done
        ]
        first = min(ready, key=lambda number: min(names.index(n) for n in components[number]))
        done.add(first)
        order.extend(sorted(components[first], key=names.index))
    return order
