"""What the attributes a project class's own methods set hold while a method runs on one of
its objects, as env entries (`attribute_key`) the resolver reads `self.<name>` from.

Known only where the code leaves no doubt: an attribute the class's `__init__` sets at its
top level holds that value, unless a method other than a context manager restoring it (a
`@contextmanager` generator setting it before its one `yield` and back after it, to
`__init__`'s literal or to the value it found: `saved = self.x` ... `self.x = saved`) sets
it; inside the `with` blocks of such a context manager, called on the same object, it holds
what the manager set before yielding. An attribute some other method sets (or sets in a
branch, a loop...) is not known (`Opaque`); one only restoring managers set keeps the value
the library gave it (no entry).
"""

from __future__ import annotations

from collections.abc import Mapping

from analyzer.facts.python import AttributeSet, FunctionFact
from analyzer.facts.values import CallOf, Lit, SelfOf, Value
from analyzer.resolution.instance_lists import methods_run
from analyzer.resolution.resolve import (
    INSTANCE,
    RECEIVER,
    ClassEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    Opaque,
    Resolved,
    Resolver,
    attribute_key,
    method_of,
)

CONTEXT_MANAGERS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
_AROUND_YIELD = frozenset({"before-yield", "after-yield"})


def object_state(
    resolver: Resolver, cls: ClassEntity, init_env: Mapping[str, Resolved]
) -> dict[str, Resolved]:
    """The attributes `cls`'s methods (and its project bases') set, as they are between
    calls on an object of `cls`; `init_env`: the first `__init__`'s parameters bound."""
    classes = [(k.module, k.qualname) for k in resolver.mro(cls) if isinstance(k, ClassEntity)]
    inits = [fact for _, fact in methods_run(resolver.functions, classes, "__init__")]
    sets: dict[str, list[tuple[ClassEntity, FunctionFact, AttributeSet]]] = {}
    for klass, fact in _methods(resolver, cls):
        for attribute_set in fact.attribute_sets:
            key = attribute_key(attribute_set.name, klass.qualname)
            sets.setdefault(key, []).append((klass, fact, attribute_set))
    state: dict[str, Resolved] = {}
    for key, made in sets.items():
        initialised = [(k, f, s) for k, f, s in made if f.qualname.endswith(".__init__")]
        if any(s.place != "top" or f not in inits for _, f, s in initialised):
            state[key] = Opaque("an attribute `__init__` sets in a branch, or not at all")
            continue
        if len({f.qualname for _, f, _ in initialised}) > 1:
            state[key] = Opaque("an attribute more than one `__init__` sets")
            continue
        initial = initialised[-1][2].value if initialised else None
        others = [(k, f) for k, f, s in made if not f.qualname.endswith(".__init__")]
        name = made[0][2].name
        if not all(_restoring(resolver, k, f, name, initial) for k, f in others):
            state[key] = Opaque("an attribute a method sets at run time")
        elif initial is not None:
            klass, fact, _ = initialised[-1]
            env = init_env if fact is inits[0] else {}
            ctx = Ctx(klass.module, fact.qualname, {**env, RECEIVER: cls})
            state[key] = resolver.resolve(initial, ctx)
    return state


def entered_state(
    resolver: Resolver,
    managers: tuple[Value, ...],
    instance: Resolved,
    cls: ClassEntity,
    state: Mapping[str, Resolved],
    ctx: Ctx,
) -> dict[str, Resolved]:
    """`state` inside the `with` blocks of `managers` (outermost first, written where `ctx`
    is): a context manager method of `cls` called on `instance` (or on `self`, in a method
    running on it) sets what it sets before its `yield`."""
    entered = dict(state)
    for manager in managers:
        found = _manager_method(resolver, manager, instance, cls, ctx)
        if found is None:
            continue
        klass, fact = found
        assert isinstance(manager, CallOf)
        env = resolver.bind_arguments(
            fact, manager.args, manager.kwargs, ctx, callee_module=klass.module
        )
        straight = _around_yield(resolver, klass, fact)
        for attribute_set in fact.attribute_sets:
            key = attribute_key(attribute_set.name, klass.qualname)
            if not straight:
                entered[key] = Opaque("an attribute a context manager sets at run time")
            elif attribute_set.place == "before-yield":
                method_ctx = Ctx(
                    klass.module,
                    fact.qualname,
                    {**env, **entered, RECEIVER: cls, INSTANCE: instance},
                )
                entered[key] = resolver.resolve(attribute_set.value, method_ctx)
    return entered


def _manager_method(
    resolver: Resolver, manager: Value, instance: Resolved, cls: ClassEntity, ctx: Ctx
) -> tuple[ClassEntity, FunctionFact] | None:
    """The project method of `cls` a `with` statement's manager calls on `instance`."""
    if not isinstance(manager, CallOf):
        return None
    called = method_of(manager.func)
    if called is None:
        return None
    owner, name = called
    on_it = isinstance(owner, SelfOf) and ctx.env.get(INSTANCE) == instance
    if not on_it and resolver.resolve(owner, ctx) != instance:
        return None
    method = resolver.class_member(cls, name, instance=True)
    if not isinstance(method, FunctionEntity):
        return None
    fact = resolver.functions.get((method.module, method.qualname))
    if fact is None:
        return None
    owner_class = ClassEntity(method.module, method.qualname.rsplit(".", 1)[0])
    return owner_class, fact


def _restoring(
    resolver: Resolver, klass: ClassEntity, fact: FunctionFact, name: str, initial: Value | None
) -> bool:
    """Whether `fact` is a context manager setting attributes only around its one `yield`,
    attribute `name` set back after it to its value on entry or to `initial` (a literal)."""
    if not _around_yield(resolver, klass, fact):
        return False
    after = [s for s in fact.attribute_sets if s.name == name and s.place == "after-yield"]
    if not after:
        return False
    last = after[-1]
    return last.restores or (isinstance(initial, Lit) and last.value == initial)


def _around_yield(resolver: Resolver, klass: ClassEntity, fact: FunctionFact) -> bool:
    """Whether `fact` is a context manager (a `@contextmanager` generator) setting attributes
    only at its top level, around its one `yield`."""
    return _is_context_manager(resolver, klass, fact) and all(
        s.place in _AROUND_YIELD for s in fact.attribute_sets
    )


def _is_context_manager(resolver: Resolver, klass: ClassEntity, fact: FunctionFact) -> bool:
    ctx = Ctx(klass.module)
    return any(
        isinstance(found := resolver.resolve(d, ctx), ExternalEntity)
        and found.dotted in CONTEXT_MANAGERS
        for d in fact.decorators
    )


def _methods(resolver: Resolver, cls: ClassEntity) -> list[tuple[ClassEntity, FunctionFact]]:
    """Every method of `cls` and of its project bases."""
    found = []
    for klass in resolver.mro(cls):
        if isinstance(klass, ExternalEntity):
            continue
        for name in resolver.members(klass).methods:
            fact = resolver.functions.get((klass.module, f"{klass.qualname}.{name}"))
            if fact is not None:
                found.append((klass, fact))
    return found
