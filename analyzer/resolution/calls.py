"""The project's call graph: each function's calls resolved to project functions.

Also links a function to the project decorators wrapping it (a class-based view's methods to
those its class lists in `decorators`/`method_decorators`) and to the functions defined inside
it (decorator wrappers, closures), since those run when it does, to the functions a decorator
class is built with and calls on `self` (`analyzer.resolution.stored_callables`), to the
receivers of the signals it sends (`analyzer.resolution.signals`), to the hooks and validators
of the marshmallow schemas it applies (`analyzer.resolution.schemas`), to the methods it calls on
ORM model instances its queries load or its relationships reach (found by the database
extraction; `analyzer.resolution.related_models`) or on a model's
`query` when its `query_class` defines them (`Bill.query.get(project, id)`), and a form's
`validate()`/`validate_on_submit()` to the form class's inline `validate_<field>` methods,
which WTForms runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from analyzer.facts.database import FunctionDbFacts
from analyzer.facts.python import CallFact, Diagnostic, FunctionFact
from analyzer.facts.values import Attr, CallOf, Lit, Pairs, Ref, Seq, Value
from analyzer.resolution.related_models import RelatedModels
from analyzer.resolution.resolve import (
    ClassChoiceEntity,
    ClassEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    InstanceEntity,
    Opaque,
    Resolved,
    Resolver,
)
from analyzer.resolution.results import FunctionKey
from analyzer.resolution.schemas import SchemaRules
from analyzer.resolution.signals import SignalReceivers
from analyzer.resolution.stored_callables import StoredCallables


@dataclass(frozen=True, slots=True)
class CallGraph:
    edges: Mapping[FunctionKey, tuple[FunctionKey, ...]]
    diagnostics: tuple[Diagnostic, ...]


def build_call_graph(resolver: Resolver) -> CallGraph:
    """Resolve every call in every function of the project."""
    edges: dict[FunctionKey, tuple[FunctionKey, ...]] = {}
    diagnostics: list[Diagnostic] = []
    db_functions = _db_functions(resolver)
    signals = SignalReceivers(resolver)
    schemas = SchemaRules(resolver)
    related = RelatedModels(resolver)
    stored = StoredCallables(resolver)
    for (module, qualname), function in resolver.functions.items():
        # one unit per row: what resolving it reads is recorded when the resolver records
        with resolver.unit(("call graph", module, qualname)):
            ctx = Ctx(module, qualname)
            path = resolver.files[module].path
            callees: dict[FunctionKey, None] = {}
            for call in function.calls:
                resolved = resolver.called(call, ctx)
                targets = called_functions(resolver, call, ctx, resolved)
                if targets:
                    callees.update(dict.fromkeys(targets))
                elif overrides := library_call_overrides(resolver, resolved):
                    callees.update(dict.fromkeys(overrides))
                elif sent := signals.sent(call.func, module):
                    callees.update(dict.fromkeys(sent))
                elif isinstance(resolved, Opaque) and not resolved.missing:
                    callees.update(dict.fromkeys(_inline_validators(resolver, call, ctx)))
                    callees.update(dict.fromkeys(_query_class_methods(resolver, call, ctx)))
                elif isinstance(resolved, Opaque):
                    diagnostics.append(
                        Diagnostic(
                            path,
                            call.line,
                            "unresolved-call",
                            f"call not resolved: {resolved.reason}",
                        )
                    )
            for decorator in function.decorators:
                target = callable_function(resolver, resolver.resolve(decorator, Ctx(module)))
                if target is not None:
                    callees[target] = None
                callees.update(dict.fromkeys(stored.passed(decorator, Ctx(module))))
                func = decorator.func if isinstance(decorator, CallOf) else decorator
                callees.update(
                    dict.fromkeys(
                        library_call_overrides(resolver, resolver.resolve(func, Ctx(module)))
                    )
                )
            for decorator_module, decorator in _class_decorators(resolver, module, function):
                func = decorator.func if isinstance(decorator, CallOf) else decorator
                target = callable_function(resolver, resolver.resolve(func, Ctx(decorator_module)))
                if target is not None:
                    callees[target] = None
            for nested in function.nested:
                callees[(module, nested)] = None
            for schema in schemas.applied((module, qualname)) if schemas.schema_classes else ():
                callees.update(dict.fromkeys(schemas.hooks(schema)))
            db = db_functions.get((module, qualname))
            for method_call in db.method_calls if db else ():
                model = related.model_class(module, method_call.model_ref)
                if model is not None:
                    method = resolver.class_member(model, method_call.method, instance=True)
                    if isinstance(method, FunctionEntity):
                        callees[(method.module, method.qualname)] = None
            callees.pop((module, qualname), None)
            if callees:
                edges[(module, qualname)] = tuple(callees)
    return CallGraph(edges, tuple(diagnostics))


def _query_class_methods(resolver: Resolver, call: CallFact, ctx: Ctx) -> list[FunctionKey]:
    """`Bill.query.get(project, id)`: the method of the model's `query_class` (Flask-SQLAlchemy's
    `query_class = BillQuery`, a nested or module-level class), when it defines one."""
    func = call.func
    if isinstance(func, Attr) and isinstance(func.base, Attr) and func.base.name == "query":
        owner, name = func.base.base, func.name
    elif isinstance(func, Ref) and ".query." in f".{func.dotted}":  # asked of most calls
        parts = func.dotted.split(".")
        if parts[-2:-1] != ["query"]:
            return []
        owner, name = Ref(".".join(parts[:-2])), parts[-1]
    else:
        return []
    model = resolver.resolve(owner, ctx) if not isinstance(owner, Ref) or owner.dotted else None
    if not isinstance(model, ClassEntity):
        return []
    method = _query_class_member(resolver, model, name)
    return [(method.module, method.qualname)] if isinstance(method, FunctionEntity) else []


def _query_class_member(resolver: Resolver, model: ClassEntity, method: str) -> Resolved:
    for klass in resolver.mro(model):
        if isinstance(klass, ExternalEntity):
            break
        fact = resolver.classes.get((klass.module, klass.qualname))
        value = dict(fact.class_attrs).get("query_class") if fact else None
        if value is None:
            continue
        nested = (
            (klass.module, f"{klass.qualname}.{value.dotted}") if isinstance(value, Ref) else None
        )
        query = (
            ClassEntity(*nested)
            if nested in resolver.classes
            else resolver.resolve(value, Ctx(klass.module))
        )
        if isinstance(query, ClassEntity):
            return resolver.class_member(query, method, instance=True)
        break
    return Opaque(f"no query_class defines {method}")


HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
CLASS_DECORATOR_ATTRS = ("decorators", "method_decorators")
FORM_VALIDATIONS = frozenset({"validate", "validate_on_submit"})


def _class_decorators(
    resolver: Resolver, module: str, function: FunctionFact
) -> list[tuple[str, Value]]:
    """(module, decorator) for each decorator a class-based view applies to this HTTP method
    handler: its class's (or a project base's) `decorators` and `method_decorators` lists,
    `method_decorators` also as a mapping from method names to lists."""
    method = function.qualname.rsplit(".", 1)[-1]
    if function.class_qualname is None or method not in HTTP_METHODS:
        return []
    found: list[tuple[str, Value]] = []
    for attr in CLASS_DECORATOR_ATTRS:
        for klass in resolver.mro(ClassEntity(module, function.class_qualname)):
            if isinstance(klass, ExternalEntity):
                break
            fact = resolver.classes.get((klass.module, klass.qualname))
            value = dict(fact.class_attrs).get(attr) if fact else None
            if value is None:
                continue
            if isinstance(value, Seq):
                found += [(klass.module, item) for item in value.items]
            elif isinstance(value, Pairs):
                found += [
                    (klass.module, item)
                    for key, listed in value.items
                    if isinstance(key, Lit) and key.value == method and isinstance(listed, Seq)
                    for item in listed.items
                ]
            break
    return found


def _inline_validators(resolver: Resolver, call: CallFact, ctx: Ctx) -> list[FunctionKey]:
    """`form.validate()` on an instance of a project form class (built on a library's `Form`):
    the `validate_<field>` methods along its MRO, which WTForms calls for each field."""
    func = call.func
    if not isinstance(func, Attr) or func.name not in FORM_VALIDATIONS:
        return []
    instance = resolver.resolve(func.base, ctx)
    if not isinstance(instance, InstanceEntity) or not isinstance(instance.cls, ClassEntity):
        return []
    mro = resolver.mro(instance.cls)
    if not any(isinstance(k, ExternalEntity) and k.dotted.endswith("Form") for k in mro):
        return []
    found: dict[FunctionKey, None] = {}
    for klass in mro:
        fact = (
            resolver.classes.get((klass.module, klass.qualname))
            if isinstance(klass, ClassEntity)
            else None
        )
        for name in fact.methods if fact else ():
            if name.startswith("validate_") and name not in found:
                member = resolver.class_member(instance.cls, name, instance=True)
                if isinstance(member, FunctionEntity):
                    found[(member.module, member.qualname)] = None
    return list(found)


def _db_functions(resolver: Resolver) -> dict[FunctionKey, FunctionDbFacts]:
    return {
        (module, function.qualname): function
        for module, facts in resolver.files.items()
        if module == facts.module and facts.db is not None
        for function in facts.db.functions
    }


# the methods a library class's `__call__` runs on its own object, which a project subclass may
# override: Authlib 1.x's Flask `ResourceProtector` (`@require_oauth("profile")`) runs
# `acquire_token` -> `validate_request` -> `parse_request_authorization`, `get_token_validator`,
# and `raise_error_response` on a refusal
LIBRARY_CALL_METHODS: dict[str, tuple[str, ...]] = dict.fromkeys(
    (
        "authlib.integrations.flask_oauth2.ResourceProtector",
        "authlib.integrations.flask_oauth2.resource_protector.ResourceProtector",
    ),
    (
        "acquire_token",
        "validate_request",
        "parse_request_authorization",
        "get_token_validator",
        "raise_error_response",
    ),
)


def library_call_overrides(resolver: Resolver, entity: Resolved) -> tuple[FunctionKey, ...]:
    """An instance of a project class whose `__call__` is a library's: the project's overrides
    of the methods that `__call__` runs on its object."""
    if not isinstance(entity, InstanceEntity) or not isinstance(entity.cls, ClassEntity):
        return ()
    if isinstance(resolver.class_member(entity.cls, "__call__", instance=True), FunctionEntity):
        return ()
    found: dict[FunctionKey, None] = {}
    for klass in resolver.mro(entity.cls):
        if isinstance(klass, ExternalEntity):
            for name in LIBRARY_CALL_METHODS.get(klass.dotted, ()):
                method = resolver.class_member(entity.cls, name, instance=True)
                if isinstance(method, FunctionEntity):
                    found[(method.module, method.qualname)] = None
    return tuple(found)


def called_functions(
    resolver: Resolver, call: CallFact, ctx: Ctx, resolved: Resolved
) -> tuple[FunctionKey, ...]:
    """The project functions a call (its callee `resolved`) runs: the one it names, or, for a
    method called on a class picked at run time whose classes define it differently
    (`{"file": File, "config": Config}[kind].access(id)`), each class's."""
    target = callable_function(resolver, resolved)
    if target is not None:
        return (target,)
    if not isinstance(call.func, Attr):
        return ()
    owner = resolver.resolve(call.func.base, ctx)
    if not isinstance(owner, ClassChoiceEntity):
        return ()
    methods = (resolver.member(cls, call.func.name) for cls in owner.classes)
    return tuple(dict.fromkeys(filter(None, (callable_function(resolver, m) for m in methods))))


def callable_function(resolver: Resolver, entity: Resolved) -> FunctionKey | None:
    """The project function that runs when `entity` is called (a class runs its __init__, an
    instance of a project class its `__call__`)."""
    if isinstance(entity, FunctionEntity):
        return (entity.module, entity.qualname)
    if isinstance(entity, ClassEntity):
        init = resolver.class_member(entity, "__init__", instance=True)
        if isinstance(init, FunctionEntity):
            return (init.module, init.qualname)
    if isinstance(entity, InstanceEntity) and isinstance(entity.cls, ClassEntity):
        call = resolver.class_member(entity.cls, "__call__", instance=True)
        if isinstance(call, FunctionEntity):
            return (call.module, call.qualname)
    return None


def with_extra_calls(
    edges: Mapping[FunctionKey, tuple[FunctionKey, ...]],
    *extra: Mapping[FunctionKey, tuple[FunctionKey, ...]],
) -> dict[FunctionKey, tuple[FunctionKey, ...]]:
    """The call graph's edges plus calls found by the table-access stage (a writer's flush
    running mapper event listeners, a model's methods run through its receiver)."""
    merged = dict(edges)
    for calls in extra:
        for key, callees in calls.items():
            merged[key] = tuple(dict.fromkeys((*merged.get(key, ()), *callees)))
    return merged
