"""Uses inside `if <parameter>:` branches (`analyzer.database.param_guards`), moved from the
function to the calls that pass that parameter: a parameter defaulting to a falsy constant
(None, False, 0, "", an empty list) and left out of a call is falsy in that call, so the branch
does not run for it (`create(name, users=None)` with `if users: role.users = users`, called
with and without `users`); one with another default runs the branch unless the call passes a
falsy constant (zou's `emit(event, data, persist=True)` with `if persist: save_event(...)`,
called `persist=False`). Uses inside `if isinstance(<parameter>, Model):` (or a test of its
`__class__.__name__`) go only to the calls that may pass such an instance: not to one passing
an instance of another model (`can_view(equipment, ...)` skips the branch for workouts). What
follows `if light or ...: return` at the top of a function runs only for the calls where
`light` may be falsy (`serialize(light=True)`, the default, returns early): left out, a
parameter takes its default, whatever it is. A line inside several such guards runs for a
call only when each of them does. The calls a function makes only on guarded lines (a
property read under `if check_workouts:`) move the same way, in the call graph; a caller the
call graph knows but whose call (or its arguments) is not known keeps them. Call sites are
calls of functions and methods called on model instances (`user.serialize(light=False)`). A
function no resolved call reaches keeps its uses. A call handing its own optional parameter
on to a guarded one (`get_project(id, relations=False)` calling `_get(id, relations)`) keeps
the moved uses under that parameter's guard, and a use moved to a line inside the caller's
own guards moves on in turn: zou's `relations=True` decides three calls up. The same judgement
of a call (`GuardedCalls`) decides the guarded reads a model method makes of its receiver
(`analyzer.resolution.table_access`: a serializer reading every relationship).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping

from analyzer.facts.database import FunctionDbFacts, ModelMethodCall, ParamGuard
from analyzer.facts.python import CallFact, FunctionFact
from analyzer.facts.values import SPREAD_KEYWORDS, Lit, Param, Ref, Seq, Spread, Value
from analyzer.resolution.calls import callable_function
from analyzer.resolution.related_models import RelatedModels
from analyzer.resolution.resolve import ClassEntity, Ctx, FunctionEntity, Resolver, written_name
from analyzer.resolution.results import FunctionKey, TableUse


def move_guarded_uses(
    resolver: Resolver,
    functions: dict[FunctionKey, FunctionDbFacts],
    uses: dict[FunctionKey, tuple[TableUse, ...]],
    derived: Mapping[FunctionKey, tuple[ParamGuard, ...]] | None = None,
) -> dict[FunctionKey, tuple[TableUse, ...]]:
    """`uses` with each guarded use moved to the calls that pass its parameter; `derived`:
    guards known only once calls are resolved (a use charged at a call handing a parameter
    on). A use moved to a call inside the caller's own guards, or to one handing the caller's
    parameter on (`_get(id, relations)` in `def get(id, relations=False)`), moves on in turn."""
    guards: dict[FunctionKey, tuple[ParamGuard, ...]] = {
        key: movable
        for key, facts in functions.items()
        if key in uses and (movable := _movable(resolver, key, facts.param_guards))
    }
    for key, found in (derived or {}).items():
        guards[key] = (*guards.get(key, ()), *found)
    if not guards:
        return uses

    def guards_of(key: FunctionKey) -> tuple[ParamGuard, ...]:
        """A caller's guards: its own (it may have had no uses yet), those derived so far."""
        if key not in guards:
            facts = functions.get(key)
            guards[key] = _movable(resolver, key, facts.param_guards) if facts else ()
        return guards[key]

    calls = GuardedCalls(resolver, functions)
    kept = dict(uses)
    sites: dict[FunctionKey, list[tuple[FunctionKey, CallFact]]] = {}
    moved: set[tuple[FunctionKey, TableUse]] = set()  # a recursive call moves nothing twice
    pending = list(guards)
    while pending:
        batch = list(dict.fromkeys(pending))
        pending = []
        unknown = {key for key in batch if key not in sites}
        if unknown:
            found_sites = _call_sites(resolver, functions, unknown)
            sites.update({key: found_sites.get(key, []) for key in unknown})
        for callee in batch:
            inside = [
                u
                for u in kept.get(callee, ())
                if _guards_of(u.line, guards[callee]) and (callee, u) not in moved
            ]
            if not inside or not sites[callee]:
                continue  # no resolved call reaches it: it keeps its uses
            moved.update((callee, u) for u in inside)
            kept[callee] = tuple(u for u in kept[callee] if u not in inside)
            for caller, call in sites[callee]:
                path = resolver.files[caller[0]].path
                added: list[TableUse] = []
                for use in inside:
                    handed_on = calls.outcome(
                        caller, call, callee, _guards_of(use.line, guards[callee])
                    )
                    if handed_on is None:
                        continue
                    guards[caller] = tuple(dict.fromkeys((*guards_of(caller), *handed_on)))
                    added.append(
                        dataclasses.replace(use, function=caller, file=path, line=call.line)
                    )
                if added:
                    kept[caller] = tuple(dict.fromkeys((*kept.get(caller, ()), *added)))
                    if _guards_of(call.line, guards_of(caller)):
                        pending.append(caller)
    return kept


