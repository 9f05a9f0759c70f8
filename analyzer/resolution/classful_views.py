"""Flask-Classful: the rules `SomeView.register(app_or_blueprint, ...)` adds for a `FlaskView`
subclass, built the way Flask-Classful 0.16 does it (`FlaskView.register`, `build_rule`,
`get_interesting_members`).

Every public method of the class and its project bases (not `FlaskView`'s own names, not
`before_*`/`after_*`, not `excluded_methods`, not class methods or properties) is a rule: a
method decorated with `@route(rule, methods=..., endpoint=...)` gets each of its rules; one of
`special_methods` (`index`, `get`, `post`, `put`, `patch`, `delete`) gets `/` and its other
methods `/<name>/`, followed by one URL variable per parameter without a default (typed by an
`int`/`float`/`str`/`UUID` annotation). Rules start with `route_prefix` and `route_base` (by
default the class name without "View", dashed), which `register`'s arguments override, and
follow `trailing_slash`; endpoints are `ClassName:method` (`_0`, `_1`... for a method with
several `@route`s).

Which calls register a view, and which class: `classful_registrations`.

Not modelled: `FlaskView.base_args` is one list the library extends with the URL variables of
every `route_base` it builds, so a variable of one class's `route_base` is also left out of the
rules of classes registered after it; here only the class's own `base_args` and `route_base`
count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from analyzer.facts.python import FunctionFact
from analyzer.facts.values import Attr, CallOf, Ref
from analyzer.resolution.exposed_views import ExposedRule
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    Ctx,
    DictEntity,
    ExternalEntity,
    FunctionEntity,
    Opaque,
    Resolved,
    Resolver,
    constant,
    constant_strings,
)

ROUTE_DECORATOR = "flask_classful.route"
METHOD_DECORATOR = "flask_classful.method"
# `dir(FlaskView)` (0.16.0) without the underscored names: never routed
FLASK_VIEW_NAMES = frozenset(
    {
        "base_args",
        "build_route_name",
        "build_rule",
        "decorators",
        "default_route_base",
        "excluded_methods",
        "get_route_base",
        "make_proxy_method",
        "method_dashified",
        "parse_options",
        "register",
        "representations",
        "route_base",
        "route_prefix",
        "special_methods",
        "trailing_slash",
        "type_hints",
    }
)
SPECIAL_METHODS: dict[str, tuple[str, ...]] = {
    "get": ("GET",),
    "put": ("PUT",),
    "patch": ("PATCH",),
    "post": ("POST",),
    "delete": ("DELETE",),
    "index": ("GET",),
}
# `FlaskView.type_hints`: an annotation that gives the URL variable a converter
CONVERTERS = {
    "builtins.str": "string",
    "builtins.int": "int",
    "builtins.float": "float",
    "uuid.UUID": "uuid",
}
# `register(cls, app, route_base, subdomain, route_prefix, trailing_slash, method_dashified, ...)`
ROUTE_BASE_AT, ROUTE_PREFIX_AT, TRAILING_SLASH_AT, METHOD_DASHIFIED_AT = 1, 3, 4, 5
NOT_ROUTED_DECORATORS = frozenset({"classmethod", "property", "cached_property"})
_URL_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")
_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")
_REPEATED_SLASHES = re.compile(r"/{2,}")


@dataclass(frozen=True, slots=True)
class _Options:
    """What shapes a view's rules: `register`'s arguments, else the class's attributes."""

    route_prefix: str | None
    route_base: str | None
    trailing_slash: bool
    method_dashified: bool
    base_args: frozenset[str]
    excluded: frozenset[str]
    special: dict[str, tuple[str, ...]]
    default_methods: tuple[str, ...]


# a `register(...)` call's argument by position (`app` is 0) and keyword
Argument = Callable[[int, str], Resolved | None]


def classful_rules(
    resolver: Resolver, cls: ClassEntity, argument: Argument
) -> list[ExposedRule] | str:
    """The rules `cls.register(app, ...)` adds, given that call's `argument`s, or why they
    are not known."""
    options = _options(resolver, cls, argument)
    if isinstance(options, str):
        return options
    class_name = cls.qualname.rsplit(".", 1)[-1]
    rules: list[ExposedRule] = []
    for name, method in _routed_methods(resolver, cls, options.excluded):
        found = _method_rules(resolver, method, name, class_name, options)
        if isinstance(found, str):
            return found
        rules += found
    return rules


