"""A class's members by name, for the lookups name resolution makes along every MRO.

`Resolver.class_member` runs tens of thousands of times on a large app, each time along a
class's bases: a lookup per class there, not a scan of its fact's tuples. The first binding
of a name wins, as that scan took the first one found.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.facts.python import ClassFact
from analyzer.facts.values import Value


@dataclass(frozen=True, slots=True)
class ClassMembers:
    methods: frozenset[str]
    class_attrs: dict[str, Value]
    instance_attrs: dict[str, Value]
    dynamic: bool  # defines `__getattr__`: any attribute may exist

    @classmethod
    def of(cls, fact: ClassFact) -> ClassMembers:
        return cls(
            frozenset(fact.methods),
            _first_bindings(fact.class_attrs),
            _first_bindings(fact.instance_attrs),
            "__getattr__" in fact.methods,
        )


def _first_bindings(pairs: tuple[tuple[str, Value], ...]) -> dict[str, Value]:
    found: dict[str, Value] = {}
    for name, value in pairs:
        found.setdefault(name, value)
    return found