def _movable(
    resolver: Resolver, key: FunctionKey, guards: tuple[ParamGuard, ...]
) -> tuple[ParamGuard, ...]:
    """The guards whose uses move to calls: on a class, or a parameter with a default (a
    call may leave it out, or pass a constant deciding the branch)."""
    by_class = tuple(guard for guard in guards if guard.model is not None)
    return (*_with_default(resolver, key, guards), *by_class)


def _with_default(
    resolver: Resolver, key: FunctionKey, guards: tuple[ParamGuard, ...]
) -> tuple[ParamGuard, ...]:
    """The guards on a parameter with a default: `if persist:` (`persist=True`), `if users:`
    (`users=None`), `if light or ...: return` (`light=True`)."""
    fact = resolver.functions.get(key)
    if fact is None:
        return ()
    defaults = {p.name: p.default for p in fact.params}
    return tuple(
        guard
        for guard in guards
        if guard.model is None and defaults.get(guard.parameter) is not None
    )


class GuardedCalls:
    """Whether a call runs a callee's guarded lines, judged by what it passes."""

    def __init__(self, resolver: Resolver, functions: dict[FunctionKey, FunctionDbFacts]) -> None:
        self.resolver = resolver
        self.classes = _ArgumentClasses(resolver, functions)

    def line_guards(
        self, key: FunctionKey, facts: FunctionDbFacts, line: int
    ) -> tuple[ParamGuard, ...]:
        """The guards a call may decide around `line` of function `key`."""
        return _guards_of(line, _movable(self.resolver, key, facts.param_guards))

    def outcome(
        self,
        caller: FunctionKey,
        call: CallFact,
        callee: FunctionKey,
        guards: tuple[ParamGuard, ...],
    ) -> tuple[ParamGuard, ...] | None:
        """None when the call cannot run a line inside all `guards` of `callee`; else the
        guards that line then needs in the caller: those on the caller's own parameters the
        call hands on to the guarded ones (`serialize(relations=relations)` in a function
        with `relations=False`), at the call's line."""
        fact = self.resolver.functions.get(callee)
        if fact is None:
            return ()
        handed_on: list[ParamGuard] = []
        for guard in guards:
            if guard.model is not None:
                if not self.classes.may_hold(caller, call, fact, guard.parameter, guard.model):
                    return None
                continue
            ruled_out = _truthy if guard.falsy else _falsy  # may it be falsy (truthy)?
            if not _may_give(fact, call, guard.parameter, ruled_out):
                return None
            given = _given(fact, call, guard.parameter)
            if isinstance(given, Param) and self._optional(caller, given.name):
                handed_on.append(ParamGuard(given.name, call.line, call.line, falsy=guard.falsy))
        return tuple(handed_on)

    def _optional(self, key: FunctionKey, parameter: str) -> bool:
        fact = self.resolver.functions.get(key)
        return fact is not None and any(
            p.name == parameter and p.default is not None for p in fact.params
        )


