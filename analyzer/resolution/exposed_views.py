"""Flask-AppBuilder and Flask-Admin views: a class registered with `appbuilder.add_view`,
`add_view_no_menu`, `add_api` (here) or `admin.add_view` (`admin_views`) becomes a blueprint
whose rules are its `@expose(url, methods=...)` methods, named and prefixed the way each
library does it.

A view also serves the routes its Flask-AppBuilder base class exposes itself (a
`ModelRestApi`'s `get_list`, `get`, `post`..., a `ModelView`'s list, show, add... pages, a
security view's, as `fab_table` lists them for the Flask-AppBuilder release the project pins:
4.x's `ModelView` also serves its legacy JSON rules, unless `disable_api_route_methods` is
set), unless the project overrides them without `@expose`, and takes the `route_base`,
`resource_name`, `version` and `include_route_methods` it does not set from that class; the
routes of other library classes it inherits from are named in a diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.facts.values import CallOf
from analyzer.resolution.fab_table import FabView
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    InstanceEntity,
    Opaque,
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
    methods: tuple[str, ...] | None  # None: Flask's default, the view's own or GET
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
    return class_blueprint(
        resolver, cls, endpoint if isinstance(endpoint, str) else None, (reg.file, reg.line)
    )


def class_blueprint(
    resolver: Resolver, cls: ClassEntity, endpoint: str | None, site: tuple[str, int]
) -> ExposedBlueprint | str:
    """The blueprint Flask-AppBuilder makes for a project view class (named `endpoint`, else
    after the class), its library rules declared at `site`; or why it is unknown."""
    unknown_filter = _unknown_route_filter(resolver, cls)
    if unknown_filter is not None:
        return unknown_filter
    class_name = cls.qualname.rsplit(".", 1)[-1]
    return ExposedBlueprint(
        endpoint or class_name,
        _appbuilder_route_base(resolver, cls, class_name),
        cls.qualname,
        tuple(exposed_rules(resolver, cls, library_site=site)),
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
        and k.dotted not in resolver.fab.view_by_dotted
    )


def _appbuilder_route_base(resolver: Resolver, cls: ClassEntity, class_name: str) -> str:
    """`route_base`, else `/api/<version>/<resource_name>` for APIs, else `/<classname>`; each
    attribute the project's classes do not set taken from the Flask-AppBuilder class it
    extends (`RoleApi`'s `resource_name`), when known."""
    library = _library_view(resolver, cls)
    given = _class_attr(resolver, cls, "route_base", library)
    if isinstance(given, str):
        return given
    is_api = any(
        k.dotted.rsplit(".", 1)[-1].endswith("Api")
        for k in resolver.mro(cls)
        if isinstance(k, ExternalEntity)
    )
    if not is_api:
        return "/" + class_name.lower()
    version = _class_attr(resolver, cls, "version", library)
    resource = _class_attr(resolver, cls, "resource_name", library)
    resource = resource if isinstance(resource, str) and resource else class_name
    return f"/api/{version if isinstance(version, str) else 'v1'}/{resource.lower()}"


def _library_view(resolver: Resolver, cls: ClassEntity) -> FabView | None:
    """The first Flask-AppBuilder class along the MRO whose attributes are known."""
    views = resolver.fab.view_by_dotted
    return next(
        (
            views[k.dotted]
            for k in resolver.mro(cls)
            if isinstance(k, ExternalEntity) and k.dotted in views
        ),
        None,
    )


def _class_attr(resolver: Resolver, cls: ClassEntity, attr: str, library: FabView | None) -> object:
    """A class attribute the project sets, else the library class's."""
    given = resolver.class_member(cls, attr, instance=False)
    if isinstance(given, Opaque) and given.external and library is not None:
        return getattr(library, attr)
    return constant(given)


ROUTE_FILTERS = ("include_route_methods", "exclude_route_methods")


def _unknown_route_filter(resolver: Resolver, cls: ClassEntity) -> str | None:
    """Why the view's routes are not known when the class sets a route filter (`RouteMethod.
    CRUD_SET | {"export"}`) whose names are not known statically, else None."""
    for attr in ROUTE_FILTERS:
        given = resolver.class_member(cls, attr, instance=False)
        if isinstance(given, Opaque) and (given.missing or given.external):
            continue  # not set in the project: the library's default, no filter
        if constant_strings(given) is None and given != ConstEntity(None):
            return f"{cls.qualname}.{attr} is not known statically"
    return None


def exposed_rules(
    resolver: Resolver, cls: ClassEntity, library_site: tuple[str, int] | None = None
) -> list[ExposedRule]:
    """Every `@expose` of the class's methods (the first definition of a name along the MRO
    counts: an override without `@expose` exposes nothing), filtered like Flask-AppBuilder's
    `include_route_methods` / `exclude_route_methods` when those are literal; with
    `library_site` (file, line), also the rules of its Flask-AppBuilder base class, declared
    there."""
    include, exclude = (
        constant_strings(resolver.class_member(cls, attr, instance=False)) for attr in ROUTE_FILTERS
    )
    base_view = _library_view(resolver, cls)
    if include is None and base_view is not None and _inherits_filter(resolver, cls):
        include = base_view.include  # `PermissionApi`'s own filter
    disabled = resolver.class_member(cls, "disable_api_route_methods", instance=False)
    if disabled == ConstEntity(True):  # 4.x's `RestCRUDView.__init__` excludes them
        exclude = (*(exclude or ()), *sorted(resolver.fab.json_api_methods))

    def served(name: str) -> bool:
        return (include is None or name in include) and (exclude is None or name not in exclude)

    seen: set[str] = set()
    rules: list[ExposedRule] = []
    for klass in resolver.mro(cls):
        if isinstance(klass, ExternalEntity):
            known = resolver.fab.view_by_dotted.get(klass.dotted)
            library = known.rules if known is not None else ()
            if library_site is not None:
                rules += [
                    ExposedRule(url, name, None, methods, *library_site)
                    for url, name, methods in library
                    if name not in seen and served(name)
                ]
            seen.update(name for _, name, _ in library)
            continue
        for method_name in resolver.classes[(klass.module, klass.qualname)].methods:
            if method_name not in seen and served(method_name):
                rules += _method_rules(resolver, klass, method_name)
            seen.add(method_name)
    return rules


def _method_rules(resolver: Resolver, klass: ClassEntity, method_name: str) -> list[ExposedRule]:
    """The rules of one method's `@expose` decorators."""
    ctx = Ctx(klass.module)
    method = FunctionEntity(klass.module, f"{klass.qualname}.{method_name}")
    function = resolver.functions.get((method.module, method.qualname))
    rules: list[ExposedRule] = []
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
            path = resolver.files[klass.module].path
            rules.append(ExposedRule(rule, method_name, method, methods, path, decorator.line))
    return rules


def _inherits_filter(resolver: Resolver, cls: ClassEntity) -> bool:
    """Whether the class leaves `include_route_methods` to its Flask-AppBuilder base."""
    given = resolver.class_member(cls, "include_route_methods", instance=False)
    return isinstance(given, Opaque) and given.external
