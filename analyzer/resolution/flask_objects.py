"""The Flask objects a project builds where any caller may take them: bound at module level, or
returned by a function (a factory), whether or not anything is registered on them; and the apps
built from a project subclass of `Flask` anywhere in a function, whose own methods add rules."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.facts.python import MODULE_SCOPE, FunctionFact
from analyzer.facts.values import CallOf, Ref
from analyzer.resolution.resolve import ClassEntity, Ctx, FlaskObject, Resolver


def constructed_objects(resolver: Resolver) -> Iterator[FlaskObject]:
    """Each Flask object built by a module-level binding of the project or returned by one of
    its functions, and each app a function builds from a project subclass of `Flask`."""
    for module, facts in resolver.files.items():
        if module != facts.module:
            continue  # an alias
        for name, value in facts.bindings:
            if not isinstance(value, CallOf):
                continue
            found = resolver.global_name(module, name)
            if isinstance(found, FlaskObject) and found.module == module:
                yield found
        for function in facts.functions:
            if function.qualname == MODULE_SCOPE:
                continue
            if isinstance(function.returns, CallOf):
                found = resolver.resolve(function.returns, Ctx(module, function.qualname))
                if isinstance(found, FlaskObject):
                    yield found
            yield from _subclass_apps(resolver, module, function)


def _subclass_apps(
    resolver: Resolver, module: str, function: FunctionFact
) -> Iterator[FlaskObject]:
    """The apps `function` builds from a project subclass of `Flask`, kept or not (lektor's
    `app = WebAdmin(env, ...)` handed to `run_simple`): building one runs the class's
    `__init__`, which may add its rules on `self`."""
    ctx = Ctx(module, function.qualname)
    for call in function.calls:
        if type(call.func) is not Ref or not isinstance(resolver.called(call, ctx), ClassEntity):
            continue
        built = resolver.built(call, ctx)
        if isinstance(built, FlaskObject) and built.kind == "app":
            yield built
