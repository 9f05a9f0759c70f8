"""Flask-Admin: the blueprint each view creates (`BaseView.create_blueprint`), for the views
given to `admin.add_view(...)` / `admin.add_views(...)` and the index view every `Admin` has.

Endpoint, URL and rules follow Flask-Admin 2.x: the endpoint given, else the model's name for
a model view, else the class name, lowercased; the URL under the admin's (`_get_view_url`);
the view's `@expose` methods plus those its Flask-Admin base class exposes itself (a model
view's list, create, edit... pages), unless the project overrides them without `@expose`.
Arguments are read where the view is built, and from the `super().__init__(...)` of a
constructor the project gives it; views of other Flask-Admin classes (`FileAdmin`...) get
only their own `@expose` methods and a diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.facts.values import Attr, CallOf, Ref, SuperOf, Value
from analyzer.resolution.exposed_views import (
    ExposedBlueprint,
    ExposedRule,
    exposed_rules,
    library_bases,
)
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    Ctx,
    ExternalEntity,
    FlaskObject,
    InstanceEntity,
    Resolved,
    Resolver,
    constant,
)

GET = ("GET",)
GET_POST = ("GET", "POST")
POST = ("POST",)
# the methods of `flask_admin.model.BaseModelView` decorated with `@expose`: (url, name, methods)
MODEL_VIEW_RULES = (
    ("/", "index_view", GET),
    ("/new/", "create_view", GET_POST),
    ("/edit/", "edit_view", GET_POST),
    ("/details/", "details_view", GET),
    ("/delete/", "delete_view", POST),
    ("/action/", "action_view", POST),
    ("/export/<export_type>/", "export", GET),
    ("/ajax/lookup/", "ajax_lookup", GET),
    ("/ajax/update/", "ajax_update", POST),
)
ADMIN_DEFAULT_URL = "/admin"
ADMIN_DEFAULT_ENDPOINT = "admin"
# `Admin(app, name, url, subdomain, index_view, translations_path, endpoint, ...)`
ADMIN_URL_AT, ADMIN_INDEX_VIEW_AT, ADMIN_ENDPOINT_AT = 2, 4, 6


@dataclass(frozen=True, slots=True)
class _Family:
    """What a Flask-Admin view class fixes: where its constructor takes `endpoint` and `url`
    (and the model, whose name is the default endpoint), its defaults, its own rules."""

    endpoint_at: int
    url_at: int
    model_at: int | None = None
    rules: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    default_endpoint: str | None = None  # None: the class (or model) name, lowercased
    default_url: str | None = None
    static_folder: str | None = None


_PLAIN_VIEW = _Family(endpoint_at=2, url_at=3)
_INDEX_VIEW = _Family(
    endpoint_at=2,
    url_at=3,
    rules=(("/", "index", GET),),
    default_endpoint=ADMIN_DEFAULT_ENDPOINT,
    default_url=ADMIN_DEFAULT_URL,
    static_folder="static",
)
_SQLA_MODEL_VIEW = _Family(endpoint_at=4, url_at=5, model_at=0, rules=MODEL_VIEW_RULES)  # session
_MODEL_VIEW = _Family(endpoint_at=3, url_at=4, model_at=0, rules=MODEL_VIEW_RULES)
FAMILIES: dict[str, _Family] = {
    "flask_admin.BaseView": _PLAIN_VIEW,
    "flask_admin.base.BaseView": _PLAIN_VIEW,
    "flask_admin.AdminIndexView": _INDEX_VIEW,
    "flask_admin.base.AdminIndexView": _INDEX_VIEW,
    **{
        f"flask_admin.contrib.{lib}{module}.ModelView": family
        for lib, family in (
            ("sqla", _SQLA_MODEL_VIEW),
            ("geoa", _SQLA_MODEL_VIEW),
            ("peewee", _MODEL_VIEW),
            ("mongoengine", _MODEL_VIEW),
            ("pymongo", _MODEL_VIEW),
        )
        for module in ("", ".view")
    },
}


@dataclass(frozen=True, slots=True)
class _View:
    """A view instance as the code builds it: class, Flask-Admin family, endpoint and url."""

    label: str
    family: _Family | None
    endpoint: str
    url: str | None
    rules: tuple[ExposedRule, ...]  # its own `@expose` methods
    library_rules: tuple[tuple[str, str, tuple[str, ...]], ...]  # its base class's, kept
    inherited_from: tuple[str, ...]  # Flask-Admin bases whose own rules are not known


def admin_index_blueprint(resolver: Resolver, admin: FlaskObject) -> ExposedBlueprint | str:
    """The index view's blueprint: `index_view=` if given, else an `AdminIndexView`."""
    view = _index_view(resolver, admin)
    if isinstance(view, str):
        return view
    site = (resolver.files[admin.module].path, admin.line)
    return _blueprint(view, _admin_url(resolver, admin, view), site, is_index=True)


