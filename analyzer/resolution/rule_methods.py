"""Which method a rule added to a Flask app or blueprint runs, when the project's own classes
take part: an `add_url_rule` override of a project subclass of `Flask` or `Blueprint` (Flask's
`route` decorators call it too), and, for a blueprint, the `add_url_rule` of the setup state
its `make_setup_state` override builds (a project subclass of `BlueprintSetupState`), which
Flask calls with each of the blueprint's rules when an app registers it.

Read from facts alone; `registrations` runs the methods found with the call's arguments.
"""

from __future__ import annotations

from analyzer.facts.python import ROUTE_DECORATORS, RegistrationFact
from analyzer.facts.values import CallOf, Lit, Seq, SuperOf, Value
from analyzer.resolution.resolve import (
    INSTANCE,
    RECEIVER,
    ClassEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    Resolver,
)

# the env key marking a method run as the setup state's `add_url_rule` (no parameter can have
# this name): the library's one it reaches adds the rule with the state's `url_prefix`
SETUP_STATE = "<setup-state>"
RULE_KINDS = frozenset({"add_url_rule", "route"})


def rule_arguments(
    fact: RegistrationFact,
) -> tuple[tuple[Value, ...], tuple[tuple[str, Value], ...]] | None:
    """The arguments of the `add_url_rule(rule, endpoint, view_func, **options)` call a rule
    registration makes: its own, or for `@target.route(rule, **options)` on `f` what Flask's
    decorator passes (`endpoint` taken out of the options; `get`, `post`... add `methods`)."""
    if fact.kind == "add_url_rule":
        return fact.args, fact.kwargs
    if fact.kind != "route" or fact.attr not in ROUTE_DECORATORS or fact.view is None:
        return None
    if len(fact.args) != 1:
        return None
    endpoint = next((v for k, v in fact.kwargs if k == "endpoint"), Lit(None))
    options = tuple((k, v) for k, v in fact.kwargs if k != "endpoint")
    if fact.attr != "route":
        options += (("methods", Seq((Lit(fact.attr.upper()),))),)
    return (fact.args[0], endpoint, fact.view), options


def next_method(
    resolver: Resolver, cls: ClassEntity, name: str, after: ClassEntity | None
) -> FunctionEntity | None:
    """The project method `name` an object of `cls` runs (for `super().<name>` written in
    `after`: the next one along the MRO), None when a library class's runs."""
    order = resolver.mro(cls)
    if after is not None:
        if after not in order:
            return None
        order = order[order.index(after) + 1 :]
    for klass in order:
        if isinstance(klass, ExternalEntity):
            continue  # a mixin listed first: the project's bases after it may define it
        if name in resolver.members(klass).methods:
            return FunctionEntity(klass.module, f"{klass.qualname}.{name}")
    return None


def setup_state_class(resolver: Resolver, cls: ClassEntity) -> ClassEntity | None:
    """The project class whose object a blueprint of `cls` hands its rules to: what its
    `make_setup_state` override returns, built by calling that class."""
    method = next_method(resolver, cls, "make_setup_state", None)
    fact = None if method is None else resolver.functions.get((method.module, method.qualname))
    if method is None or fact is None or not isinstance(fact.returns, CallOf):
        return None
    ctx = Ctx(method.module, method.qualname, {RECEIVER: cls})
    made = resolver.resolve(fact.returns.func, ctx)
    return made if isinstance(made, ClassEntity) else None


def super_class(resolver: Resolver, target: Value, ctx: Ctx) -> ClassEntity | None:
    """For a rule added with `super().add_url_rule(...)`, the class it is written in."""
    if not (isinstance(target, CallOf) and isinstance(target.func, SuperOf)):
        return None
    return ClassEntity(resolver.canonical(ctx.module), target.func.class_qualname)


def is_attribute_key(key: str) -> bool:
    """Whether an env key holds one of the object's attributes (`attribute_key`)."""
    return key.startswith(f"{INSTANCE}.")