def call_at(resolver: Resolver, caller: FunctionKey, line: int, name: str) -> CallFact:
    """The call of a function or method written `name` at `line` of `caller`; one passing
    anything when the facts do not keep it (a call on a value they do not follow)."""
    function = resolver.functions.get(caller)
    for call in function.calls if function else ():
        if call.line == line and written_name(call.func) == name:
            return call
    return CallFact(Ref(name), line, unkept=("*", "**"))


def move_guarded_calls(
    resolver: Resolver, edges: Mapping[FunctionKey, tuple[FunctionKey, ...]]
) -> dict[FunctionKey, tuple[FunctionKey, ...]]:
    """The call graph with each call made only inside guarded lines (a property read or
    method called under `if check_workouts:`, after `if light: return`) moved, like the
    uses there, to the calls of the function that run those lines."""
    functions = db_functions(resolver)
    guards = {
        key: movable
        for key, facts in functions.items()
        if key in edges and (movable := _movable(resolver, key, facts.param_guards))
    }
    if not guards:
        return dict(edges)
    calls = GuardedCalls(resolver, functions)
    related = calls.classes.related
    result = {key: list(found) for key, found in edges.items()}
    callers: dict[FunctionKey, set[FunctionKey]] = defaultdict(set)
    for caller, callees in edges.items():
        for callee in callees:
            if callee in guards:
                callers[callee].add(caller)
    added: dict[FunctionKey, dict[FunctionKey, None]] = defaultdict(dict)
    for callee, sites in _call_sites(resolver, functions, set(guards)).items():
        lines = _callee_lines(resolver, related, callee, functions.get(callee))
        known = {caller for caller, _ in sites}
        for target in edges.get(callee, ()):
            found = lines.get(target)
            if not found:
                continue  # a nested function, a decorator: no line to judge
            inside = [_guards_of(line, guards[callee]) for line in found]
            if not all(inside):
                continue
            result[callee].remove(target)
            for caller, call in sites:
                if any(
                    calls.outcome(caller, call, callee, enclosing) is not None
                    for enclosing in inside
                ):
                    added[caller][target] = None
            for caller in callers.get(callee, set()) - known:  # by a call the sites miss
                added[caller][target] = None
    for caller, targets in added.items():
        result[caller] = list(
            dict.fromkeys((*result.get(caller, ()), *(t for t in targets if t != caller)))
        )
    return {key: tuple(found) for key, found in result.items() if found}


def _callee_lines(
    resolver: Resolver,
    related: RelatedModels,
    key: FunctionKey,
    facts: FunctionDbFacts | None,
) -> dict[FunctionKey, list[int]]:
    """The lines where a function calls each project function it calls (its calls, and the
    methods and properties of model instances it uses)."""
    found: dict[FunctionKey, list[int]] = defaultdict(list)
    for call in resolver.functions[key].calls:
        target = callable_function(resolver, resolver.called(call, Ctx(*key)))
        if target is not None:
            found[target].append(call.line)
    for method_call in facts.method_calls if facts else ():
        target = _model_method(resolver, related, key[0], method_call)
        if target is not None:
            found[target].append(method_call.line)
    return found


def _model_method(
    resolver: Resolver, related: RelatedModels, module: str, method_call: ModelMethodCall
) -> FunctionKey | None:
    model = related.model_class(module, method_call.model_ref)
    if model is None:
        return None
    method = resolver.class_member(model, method_call.method, instance=True)
    return (method.module, method.qualname) if isinstance(method, FunctionEntity) else None


def _guards_of(line: int, guards: tuple[ParamGuard, ...]) -> tuple[ParamGuard, ...]:
    """The guards around a line: it runs for a call only when each of them does."""
    return tuple(g for g in guards if g.first <= line <= g.last)