def admin_view_blueprint(
    resolver: Resolver,
    admin: FlaskObject,
    written: Value | None,
    given: Resolved | None,
    ctx: Ctx,
    site: tuple[str, int],
) -> ExposedBlueprint | str:
    """The blueprint of one view given to `add_view(s)` (`written`: the argument as written
    where `ctx` says, `given`: resolved), or why it is not known; `site` names the call."""
    view = _view(resolver, written, given, ctx)
    if isinstance(view, str):
        return view
    index = _index_view(resolver, admin)
    admin_url = _admin_url(resolver, admin, None if isinstance(index, str) else index)
    return _blueprint(view, admin_url, site, is_index=False)


def _index_view(resolver: Resolver, admin: FlaskObject) -> _View | str:
    """`index_view=` as given (its own endpoint and url, whatever the admin's), else the
    `AdminIndexView(endpoint=endpoint, url=url)` the admin builds from its own arguments."""
    ctx = Ctx(admin.module, admin.scope)
    given = resolver.argument(admin.ctor, ADMIN_INDEX_VIEW_AT, "index_view", ctx)
    if given is not None and given != ConstEntity(None):
        view = _view(resolver, _written(admin.ctor, ADMIN_INDEX_VIEW_AT, "index_view"), given, ctx)
        return f"the admin's index_view: {view}" if isinstance(view, str) else view
    endpoint = _string(resolver.argument(admin.ctor, ADMIN_ENDPOINT_AT, "endpoint", ctx))
    url = _string(resolver.argument(admin.ctor, ADMIN_URL_AT, "url", ctx))
    return _View(
        "AdminIndexView",
        _INDEX_VIEW,
        endpoint or ADMIN_DEFAULT_ENDPOINT,
        ADMIN_DEFAULT_URL if url is None else url,
        (),
        _INDEX_VIEW.rules,
        (),
    )


def _admin_url(resolver: Resolver, admin: FlaskObject, index: _View | None) -> str:
    """`Admin.url`: the `url=` given, else the index view's."""
    ctx = Ctx(admin.module, admin.scope)
    given = _string(resolver.argument(admin.ctor, ADMIN_URL_AT, "url", ctx))
    if given:
        return given
    return index.url if index is not None and index.url else ADMIN_DEFAULT_URL


def _view(
    resolver: Resolver, written: Value | None, given: Resolved | None, ctx: Ctx
) -> _View | str:
    """A view instance: `SomeView(...)` of a project class or of Flask-Admin's own."""
    if not isinstance(given, InstanceEntity):
        return "the view is not an instance of a class known statically"
    cls = given.cls
    bases = resolver.mro(cls) if isinstance(cls, ClassEntity) else (cls,)
    family = next(
        (
            FAMILIES[k.dotted]
            for k in bases
            if isinstance(k, ExternalEntity) and k.dotted in FAMILIES
        ),
        None,
    )
    project_methods = _project_methods(resolver, cls)
    arguments = _ConstructorArguments(
        resolver, family, tuple(_constructor_calls(resolver, cls, written, ctx))
    )
    label = cls.qualname if isinstance(cls, ClassEntity) else cls.dotted
    class_name = label.rsplit(".", 1)[-1]
    endpoint = _string(arguments.get("endpoint"))
    if endpoint is None and family is not None and family.default_endpoint is not None:
        endpoint = family.default_endpoint
    elif endpoint is None and family is not None and family.model_at is not None:
        model = arguments.get("model")
        if not isinstance(model, ClassEntity):
            return f"{class_name}'s endpoint: its model is not a class known statically"
        endpoint = model.qualname.rsplit(".", 1)[-1].lower()
    url = _string(arguments.get("url"))
    return _View(
        label,
        family,
        endpoint or class_name.lower(),
        url if url is not None else (family.default_url if family else None),
        tuple(exposed_rules(resolver, cls)) if isinstance(cls, ClassEntity) else (),
        tuple(r for r in (family.rules if family else ()) if r[1] not in project_methods),
        () if family else library_bases(resolver, cls),
    )


