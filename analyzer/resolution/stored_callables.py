"""Functions a decorator class is built with, kept on `self` and called when the view runs.

`@prepolicy(check_base_action, request, action)` (privacyidea's views): `prepolicy.__init__`
keeps `self.function = function`, and the wrapper its `__call__` returns calls
`self.function(...)` before the view. The call graph has one set of callees per function, so
`self.function` inside the shared wrapper is no function in particular (each view passes its
own); the function a decorator line passes is therefore a callee of the view it decorates.
"""

from __future__ import annotations

from analyzer.facts.values import Attr, CallOf, Param, SelfOf, Value
from analyzer.resolution.resolve import (
    ClassEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    Resolver,
)
from analyzer.resolution.results import FunctionKey


class StoredCallables:
    """Per decorator class, the `__init__` parameters its methods call through `self`."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.called: dict[ClassEntity, tuple[str, ...]] = {}

    def passed(self, decorator: Value, ctx: Ctx) -> tuple[FunctionKey, ...]:
        """The project functions `decorator` (a class built on the decorator line) is given
        for parameters its methods call as `self.<attribute>(...)`."""
        if not isinstance(decorator, CallOf):
            return ()
        cls = self.resolver.resolve(decorator.func, ctx)
        if not isinstance(cls, ClassEntity):
            return ()
        init = self.resolver.class_member(cls, "__init__", instance=True)
        if not isinstance(init, FunctionEntity):
            return ()
        fact = self.resolver.functions.get((init.module, init.qualname))
        params = self._called_params(cls)
        if fact is None or not params:
            return ()
        bound = self.resolver.bind_arguments(
            fact, decorator.args, decorator.kwargs, ctx, callee_module=init.module
        )
        return tuple(
            (given.module, given.qualname)
            for name in params
            if isinstance(given := bound.get(name), FunctionEntity)
        )

    def _called_params(self, cls: ClassEntity) -> tuple[str, ...]:
        known = self.called.get(cls)
        if known is None:
            known = self.called[cls] = self._find_called_params(cls)
        return known

    def _find_called_params(self, cls: ClassEntity) -> tuple[str, ...]:
        """`__init__` parameters kept as `self.<attribute> = <parameter>` along the class's
        project MRO and called as `self.<attribute>(...)` in one of those classes' code."""
        kept: dict[str, str] = {}  # attribute -> parameter
        owners: set[tuple[str, str]] = set()
        for klass in self.resolver.mro(cls):
            if isinstance(klass, ExternalEntity):
                break
            owners.add((klass.module, klass.qualname))
            for attr, value in self.resolver.members(klass).instance_attrs.items():
                if isinstance(value, Param):
                    kept.setdefault(attr, value.name)
        if not kept:
            return ()
        called = {
            call.func.name
            for (module, _), call in self.resolver.calls_named(kept)
            if isinstance(call.func, Attr)
            and isinstance(call.func.base, SelfOf)
            and (module, call.func.base.class_qualname) in owners
        }
        return tuple(dict.fromkeys(kept[attr] for attr in kept if attr in called))
