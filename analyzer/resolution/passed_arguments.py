"""The arguments Flask's own constructor receives for an object built from a project subclass
(`class Module(Blueprint)`): the subclass's `__init__`, and its bases' in turn, bind the
construction's arguments, may fill in keyword options (`kwargs.setdefault("url_prefix", "/" +
name)`, before passing them on) and pass them on with `super().__init__(name, import_name,
**kwargs)`. Where a `__init__` passes nothing on that can be read, the construction's own
arguments are kept, as for a class that defines no `__init__`."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.facts.python import CallFact, FunctionFact
from analyzer.facts.values import Attr, CallOf, Lit, Param, SelfOf, SuperOf, Value
from analyzer.resolution.resolve import (
    INSTANCE,
    RECEIVER,
    ClassEntity,
    ConstEntity,
    Ctx,
    DictEntity,
    ExternalEntity,
    FlaskObject,
    FunctionEntity,
    Resolved,
    Resolver,
)


@dataclass(frozen=True, slots=True)
class PassedArguments:
    """Arguments as the library's constructor gets them, resolved."""

    args: tuple[Resolved, ...]
    kwargs: tuple[tuple[str, Resolved], ...]

    def argument(self, index: int, name: str) -> Resolved | None:
        """Given by keyword `name` or at position `index` (-1: by keyword only), else None."""
        for key, value in self.kwargs:
            if key == name:
                return value
        return self.args[index] if 0 <= index < len(self.args) else None


def passed_arguments(resolver: Resolver, built: FlaskObject) -> PassedArguments:
    """What the library's `__init__` receives when the project builds `built`."""
    ctor, ctx = built.ctor, built.ctx
    args, kwargs = resolver.arguments(ctor.args, ctor.kwargs, ctx, resolver.resolve)
    cls = resolver.resolve(ctor.func, ctx)
    if not isinstance(cls, ClassEntity):
        return PassedArguments(tuple(args), tuple(kwargs))
    runs_for = cls
    while (owner := resolver.initialiser(cls)) is not None:
        qualname = f"{owner.qualname}.__init__"
        fact = resolver.functions.get((owner.module, qualname))
        handing = None if fact is None else _handing_on(resolver, fact, owner, runs_for)
        if fact is None or handing is None:
            break
        passing, written_args, following = handing
        env = resolver.bind_resolved(fact, args, kwargs, callee_module=owner.module)
        env.update({RECEIVER: runs_for, INSTANCE: built})
        env = _with_defaults_set(resolver, fact, passing.line, env, owner.module, qualname)
        args, kwargs = resolver.arguments(
            written_args, passing.kwargs, Ctx(owner.module, qualname, env), resolver.resolve
        )
        if following is None:
            break  # the library's own `__init__` gets them
        cls = following
    return PassedArguments(tuple(args), tuple(kwargs))


def _handing_on(
    resolver: Resolver, fact: FunctionFact, owner: ClassEntity, runs_for: ClassEntity
) -> tuple[CallFact, tuple[Value, ...], ClassEntity | None] | None:
    """How `owner.__init__` hands its arguments on: the call, the arguments it passes (after
    `self`), and the class whose `__init__` gets them (None: the library's). Either
    `super().__init__(...)`, to the next class along `runs_for`'s MRO, or a base class's named
    (`Base.__init__(self, ...)`), to that class."""
    for call in fact.calls:
        match call:
            case CallFact(
                func=Attr(base=CallOf(func=SuperOf(class_qualname=calling)), name="__init__")
            ) if calling == owner.qualname:
                return call, call.args, _next_class(resolver, runs_for, owner)
            case CallFact(args=(SelfOf(), *rest)):
                called = resolver.resolve(call.func, Ctx(owner.module, fact.qualname))
                named = _initialised(called)
                if named is not None and named != owner and named in resolver.mro(runs_for):
                    following = named if isinstance(named, ClassEntity) else None
                    return call, tuple(rest), following
    return None


def _initialised(called: Resolved) -> ClassEntity | ExternalEntity | None:
    """The class whose `__init__` a call names (`Base.__init__`), else None."""
    match called:
        case FunctionEntity(module=module, qualname=qualname) if qualname.endswith(".__init__"):
            return ClassEntity(module, qualname.removesuffix(".__init__"))
        case ExternalEntity(dotted=dotted) if dotted.endswith(".__init__"):
            return ExternalEntity(dotted.removesuffix(".__init__"))
    return None


def _with_defaults_set(
    resolver: Resolver,
    fact: FunctionFact,
    before_line: int,
    env: dict[str, Resolved],
    module: str,
    qualname: str,
) -> dict[str, Resolved]:
    """`env` after the `kwargs.setdefault(key, value)` calls made on the `**kwargs` parameter
    before the line passing it on."""
    varkw = next((p.name for p in fact.params if p.kind == "varkw"), None)
    given = env.get(varkw) if varkw is not None else None
    if varkw is None or not isinstance(given, DictEntity):
        return env
    items = list(given.items)
    for call in fact.calls:
        match call:
            case CallFact(
                func=Attr(base=Param(name=name), name="setdefault"),
                args=(Lit(value=str() as key), value),
            ) if name == varkw and call.line < before_line:
                if all(k != ConstEntity(key) for k, _ in items):
                    items.append(
                        (ConstEntity(key), resolver.resolve(value, Ctx(module, qualname, env)))
                    )
    return {**env, varkw: DictEntity(tuple(items))}


def _next_class(resolver: Resolver, cls: ClassEntity, after: ClassEntity) -> ClassEntity | None:
    """The project class after `after` along `cls`'s MRO (None: a library class is next)."""
    order = resolver.mro(cls)
    if after not in order:
        return None
    following = order[order.index(after) + 1 :]
    return following[0] if following and isinstance(following[0], ClassEntity) else None