def _options(resolver: Resolver, cls: ClassEntity, argument: Argument) -> _Options | str:
    values: dict[str, object] = {}
    for attr, at, default in (
        ("route_prefix", ROUTE_PREFIX_AT, None),
        ("route_base", ROUTE_BASE_AT, None),
        ("trailing_slash", TRAILING_SLASH_AT, True),
        ("method_dashified", METHOD_DASHIFIED_AT, False),
    ):
        given = argument(at, attr)
        if given is not None and not isinstance(given, ConstEntity):
            return f"{attr}= of {cls.qualname}.register() is not known statically"
        # `register` overrides a route base or prefix when truthy, the flags when not None
        overrides = given is not None and (
            given.value if default is None else given.value is not None
        )
        if not overrides:
            given = _class_attr(resolver, cls, attr)
        if given is not None and not isinstance(given, ConstEntity):
            return f"{cls.qualname}.{attr} is not known statically"
        values[attr] = default if given is None else given.value
    route_prefix, route_base = values["route_prefix"], values["route_base"]
    if not (route_prefix is None or isinstance(route_prefix, str)) or not (
        route_base is None or isinstance(route_base, str)
    ):
        return f"{cls.qualname}'s route_prefix or route_base is not a string"
    lists = {}
    for attr in ("base_args", "excluded_methods", "default_methods"):
        given = _class_attr(resolver, cls, attr)
        names = None if given is None else constant_strings(given)
        if given is not None and names is None:
            return f"{cls.qualname}.{attr} is not known statically"
        lists[attr] = names
    special = _special_methods(resolver, cls)
    if special is None:
        return f"{cls.qualname}.special_methods is not known statically"
    base_args = set(lists["base_args"] or ())
    if route_base is not None:
        base_args.update(_URL_VARIABLE.findall(route_base))
    return _Options(
        route_prefix,
        route_base,
        bool(values["trailing_slash"]),
        bool(values["method_dashified"]),
        frozenset(base_args),
        frozenset(lists["excluded_methods"] or ()),
        special,
        lists["default_methods"] or ("GET",),
    )


def _class_attr(resolver: Resolver, cls: ClassEntity, attr: str) -> Resolved | None:
    """A class attribute the project sets along the MRO; None when it is `FlaskView`'s."""
    found = resolver.class_member(cls, attr, instance=False)
    return None if isinstance(found, Opaque) and (found.external or found.missing) else found


def _special_methods(resolver: Resolver, cls: ClassEntity) -> dict[str, tuple[str, ...]] | None:
    given = _class_attr(resolver, cls, "special_methods")
    if given is None:
        return SPECIAL_METHODS
    if not isinstance(given, DictEntity):
        return None
    found = {}
    for key, value in given.items:
        name, methods = constant(key), constant_strings(value)
        if not isinstance(name, str) or methods is None:
            return None
        found[name] = methods
    return found


def _routed_methods(
    resolver: Resolver, cls: ClassEntity, excluded: frozenset[str]
) -> list[tuple[str, FunctionEntity]]:
    """`get_interesting_members`: the public functions the class has (its own or a project
    base's, the first binding of a name along the MRO), sorted by name as `inspect` lists
    them."""
    seen: set[str] = set(FLASK_VIEW_NAMES)
    found: dict[str, FunctionEntity] = {}
    for klass in resolver.mro(cls):
        if isinstance(klass, ExternalEntity):
            continue
        members = resolver.members(klass)
        for name in [*members.methods, *members.class_attrs]:
            if name in seen:
                continue
            seen.add(name)
            if name not in members.methods or not _routed_name(name, excluded):
                continue
            method = FunctionEntity(klass.module, f"{klass.qualname}.{name}")
            fact = resolver.functions.get((method.module, method.qualname))
            if fact is not None and not _not_a_function(fact):
                found[name] = method
    return sorted(found.items())


def _routed_name(name: str, excluded: frozenset[str]) -> bool:
    return not name.startswith(("_", "before_", "after_")) and name not in excluded


def _not_a_function(fact: FunctionFact) -> bool:
    """A class method or property: `inspect.isfunction` is false for what the class holds."""
    for decorator in fact.decorators:
        match decorator:
            case Ref(dotted) if dotted.rsplit(".", 1)[-1] in NOT_ROUTED_DECORATORS:
                return True
            case Attr(name="setter" | "getter" | "deleter"):
                return True
    return False