def _call_sites(
    resolver: Resolver, functions: Mapping[FunctionKey, FunctionDbFacts], callees: set[FunctionKey]
) -> dict[FunctionKey, list[tuple[FunctionKey, CallFact]]]:
    """The resolved calls of each of `callees`, by caller: calls of functions, and methods
    called on model instances (`user.serialize(light=False)`, `self.author.serialize()`)."""
    names = {key[1].rsplit(".", 1)[-1] for key in callees}
    related = RelatedModels(resolver)
    found: dict[FunctionKey, list[tuple[FunctionKey, CallFact]]] = defaultdict(list)
    named: dict[FunctionKey, list[CallFact]] = defaultdict(list)
    for caller, call in resolver.calls_named(names):
        named[caller].append(call)
    for caller in resolver.functions:
        by_line: dict[tuple[int, str | None], CallFact] = {}
        for call in named.get(caller, ()):
            by_line.setdefault((call.line, written_name(call.func)), call)
            target = callable_function(resolver, resolver.called(call, Ctx(*caller)))
            if target in callees:
                found[target].append((caller, call))
        facts = functions.get(caller)
        for method_call in facts.method_calls if facts else ():
            if method_call.method not in names:
                continue
            target = _model_method(resolver, related, caller[0], method_call)
            if target not in callees:
                continue
            # a call on a value the facts do not follow has no CallFact: any argument may come
            call = by_line.get((method_call.line, method_call.method)) or CallFact(
                Ref(method_call.method), method_call.line, unkept=("*", "**")
            )
            if (caller, call) not in found[target]:
                found[target].append((caller, call))
    return found


def db_functions(resolver: Resolver) -> dict[FunctionKey, FunctionDbFacts]:
    """The database facts of each function, by key."""
    return {
        (module, function.qualname): function
        for module, facts in resolver.files.items()
        if module == facts.module and facts.db is not None
        for function in facts.db.functions
    }


def _may_give(
    fact: FunctionFact, call: CallFact, parameter: str, ruled_out: Callable[[Value], bool]
) -> bool:
    """Whether the call may give `parameter` a value `ruled_out` does not rule out: what it
    passes, else the parameter's default (none: None)."""
    if call.unkept:
        return _may_pass(fact, call, parameter)
    given = _given(fact, call, parameter)
    return given is None or not ruled_out(given)


def _given(fact: FunctionFact, call: CallFact, parameter: str) -> Value | None:
    """What a call whose arguments are kept gives `parameter`: what it passes, else the
    parameter's default (none: None); None when a spread argument may give anything."""
    if call.unkept:
        return None
    given = dict(call.kwargs)
    if parameter in given:
        return given[parameter]
    if SPREAD_KEYWORDS in given or any(isinstance(arg, Spread) for arg in call.args):
        return None
    positional = _positional(fact)
    index = positional.index(parameter) if parameter in positional else len(call.args)
    if index < len(call.args):
        return call.args[index]
    default = next((p.default for p in fact.params if p.name == parameter), None)
    return _NONE if default is None else default


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


def _may_pass(fact: FunctionFact, call: CallFact, parameter: str) -> bool:
    """Whether a call whose arguments are not kept may pass `parameter` (what it passes
    there is not known)."""
    if parameter in call.unkept or "*" in call.unkept or "**" in call.unkept:
        return True
    positional = _positional(fact)
    return parameter in positional and str(positional.index(parameter)) in call.unkept


def _positional(fact: FunctionFact) -> list[str]:
    """The parameters a call fills by position, in order (a method's receiver left out)."""
    positional = [p.name for p in fact.params if p.kind == "positional"]
    if fact.class_qualname and positional[:1] in (["self"], ["cls"]):
        positional = positional[1:]  # a method: the call passes no receiver
    return positional


_NONE = Lit(None)  # what a parameter without a default is taken to be


def _truthy(value: Value) -> bool:
    """A truthy constant: True, a non-zero number, a non-empty string."""
    return isinstance(value, Lit) and bool(value.value)


def _falsy(value: Value) -> bool:
    """A falsy constant: None, False, 0, "", an empty list/tuple/set display."""
    return (isinstance(value, Lit) and not value.value) or (
        isinstance(value, Seq) and not value.items
    )
