"""The Flask objects a project builds where any caller may take them: bound at module level, or
returned by a function (a factory), whether or not anything is registered on them."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.facts.python import MODULE_SCOPE
from analyzer.facts.values import CallOf
from analyzer.resolution.resolve import Ctx, FlaskObject, Resolver


def constructed_objects(resolver: Resolver) -> Iterator[FlaskObject]:
    """Each Flask object built by a module-level binding of the project or returned by one of
    its functions."""
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
            if isinstance(function.returns, CallOf) and function.qualname != MODULE_SCOPE:
                found = resolver.resolve(function.returns, Ctx(module, function.qualname))
                if isinstance(found, FlaskObject):
                    yield found
