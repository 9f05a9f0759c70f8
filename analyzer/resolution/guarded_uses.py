"""Uses inside `if <parameter>:` branches (`analyzer.database.param_guards`), moved from the
function to the calls that pass that parameter: a parameter defaulting to a falsy constant
(None, False, 0, "", an empty list) and left out of a call is falsy in that call, so the branch
does not run for it (`create(name, users=None)` with `if users: role.users = users`, called
with and without `users`); one with another default runs the branch unless the call passes a
falsy constant (zou's `emit(event, data, persist=True)` with `if persist: save_event(...)`,
called `persist=False`). The project functions a guarded branch calls move the same way: the
call graph's edge goes from the function to the callers that pass the parameter
(`move_guarded_calls`). Uses inside `if isinstance(<parameter>, Model):` (or a test of its
`__class__.__name__`) go only to the calls that may pass such an instance: not to one passing
an instance of another model (`can_view(equipment, ...)` skips the branch for workouts). A
function no resolved call reaches keeps its uses.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping

from analyzer.facts.database import FunctionDbFacts, ParamGuard
from analyzer.facts.python import CallFact, FunctionFact
from analyzer.facts.values import SPREAD_KEYWORDS, Lit, Seq, Spread, Value
from analyzer.resolution.calls import callable_function
from analyzer.resolution.related_models import RelatedModels
from analyzer.resolution.resolve import ClassEntity, Ctx, Resolver, written_name
from analyzer.resolution.results import FunctionKey, TableUse


def move_guarded_uses(
    resolver: Resolver,
    functions: dict[FunctionKey, FunctionDbFacts],
    uses: dict[FunctionKey, tuple[TableUse, ...]],
) -> dict[FunctionKey, tuple[TableUse, ...]]:
    """`uses` with each guarded use moved to the calls that pass its parameter."""
    guards = {
        key: movable
        for key, facts in functions.items()
        if key in uses and (movable := _movable(resolver, key, facts.param_guards))
    }
    if not guards:
        return uses
    classes = _ArgumentClasses(resolver, functions)
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
                if guard is None:
                    continue
                if guard.model is not None:
                    runs = classes.may_hold(caller, call, fact, guard.parameter, guard.model)
                else:
                    runs = _passes(fact, call, guard.parameter)
                if runs:
                    moved[caller].append(
                        dataclasses.replace(use, function=caller, file=path, line=call.line)
                    )
    for caller, found in moved.items():
        kept[caller] = tuple(dict.fromkeys((*kept.get(caller, ()), *found)))
    return kept


def move_guarded_calls(
    resolver: Resolver,
    functions: dict[FunctionKey, FunctionDbFacts],
    edges: Mapping[FunctionKey, tuple[FunctionKey, ...]],
) -> dict[FunctionKey, tuple[FunctionKey, ...]]:
    """`edges` with each call made only in a branch on a parameter with a default moved to
    the callers that pass that parameter (a function no resolved call reaches keeps it)."""
    moved = dict(edges)
    branching: dict[FunctionKey, dict[FunctionKey, list[ParamGuard]]] = {}
    for key, facts in functions.items():
        fact = resolver.functions.get(key)
        guards = _with_default(resolver, key, facts.param_guards)
        if fact is None or not guards or not edges.get(key):
            continue
        inside: dict[FunctionKey, list[ParamGuard]] = defaultdict(list)
        outside: set[FunctionKey] = set()
        for call in fact.calls:
            target = callable_function(resolver, resolver.called(call, Ctx(*key)))
            if target is None or target not in edges[key]:
                continue
            guard = next((g for g in guards if g.first <= call.line <= g.last), None)
            if guard is None:
                outside.add(target)
            else:
                inside[target].append(guard)
        if only_inside := {t: g for t, g in inside.items() if t not in outside}:
            branching[key] = only_inside
    callers: dict[FunctionKey, set[FunctionKey]] = defaultdict(set)
    for caller, callees in edges.items():
        for callee in callees:
            if callee in branching:
                callers[callee].add(caller)
    sites = _call_sites(resolver, set(branching))
    for callee, reached_from in callers.items():
        fact = resolver.functions[callee]
        moved[callee] = tuple(t for t in moved[callee] if t not in branching[callee])
        for caller in reached_from:
            calls = [call for site, call in sites.get(callee, ()) if site == caller]
            passed = [  # a caller whose call (or its arguments) is not known keeps them all
                target
                for target, guards in branching[callee].items()
                if not calls
                or any(_unknown_arguments(call) for call in calls)
                or any(_passes(fact, call, g.parameter) for call in calls for g in guards)
            ]
            moved[caller] = tuple(dict.fromkeys((*moved.get(caller, ()), *passed)))
    return moved


def _unknown_arguments(call: CallFact) -> bool:
    """A call inside an expression keeps no arguments (`return (f(a, x=1), 201)`)."""
    return not call.args and not call.kwargs


def _movable(
    resolver: Resolver, key: FunctionKey, guards: tuple[ParamGuard, ...]
) -> tuple[ParamGuard, ...]:
    """The guards whose uses move to calls: on a class, or a parameter with a default."""
    by_class = tuple(guard for guard in guards if guard.model is not None)
    return (*_with_default(resolver, key, guards), *by_class)


def _with_default(
    resolver: Resolver, key: FunctionKey, guards: tuple[ParamGuard, ...]
) -> tuple[ParamGuard, ...]:
    """The guards whose parameter has a default (a call may leave it out)."""
    fact = resolver.functions.get(key)
    if fact is None:
        return ()
    defaults = {p.name: p.default for p in fact.params}
    return tuple(
        guard
        for guard in guards
        if guard.model is None and defaults.get(guard.parameter) is not None
    )


def _guard_of(use: TableUse, guards: tuple[ParamGuard, ...]) -> ParamGuard | None:
    return next((g for g in guards if g.first <= use.line <= g.last), None)


def _call_sites(
    resolver: Resolver, callees: set[FunctionKey]
) -> dict[FunctionKey, list[tuple[FunctionKey, CallFact]]]:
    """The resolved calls of each of `callees`, by caller."""
    names = {key[1].rsplit(".", 1)[-1] for key in callees}
    found: dict[FunctionKey, list[tuple[FunctionKey, CallFact]]] = defaultdict(list)
    for caller, function in resolver.functions.items():
        for call in function.calls:
            if written_name(call.func) not in names:
                continue
            target = callable_function(resolver, resolver.called(call, Ctx(*caller)))
            if target in callees:
                found[target].append((caller, call))
    return found


def _passes(fact: FunctionFact, call: CallFact, parameter: str) -> bool:
    """Whether the call may give `parameter` a value other than a falsy constant (its
    default when the call leaves it out)."""
    given = dict(call.kwargs)
    if parameter in given:
        return not _falsy(given[parameter])
    if SPREAD_KEYWORDS in given or any(isinstance(arg, Spread) for arg in call.args):
        return True
    positional = _positional(fact)
    index = positional.index(parameter) if parameter in positional else len(call.args)
    if index < len(call.args):
        return not _falsy(call.args[index])
    default = next((p.default for p in fact.params if p.name == parameter), None)
    return default is not None and not _falsy(default)


class _ArgumentClasses:
    """The model class a call passes as a parameter, when the database facts know it."""

    def __init__(self, resolver: Resolver, functions: dict[FunctionKey, FunctionDbFacts]) -> None:
        self.resolver = resolver
        self.functions = functions
        self.related = RelatedModels(resolver)

    def may_hold(
        self, caller: FunctionKey, call: CallFact, fact: FunctionFact, parameter: str, model: str
    ) -> bool:
        """Whether the call may pass an instance of `model` (or of a subclass) as `parameter`:
        False only when every model it may pass there is known and none is one."""
        slots = _slots(fact, parameter)
        facts = self.functions.get(caller)
        callee = written_name(call.func)
        refs = [
            argument.model_ref
            for argument in (facts.model_arguments if facts else ())
            if argument.line == call.line and argument.callee == callee and argument.slot in slots
        ]
        if not refs:
            return True
        wanted = model.rsplit(".", 1)[-1]
        for ref in refs:
            klass = self.related.model_class(caller[0], ref)
            if klass is None or wanted in self._names(klass):
                return True
        return False

    def _names(self, klass: ClassEntity) -> set[str]:
        if (klass.module, klass.qualname) not in self.resolver.classes:
            return {klass.qualname.rsplit(".", 1)[-1]}
        return {
            base.qualname.rsplit(".", 1)[-1]
            for base in self.resolver.mro(klass)
            if isinstance(base, ClassEntity)
        }


def _slots(fact: FunctionFact, parameter: str) -> set[int | str]:
    """Where a call may pass `parameter`: by its keyword, or at its position (the database
    facts' `ModelArgument.slot`; a call's own arguments are not always kept)."""
    positional = _positional(fact)
    found: set[int | str] = {parameter}
    if parameter in positional:
        found.add(positional.index(parameter))
    return found


def _positional(fact: FunctionFact) -> list[str]:
    """The parameters a call fills by position, in order (a method's receiver left out)."""
    positional = [p.name for p in fact.params if p.kind == "positional"]
    if fact.class_qualname and positional[:1] in (["self"], ["cls"]):
        positional = positional[1:]  # a method: the call passes no receiver
    return positional


def _falsy(value: Value) -> bool:
    """A falsy constant: None, False, 0, "", an empty list/tuple/set display."""
    return (isinstance(value, Lit) and not value.value) or (
        isinstance(value, Seq) and not value.items
    )
