"""Flask-AppBuilder and Flask-Admin views: a class registered with `appbuilder.add_view`,
`add_view_no_menu`, `add_api` (here) or `admin.add_view` (`admin_views`) becomes a blueprint
whose rules are its `@expose(url, methods=...)` methods, named and prefixed the way each
library does it.

Only methods defined in the analyzed project are seen; routes a view inherits from
Flask-AppBuilder's own classes (`ModelView`, `ModelRestApi`...) are named in a diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.facts.values import CallOf
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    InstanceEntity,
    Resolver,
    constant,
    constant_strings,
)

EXPOSE_DECORATORS = frozenset(
    {
        "flask_appbuilder.expose",
        "flask_appbuilder.api.expose",
        "flask_appbuilder.baseviews.expose",
        "flask_admin.expose",
        "flask_admin.base.expose",
    }
)
VIEW_LIBRARIES = ("flask_appbuilder.", "flask_admin.")
# library base classes that expose no routes of their own
PLAIN_BASES = frozenset(
    {
        "flask_appbuilder.BaseView",
        "flask_appbuilder.baseviews.BaseView",
        "flask_appbuilder.api.BaseApi",
        "flask_appbuilder.BaseApi",
        "flask_admin.BaseView",
        "flask_admin.base.BaseView",
    }
)


@dataclass(frozen=True, slots=True)
class ExposedRule:
    rule: str
    endpoint: str  # the method's name
    view: FunctionEntity | None  # None for a view of the library itself
    methods: tuple[str, ...]
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class ExposedBlueprint:
    name: str
    url_prefix: str | None
    label: str  # the view class, for messages
    rules: tuple[ExposedRule, ...]
    inherited_from: tuple[str, ...] = ()  # library bases whose own routes are not visible
    static_folder: str | None = None
    static_url_path: str | None = None


def appbuilder_blueprint(resolver: Resolver, reg: Registration) -> ExposedBlueprint | str:
    """The blueprint `reg` (`add_view`, `add_view_no_menu`, `add_api` on an `AppBuilder`)
    creates, or why it is unknown."""
    view = reg.argument(0, "baseview")
    ctor = reg.fact.args[0] if reg.fact.args else None
    if isinstance(view, InstanceEntity) and isinstance(view.cls, ClassEntity):
        cls = view.cls
    elif isinstance(view, ClassEntity):
        cls, ctor = view, None
    else:
        return "the view class is not known statically"
    ctx = Ctx(reg.module, reg.fact.scope)
    given = resolver.keyword(ctor, "endpoint", ctx) if isinstance(ctor, CallOf) else None
    endpoint = constant(given)
    if endpoint is None and reg.fact.attr == "add_view_no_menu":
        endpoint = constant(reg.argument(1, "endpoint"))
    class_name = cls.qualname.rsplit(".", 1)[-1]
    return ExposedBlueprint(
        endpoint if isinstance(endpoint, str) and endpoint else class_name,
        _appbuilder_route_base(resolver, cls, class_name),
        cls.qualname,
        tuple(exposed_rules(resolver, cls)),
        library_bases(resolver, cls),
    )


def library_bases(resolver: Resolver, cls: ClassEntity | ExternalEntity) -> tuple[str, ...]:
    """The view libraries' classes `cls` inherits routes from that are not visible here."""
    bases = resolver.mro(cls) if isinstance(cls, ClassEntity) else (cls,)
    return tuple(
        k.dotted
        for k in bases
        if isinstance(k, ExternalEntity)
        and k.dotted.startswith(VIEW_LIBRARIES)
        and k.dotted not in PLAIN_BASES
    )


def _appbuilder_route_base(resolver: Resolver, cls: ClassEntity, class_name: str) -> str:
    """`route_base`, else `/api/<version>/<resource_name>` for APIs, else `/<classname>`."""
    given = constant(resolver.class_member(cls, "route_base", instance=False))
    if isinstance(given, str):
        return given
    is_api = any(
        k.dotted.rsplit(".", 1)[-1].endswith("Api")
        for k in resolver.mro(cls)
        if isinstance(k, ExternalEntity)
    )
    if not is_api:
        return "/" + class_name.lower()
    version = constant(resolver.class_member(cls, "version", instance=False))
    resource = constant(resolver.class_member(cls, "resource_name", instance=False))
    resource = resource if isinstance(resource, str) and resource else class_name
    return f"/api/{version if isinstance(version, str) else 'v1'}/{resource.lower()}"


def exposed_rules(resolver: Resolver, cls: ClassEntity) -> list[ExposedRule]:
    """Every `@expose` of the class's methods (the first definition of a name along the MRO
    counts: an override without `@expose` exposes nothing), filtered like Flask-AppBuilder's
    `include_route_methods` / `exclude_route_methods` when those are literal."""
    include = constant_strings(resolver.class_member(cls, "include_route_methods", instance=False))
    exclude = constant_strings(resolver.class_member(cls, "exclude_route_methods", instance=False))
    seen: set[str] = set()
    rules: list[ExposedRule] = []
    for klass in resolver.mro(cls):
        if isinstance(klass, ExternalEntity):
            continue
        fact = resolver.classes[(klass.module, klass.qualname)]
        ctx = Ctx(klass.module)
        for method_name in fact.methods:
            if method_name in seen:
                continue
            seen.add(method_name)
            if (include is not None and method_name not in include) or (
                exclude is not None and method_name in exclude
            ):
                continue
            method = FunctionEntity(klass.module, f"{klass.qualname}.{method_name}")
            function = resolver.functions.get((method.module, method.qualname))
            for decorator in function.decorators if function else ():
                if not isinstance(decorator, CallOf):
                    continue
                func = resolver.resolve(decorator.func, ctx)
                if not (isinstance(func, ExternalEntity) and func.dotted in EXPOSE_DECORATORS):
                    continue
                url = resolver.argument(decorator, 0, "url", ctx)
                rule = "/" if url is None else constant(url)
                given = resolver.argument(decorator, 1, "methods", ctx)
                methods: tuple[str, ...] | None = ("GET",)
                if given is not None and given != ConstEntity(None):
                    methods = constant_strings(given)
                if isinstance(rule, str) and methods is not None:
                    rules.append(
                        ExposedRule(
                            rule,
                            method_name,
                            method,
                            methods,
                            resolver.files[klass.module].path,
                            decorator.line,
                        )
                    )
    return rules
