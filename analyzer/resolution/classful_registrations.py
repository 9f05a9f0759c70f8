"""Flask-Classful registrations: which calls register a `FlaskView` subclass, and which class.

`View.register(app, ...)`, `cls.register(...)` and `super().register(...)` on a class deriving
from `flask_classful.FlaskView` are not registration facts of their own (`register` is too
common a name): they are made here from the calls, as `classful_view` registrations whose
target is the class (or `super()`). A project overriding `register` in a base class (faraday's
`GenericView.register`, which calls `super().register(app, *args, **kwargs)`) has its override
followed as a helper; the `super().register(...)` inside registers the class it runs for.
`classful_views` turns a registration into rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.facts.python import CallFact, FunctionFact, RegistrationFact
from analyzer.facts.values import Value
from analyzer.resolution.resolve import (
    RECEIVER,
    ClassEntity,
    Ctx,
    FunctionEntity,
    Opaque,
    Resolved,
    Resolver,
    SuperEntity,
    method_of,
)

FLASK_VIEWS = frozenset({"flask_classful.FlaskView"})


def classful_registrations(
    resolver: Resolver, module: str, function: FunctionFact
) -> Iterator[RegistrationFact]:
    """`View.register(app, ...)`, `cls.register(...)` or `super().register(...)` calls on a
    Flask-Classful view class, as registrations whose target is the class (or `super()`); in a
    loop (`for view in VIEWS: view.register(app)`), any `register` call whose owner is known
    only per item, told per item when resolved."""
    for call in function.calls:
        owner = _register_owner(call)
        if owner is None or not (call.args or call.kwargs):
            continue
        found = resolver.resolve(owner, Ctx(module, function.qualname))
        if isinstance(found, SuperEntity):
            found = found.cls
        looped = bool(call.loops) and isinstance(found, Opaque)
        if looped or (isinstance(found, ClassEntity) and is_classful(resolver, found)):
            yield RegistrationFact(
                "classful_view",
                "register",
                function.qualname,
                owner,
                call.line,
                call.args,
                call.kwargs,
                loops=call.loops,
            )


def _register_owner(call: CallFact) -> Value | None:
    """What `.register` is called on, for a call written `owner.register(...)`."""
    found = method_of(call.func)
    return found[0] if found is not None and found[1] == "register" else None


def is_classful(resolver: Resolver, cls: ClassEntity) -> bool:
    """Whether the class derives from Flask-Classful's `FlaskView`."""
    return not FLASK_VIEWS.isdisjoint(resolver.external_bases(cls))


def registered_class(resolver: Resolver, target: Resolved, ctx: Ctx) -> ClassEntity | None:
    """The class a `register(...)` call registers with Flask-Classful's own `register`: the
    class it is called on, or for `super().register(...)` the class the method runs for; None
    when the call runs a project override instead (followed as a helper)."""
    if isinstance(target, SuperEntity):
        receiver = ctx.env.get(RECEIVER)
        cls = receiver if isinstance(receiver, ClassEntity) else target.cls
    elif isinstance(target, ClassEntity):
        cls = target
    else:
        return None
    if isinstance(resolver.member(target, "register"), FunctionEntity):
        return None
    return cls if is_classful(resolver, cls) else None
