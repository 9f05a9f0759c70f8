"""Uses inside `if <parameter>:` branches (`analyzer.database.param_guards`), moved from the
function to the calls that pass that parameter: a parameter defaulting to a falsy constant
(None, False, 0, "", an empty list) and left out of a call is falsy in that call, so the branch
does not run for it (`create(name, users=None)` with `if users: role.users = users`, called
with and without `users`). A function no resolved call reaches keeps its uses.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from analyzer.facts.database import FunctionDbFacts, ParamGuard
from analyzer.facts.python import CallFact, FunctionFact
from analyzer.facts.values import SPREAD_KEYWORDS, Lit, Seq, Spread, Value
from analyzer.resolution.calls import callable_function
from analyzer.resolution.resolve import Ctx, Resolver
from analyzer.resolution.results import FunctionKey, TableUse


def move_guarded_uses(
    resolver: Resolver,
    functions: dict[FunctionKey, FunctionDbFacts],
    uses: dict[FunctionKey, tuple[TableUse, ...]],
) -> dict[FunctionKey, tuple[TableUse, ...]]:
    """`uses` with each guarded use moved to the calls that pass its parameter."""
    guards = {
        key: optional
        for key, facts in functions.items()
        if key in uses and (optional := _falsy_by_default(resolver, key, facts.param_guards))
    }
    if not guards:
        return uses
    moved: dict[FunctionKey, list[TableUse]] = defaultdict(list)
    kept = dict(uses)
    for callee, sites in _call_sites(resolver, set(guards)).items():
        fact = resolver.functions[callee]
        inside = [u for u in uses[callee] if _guard_of(u, guards[callee]) is not None]
        if not inside:
            continue
        kept[callee] = tuple(u for u in uses[callee] if u not in inside)
        for caller, call in sites:
            path = resolver.files[caller[0]].path
            for use in inside:
                guard = _guard_of(use, guards[callee])
                if guard is not None and _passes(fact, call, guard.parameter):
                    moved[caller].append(
                        dataclasses.replace(use, function=caller, file=path, line=call.line)
                    )
    for caller, found in moved.items():
        kept[caller] = tuple(dict.fromkeys((*kept.get(caller, ()), *found)))
    return kept


def _falsy_by_default(
    resolver: Resolver, key: FunctionKey, guards: tuple[ParamGuard, ...]
) -> tuple[ParamGuard, ...]:
    """The guards whose parameter defaults to a falsy constant."""
    fact = resolver.functions.get(key)
    if fact is None:
        return ()
    defaults = {p.name: p.default for p in fact.params}
    return tuple(
        guard
        for guard in guards
        if (default := defaults.get(guard.parameter)) is not None and _falsy(default)
    )


def _guard_of(use: TableUse, guards: tuple[ParamGuard, ...]) -> ParamGuard | None:
    return next((g for g in guards if g.first <= use.line <= g.last), None)


def _call_sites(
    resolver: Resolver, callees: set[FunctionKey]
) -> dict[FunctionKey, list[tuple[FunctionKey, CallFact]]]:
    """The resolved calls of each of `callees`, by caller."""
    names = {key[1].rsplit(".", 1)[-1] for key in callees}
    found: dict[FunctionKey, list[tuple[FunctionKey, CallFact]]] = defaultdict(list)
    for caller, call in resolver.calls_named(names):
        target = callable_function(resolver, resolver.called(call, Ctx(*caller)))
        if target in callees:
            found[target].append((caller, call))
    return found


def _passes(fact: FunctionFact, call: CallFact, parameter: str) -> bool:
    """Whether the call may give `parameter` a value other than a falsy constant."""
    given = dict(call.kwargs)
    if parameter in given:
        return not _falsy(given[parameter])
    if SPREAD_KEYWORDS in given or any(isinstance(arg, Spread) for arg in call.args):
        return True
    positional = [p.name for p in fact.params if p.kind == "positional"]
    index = positional.index(parameter) if parameter in positional else len(call.args)
    return index < len(call.args) and not _falsy(call.args[index])


def _falsy(value: Value) -> bool:
    """A falsy constant: None, False, 0, "", an empty list/tuple/set display."""
    return (isinstance(value, Lit) and not value.value) or (
        isinstance(value, Seq) and not value.items
    )