@dataclass(frozen=True, slots=True)
class _Call:
    """A call that passes a view its constructor arguments; `by_position`: whether they follow
    the Flask-Admin family's layout (not when a constructor of the project's comes between)."""

    call: CallOf
    ctx: Ctx
    by_position: bool


@dataclass(frozen=True, slots=True)
class _ConstructorArguments:
    """A view's constructor arguments: the first call that passes the one asked for wins."""

    resolver: Resolver
    family: _Family | None
    calls: tuple[_Call, ...]

    def get(self, name: str) -> Resolved | None:
        layout = (
            {}
            if self.family is None
            else {
                "endpoint": self.family.endpoint_at,
                "url": self.family.url_at,
                "model": self.family.model_at,
            }
        )
        index = layout.get(name)
        for passed in self.calls:
            at = index if passed.by_position and index is not None else -1
            found = self.resolver.argument(passed.call, at, name, passed.ctx)
            if found is not None:
                return found
        return None


def _constructor_calls(
    resolver: Resolver, cls: ClassEntity | ExternalEntity, written: Value | None, ctx: Ctx
) -> Iterator[_Call]:
    """The view's construction as written (`SomeView(...)`, or the module-level name bound to
    it), then the `super().__init__(...)` of a constructor the project defines for it."""
    own_init = next(
        (
            k
            for k in (resolver.mro(cls) if isinstance(cls, ClassEntity) else ())
            if isinstance(k, ClassEntity)
            and "__init__" in resolver.classes[(k.module, k.qualname)].methods
        ),
        None,
    )
    if isinstance(written, Ref) and "." not in written.dotted:
        module = resolver.canonical(ctx.module)
        written, ctx = resolver.bindings.get(module, {}).get(written.dotted), Ctx(module)
    if isinstance(written, CallOf):
        yield _Call(written, ctx, by_position=own_init is None)
    if own_init is None:
        return
    init = f"{own_init.qualname}.__init__"
    fact = resolver.functions.get((own_init.module, init))
    bases = resolver.mro(own_init)
    to_library = len(bases) > 1 and isinstance(bases[1], ExternalEntity)
    for call in fact.calls if fact else ():
        if isinstance(call.func, Attr) and call.func.name == "__init__":
            called_on = call.func.base
            if isinstance(called_on, CallOf) and isinstance(called_on.func, SuperOf):
                super_init = CallOf(call.func, call.args, call.kwargs, call.line)
                yield _Call(super_init, Ctx(own_init.module, init), by_position=to_library)
                return


def _blueprint(
    view: _View, admin_url: str, site: tuple[str, int], *, is_index: bool
) -> ExposedBlueprint:
    """`BaseView.create_blueprint`: the URL under the admin's, `/` meaning no prefix (and the
    static files, if any, moved to `/static/admin`)."""
    url = view.url
    if url is None:
        if admin_url != "/":
            url = f"{admin_url}/{view.endpoint}"
        else:
            url = "/" if is_index else f"/{view.endpoint}"
    elif not url.startswith("/"):
        url = f"{admin_url}/{url}"
    static_folder = view.family.static_folder if view.family else None
    static_url_path = None
    if url == "/":
        static_folder, static_url_path = "static", "/static/admin"
    library = (
        ExposedRule(r, name, None, methods, *site) for r, name, methods in view.library_rules
    )
    return ExposedBlueprint(
        view.endpoint,
        None if url == "/" else url,
        view.label,
        (*view.rules, *library),
        view.inherited_from,
        static_folder,
        static_url_path,
    )


def _project_methods(resolver: Resolver, cls: ClassEntity | ExternalEntity) -> set[str]:
    """Every method the project's classes along the MRO define."""
    if isinstance(cls, ExternalEntity):
        return set()
    return {
        method
        for k in resolver.mro(cls)
        if isinstance(k, ClassEntity)
        for method in resolver.classes[(k.module, k.qualname)].methods
    }


def _written(call: CallOf, index: int, name: str) -> Value | None:
    """A call argument as written, by keyword or position."""
    for key, value in call.kwargs:
        if key == name:
            return value
    return call.args[index] if 0 <= index < len(call.args) else None


def _string(entity: Resolved | None) -> str | None:
    found = constant(entity)
    return found if isinstance(found, str) else None