def _method_rules(
    resolver: Resolver,
    method: FunctionEntity,
    name: str,
    class_name: str,
    options: _Options,
) -> list[ExposedRule] | str:
    """The rules one routed method gets (`register`'s loop body)."""
    fact = resolver.functions[(method.module, method.qualname)]
    path = resolver.files[method.module].path
    ctx = Ctx(method.module)
    route_name = f"{class_name}:{name}"
    routes: list[tuple[CallOf, Resolved | None]] = []
    http_methods: list[str] = []
    for decorator in reversed(fact.decorators):  # applied from the innermost one out
        if not isinstance(decorator, CallOf):
            continue
        func = resolver.resolve(decorator.func, ctx)
        if func == ExternalEntity(ROUTE_DECORATOR):
            routes.append((decorator, resolver.argument(decorator, 0, "rule", ctx)))
        elif func == ExternalEntity(METHOD_DECORATOR):
            given = constant(resolver.argument(decorator, 0, "method", ctx))
            if not isinstance(given, str):
                return f"@method on {method.qualname} is not known statically"
            http_methods.append(given)
    if routes:
        rules = []
        for index, (decorator, given_rule) in enumerate(routes):
            rule = constant(given_rule)
            given_methods = resolver.argument(decorator, -1, "methods", ctx)
            methods = None if given_methods is None else constant_strings(given_methods)
            if not isinstance(rule, str) or (given_methods is not None and methods is None):
                return f"@route of {method.qualname} is not known statically"
            endpoint = constant(resolver.keyword(decorator, "endpoint", ctx))
            if not isinstance(endpoint, str):
                endpoint = route_name if len(routes) == 1 else f"{route_name}_{index}"
            built = _build_rule(rule, [], class_name, options)
            rules.append(ExposedRule(built, endpoint, method, methods, path, decorator.line))
        return rules
    variables = _url_variables(resolver, method, fact, options)
    if name in options.special:
        rule = _build_rule("/", variables, class_name, options)
        if not options.trailing_slash and rule != "/":
            rule = rule.rstrip("/")
        elif options.trailing_slash and not rule.endswith("/"):
            rule += "/"
        return [ExposedRule(rule, route_name, method, options.special[name], path, fact.line)]
    written = name.replace("_", "-") if options.method_dashified else name
    route = f"/{written}/" if options.trailing_slash else f"/{written}"
    rule = _build_rule(route, variables, class_name, options)
    if options.trailing_slash and not rule.endswith("/"):
        rule += "/"
    methods = tuple(http_methods) or options.default_methods
    return [ExposedRule(rule, route_name, method, methods, path, fact.line)]


def _url_variables(
    resolver: Resolver, method: FunctionEntity, fact: FunctionFact, options: _Options
) -> list[str]:
    """One URL variable per parameter without a default that is neither `self` nor a base
    argument, with the converter its annotation names (`FlaskView.type_hints`)."""
    ignored = {"self", *options.base_args}
    variables = []
    for param in fact.params:
        if param.kind != "positional" or param.name in ignored or param.default is not None:
            continue
        converter = None
        if param.annotation is not None:
            hinted = resolver.resolve(param.annotation, Ctx(method.module))
            if isinstance(hinted, ExternalEntity):
                converter = CONVERTERS.get(hinted.dotted)
        variables.append(f"<{converter}:{param.name}>" if converter else f"<{param.name}>")
    return variables


def _build_rule(rule: str, variables: list[str], class_name: str, options: _Options) -> str:
    """`FlaskView.build_rule`: prefix, route base (by default the class name without "View",
    `UserProfile` -> `user-profile`), the rule, then the method's URL variables."""
    parts = [options.route_prefix] if options.route_prefix else []
    if options.route_base is not None:
        base = options.route_base.strip("/")
    else:
        name = class_name.removesuffix("View")
        base = _ALL_CAP.sub(r"\1-\2", _FIRST_CAP.sub(r"\1-\2", name)).lower()
    if base:
        parts.append(base)
    if rule:
        parts.append(rule)
    parts += variables
    return _REPEATED_SLASHES.sub("/", "/" + "/".join(parts))
