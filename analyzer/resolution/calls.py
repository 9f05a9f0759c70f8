"""The project's call graph: each function's calls resolved to project functions.

Also links a function to the project decorators wrapping it and to the functions defined
inside it (decorator wrappers, closures), since those run when it does, and to the methods it
calls on ORM model instances its queries load (found by the database extraction).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analyzer.facts.database import FunctionDbFacts
from analyzer.facts.python import Diagnostic
from analyzer.facts.values import Ref
from analyzer.resolution.resolve import ClassEntity, Ctx, FunctionEntity, Opaque, Resolved, Resolver
from analyzer.resolution.results import FunctionKey


@dataclass(frozen=True, slots=True)
class CallGraph:
    edges: Mapping[FunctionKey, tuple[FunctionKey, ...]]
    diagnostics: tuple[Diagnostic, ...]


def build_call_graph(resolver: Resolver) -> CallGraph:
    """Resolve every call in every function of the project."""
    edges: dict[FunctionKey, tuple[FunctionKey, ...]] = {}
    diagnostics: list[Diagnostic] = []
    db_functions = _db_functions(resolver)
    for (module, qualname), function in resolver.functions.items():
        ctx = Ctx(module, qualname)
        path = resolver.files[module].path
        callees: dict[FunctionKey, None] = {}
        for call in function.calls:
            resolved = resolver.called(call, ctx)
            target = callable_function(resolver, resolved)
            if target is not None:
                callees[target] = None
            elif isinstance(resolved, Opaque) and resolved.missing:
                diagnostics.append(
                    Diagnostic(
                        path, call.line, "unresolved-call", f"call not resolved: {resolved.reason}"
                    )
                )
        for decorator in function.decorators:
            target = callable_function(resolver, resolver.resolve(decorator, Ctx(module)))
            if target is not None:
                callees[target] = None
        for nested in function.nested:
            callees[(module, nested)] = None
        db = db_functions.get((module, qualname))
        for method_call in db.method_calls if db else ():
            model = resolver.resolve(Ref(method_call.model_ref), Ctx(module))
            if isinstance(model, ClassEntity):
                method = resolver.class_member(model, method_call.method, instance=True)
                if isinstance(method, FunctionEntity):
                    callees[(method.module, method.qualname)] = None
        callees.pop((module, qualname), None)
        if callees:
            edges[(module, qualname)] = tuple(callees)
    return CallGraph(edges, tuple(diagnostics))


def _db_functions(resolver: Resolver) -> dict[FunctionKey, FunctionDbFacts]:
    return {
        (module, function.qualname): function
        for module, facts in resolver.files.items()
        if module == facts.module and facts.db is not None
        for function in facts.db.functions
    }


def callable_function(resolver: Resolver, entity: Resolved) -> FunctionKey | None:
    """The project function that runs when `entity` is called (a class runs its __init__)."""
    if isinstance(entity, FunctionEntity):
        return (entity.module, entity.qualname)
    if isinstance(entity, ClassEntity):
        init = resolver.class_member(entity, "__init__", instance=True)
        if isinstance(init, FunctionEntity):
            return (init.module, init.qualname)
    return None
