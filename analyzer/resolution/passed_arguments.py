"""The arguments Flask's own constructor receives for an object built from a project subclass
(`class Module(Blueprint)`): the subclass's `__init__`, and its bases' in turn, bind the
construction's arguments, may fill in keyword options (`kwargs.setdefault("url_prefix", "/" +
name)`, before passing them on) and pass them on with `super().__init__(name, import_name,
**kwargs)`. Where a `__init__` passes nothing on that can be read, the construction's own
arguments are kept, as for a class that defines no `__init__`."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.facts.python import CallFact, FunctionFact
from analyzer.facts.values import Attr, CallOf, Lit, Param, SuperOf
from analyzer.resolution.resolve import (
    INSTANCE,
    RECEIVER,
    ClassEntity,
    ConstEntity,
    Ctx,
    DictEntity,
    FlaskObject,
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
        passing = None if fact is None else _super_init(fact, owner.qualname)
        if fact is None or passing is None:
            break
        env = resolver.bind_resolved(fact, args, kwargs, callee_module=owner.module)
        env.update({RECEIVER: runs_for, INSTANCE: built})
        env = _with_defaults_set(resolver, fact, passing.line, env, owner.module, qualname)
        args, kwargs = resolver.arguments(
            passing.args, passing.kwargs, Ctx(owner.module, qualname, env), resolver.resolve
        )
        following = _next_class(resolver, runs_for, owner)
        if following is None:
            break  # the library's own `__init__` gets them
        cls = following
    return PassedArguments(tuple(args), tuple(kwargs))


def _super_init(fact: FunctionFact, class_qualname: str) -> CallFact | None:
    """The `super().__init__(...)` call of a `__init__`."""
    for call in fact.calls:
        match call.func:
            case Attr(base=CallOf(func=SuperOf(class_qualname=owner)), name="__init__") if (
                owner == class_qualname
            ):
                return call
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
