"""Routes that well-known Flask extensions register by themselves, applied where the analyzed
code calls them (resolved by import, never run): Flask-AppBuilder's own views when an
`AppBuilder` is initialised on an app, flasgger's `Swagger(app)`, Flask-Dance's
`make_<provider>_blueprint(...)` blueprints and flask-healthz's module-level one, Flask-Storage's
(Flask-FS's) `init_app(app)`, Flask-Security's blueprint when `Security(app, datastore)` or
`init_app(app, datastore)` runs.

What each library registers is data (`extension_table`, with the versions it was read from;
`fab_table`, one table per Flask-AppBuilder release); this module reads the arguments and
configuration the project gives it. A value the code sets but the analyzer cannot read is
replaced by the library's default, with an `extension-default` diagnostic naming the call; a
project class assumed to be the one Flask-AppBuilder uses (its only `IndexView`/
`SecurityManager` subclass, set where the analyzer does not look) gets one too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzer.facts.python import Diagnostic, FunctionFact
from analyzer.facts.values import Attr, CallOf, LiteralValue, Ref, SuperOf, Value
from analyzer.resolution import extension_table as table
from analyzer.resolution import fab_table as fab
from analyzer.resolution.exposed_views import ExposedBlueprint, ExposedRule, class_blueprint
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    Ctx,
    DictEntity,
    ExternalEntity,
    FlaskObject,
    FunctionEntity,
    InstanceEntity,
    Opaque,
    Resolved,
    Resolver,
    SeqEntity,
    constant,
    constant_strings,
)
from analyzer.resolution.theme_blueprints import runs_init_themes, themes_blueprint

EXTENSION_DEFAULT = "extension-default"
Site = tuple[str, int]


@dataclass
class ExtensionViews:
    """What an extension adds to an app: blueprints (or why one is not known), registrations
    of the project's own made on the extension's behalf, and diagnostics."""

    blueprints: list[ExposedBlueprint | str] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)

    def note(self, site: Site, message: str) -> None:
        self.notes.append(Diagnostic(site[0], site[1], EXTENSION_DEFAULT, message))


# ---- Flask-AppBuilder ---------------------------------------------------------------------


def appbuilder_views(resolver: Resolver, registry: FlaskObject, site: Site) -> ExtensionViews:
    """The views `AppBuilder.init_app` adds itself (in the Flask-AppBuilder release the project
    pins, `resolver.fab`): its static files, the index view, `UtilView`, `LocaleView`, the
    security manager's views and APIs (its class attributes naming them, the project's
    `register_views` override), OpenAPI and menu APIs; `site` is where the app is handed to
    it."""
    found = ExtensionViews()
    config = _Config(resolver, site, found)
    ctx = Ctx(registry.module, registry.scope)
    folder = _argument_or_setting(
        resolver, registry, fab.FAB_STATIC_FOLDER_AT, "static_folder", fab.FAB_STATIC_FOLDER
    )
    url_path = _argument_or_setting(
        resolver,
        registry,
        fab.FAB_STATIC_URL_PATH_AT,
        "static_url_path",
        fab.FAB_STATIC_URL_PATH,
    )
    found.blueprints.append(
        ExposedBlueprint(
            fab.FAB_STATIC_BLUEPRINT,
            fab.FAB_STATIC_PREFIX,
            "flask_appbuilder.AppBuilder",
            (),
            static_folder=folder if isinstance(folder, str) else fab.FAB_STATIC_FOLDER[1],
            static_url_path=url_path if isinstance(url_path, str) else fab.FAB_STATIC_URL_PATH[1],
        )
    )
    index = _fab_class(
        resolver,
        resolver.argument(registry.ctor, fab.FAB_INDEXVIEW_AT, "indexview", ctx),
        "FAB_INDEX_VIEW",
        fab.FAB_INDEX_VIEW,
        frozenset({fab.FAB_INDEX_VIEW, "flask_appbuilder.IndexView"}),
        "index view",
        found,
        site,
    )
    found.blueprints.append(
        _view_blueprint(resolver, index or ExternalEntity(fab.FAB_INDEX_VIEW), site)
    )
    manager = _fab_class(
        resolver,
        resolver.argument(
            registry.ctor, fab.FAB_SECURITY_MANAGER_AT, "security_manager_class", ctx
        ),
        "FAB_SECURITY_MANAGER_CLASS",
        None,
        fab.FAB_SECURITY_MANAGERS,
        "security manager",
        found,
        site,
    )
    override = (
        resolver.class_member(manager, "register_views", instance=True)
        if isinstance(manager, ClassEntity)
        else None
    )
    library_security = True
    if isinstance(override, FunctionEntity):
        found.registrations += _own_registrations(resolver, override, registry)
        fact = resolver.functions.get((override.module, override.qualname))
        library_security = fact is not None and _calls_super(fact, "register_views")
    if not config.holds(fab.FAB_SECURITY_VIEWS_ON):
        library_security = False
    for step in resolver.fab.steps:
        if step.attribute is not None and not library_security:
            continue  # the security manager's
        if not all(config.holds(when) for when in step.when):
            continue
        view: Resolved = ExternalEntity(step.default)
        if step.attribute is not None and isinstance(manager, ClassEntity):
            chosen = resolver.class_member(manager, step.attribute, instance=False)
            if chosen == ConstEntity(None):
                continue  # `userstatschartview = None`: not added
            if isinstance(chosen, ClassEntity | ExternalEntity):
                view = chosen
            elif not (isinstance(chosen, Opaque) and chosen.external):
                found.note(
                    site,
                    f"Flask-AppBuilder's {step.attribute}: {_describe(chosen)}; reported "
                    f"with its default {step.default}",
                )
        found.blueprints.append(_view_blueprint(resolver, view, site))
    return found


def library_view_blueprint(
    release: fab.FabRelease, dotted: str, site: Site, endpoint: str | None = None
) -> ExposedBlueprint | None:
    """The blueprint of one of Flask-AppBuilder's own view classes in `release`, as `add_view`
    makes it."""
    view = release.view_by_dotted.get(dotted)
    if view is None:
        return None
    rules = tuple(
        ExposedRule(url, name, None, methods, *site)
        for url, name, methods in view.rules
        if view.include is None or name in view.include
    )
    return ExposedBlueprint(endpoint or view.name, fab_route_base(view), dotted, rules)


def fab_route_base(view: fab.FabView) -> str:
    """`route_base`, else `/api/<version>/<resource_name>` for APIs, else `/<classname>`."""
    if view.route_base is not None:
        return view.route_base
    if view.is_api:
        return f"/api/{view.version}/{(view.resource_name or view.name).lower()}"
    return "/" + view.name.lower()


def _view_blueprint(resolver: Resolver, view: Resolved, site: Site) -> ExposedBlueprint | str:
    if isinstance(view, ClassEntity):
        return class_blueprint(resolver, view, None, site)
    if isinstance(view, ExternalEntity):
        found = library_view_blueprint(resolver.fab, view.dotted, site)
        return found or f"{view.dotted} is not one of Flask-AppBuilder's views the analyzer knows"
    return f"a Flask-AppBuilder view not known statically ({_describe(view)})"


def _fab_class(
    resolver: Resolver,
    given: Resolved | None,
    setting: str,
    default: str | None,
    bases: frozenset[str],
    what: str,
    found: ExtensionViews,
    site: Site,
) -> Resolved | None:
    """A class Flask-AppBuilder takes from its constructor, else from a setting naming it
    (`FAB_INDEX_VIEW = "app.views.MyIndexView"`), else the project's only subclass of its
    own (set as `appbuilder.indexview = ...`, which the analyzer does not read), else its own
    (`default`; None for the security manager)."""
    if isinstance(given, ClassEntity | ExternalEntity):
        return given
    named = constant(resolver.settings().get(setting))
    if isinstance(named, str):
        module, _, name = named.rpartition(".")
        located = resolver.global_name(module, name) if module in resolver.files else None
        if isinstance(located, ClassEntity):
            return located
        return ExternalEntity(named)
    subclasses = _project_subclasses(resolver, bases)
    if len(subclasses) == 1:
        chosen = subclasses[0]
        found.note(
            site,
            f"Flask-AppBuilder's {what}: assumed to be {chosen.module}.{chosen.qualname}, the "
            f"project's only subclass of {sorted(bases)[0]} (not given to AppBuilder() nor named "
            f"by {setting}, so set where the analyzer does not look)",
        )
        return chosen
    return None if default is None else ExternalEntity(default)


def _project_subclasses(resolver: Resolver, bases: frozenset[str]) -> list[ClassEntity]:
    """The project classes built on one of `bases` that no other project class extends."""
    built = [
        ClassEntity(module, qualname)
        for module, qualname in resolver.classes
        if module == resolver.canonical(module)
        and set(resolver.external_bases(ClassEntity(module, qualname))) & bases
    ]
    extended = {k for cls in built for k in resolver.mro(cls)[1:]}
    return [cls for cls in built if cls not in extended]


def _own_registrations(
    resolver: Resolver, method: FunctionEntity, registry: FlaskObject
) -> Iterator[Registration]:
    """`self.appbuilder.add_view...(...)` in the security manager's own `register_views`: made
    on the app builder that runs it."""
    facts = resolver.files[method.module]
    ctx = Ctx(method.module, method.qualname)
    for fact in facts.registrations:
        if fact.scope != method.qualname or fact.kind != "add_view":
            continue
        if not (isinstance(fact.target, Attr) and fact.target.name == "appbuilder"):
            continue
        args, kwargs = resolver.arguments(fact.args, fact.kwargs, ctx, resolver.resolve)
        yield Registration(
            fact, method.module, facts.path, fact.line, registry, tuple(args), tuple(kwargs), None
        )


def _calls_super(fact: FunctionFact, name: str) -> bool:
    """Whether a method calls `super().<name>(...)`."""
    return any(
        isinstance(call.func, Attr)
        and call.func.name == name
        and isinstance(call.func.base, CallOf)
        and isinstance(call.func.base.func, SuperOf)
        for call in fact.calls
    )


def _argument_or_setting(
    resolver: Resolver, registry: FlaskObject, at: int, name: str, setting: tuple[str, str]
) -> LiteralValue | None:
    """`app.config.get(setting, <argument, else the default>)`."""
    given = constant(
        resolver.argument(registry.ctor, at, name, Ctx(registry.module, registry.scope))
    )
    configured = resolver.settings().get(setting[0])
    if isinstance(configured, ConstEntity):
        return configured.value
    return given if given is not None else setting[1]


@dataclass
class _Config:
    """The app's configuration as the project's code loads it, the library's default else."""

    resolver: Resolver
    site: Site
    found: ExtensionViews
    known: dict[str, object] = field(default_factory=dict)

    def holds(self, when: fab.When) -> bool:
        return self.value(when.key, when.default) == when.value

    def value(self, key: str, default: object) -> object:
        if key not in self.known:
            self.known[key] = self.read(key, default)
        return self.known[key]

    def read(self, key: str, default: object) -> object:
        chosen = self.resolver.settings().get(key)
        if chosen is None:
            return self.defined(key, default)
        if isinstance(chosen, ExternalEntity):  # `AUTH_TYPE = AUTH_OAUTH`
            name = chosen.dotted.rsplit(".", 1)[-1]
            if chosen.dotted.startswith("flask_appbuilder.") and name in fab.AUTH_TYPES:
                return fab.AUTH_TYPES[name]
        if isinstance(chosen, ConstEntity):
            known = self.resolver.setting(ConstEntity(key), chosen)
            if isinstance(known, ConstEntity) and known.origin:
                self.found.note(
                    self.site,
                    f"{key} reported with {known.value!r}; other values possible: {known.origin}",
                )
            return chosen.value
        self.found.note(
            self.site,
            f"{key} is set to a value the analyzer cannot read ({_describe(chosen)}); the "
            f"library's default {default!r} is assumed",
        )
        return default

    def defined(self, key: str, default: object) -> object:
        """A setting no loader the analyzer follows puts in `app.config` (`from_object(name
        or os.environ.get(...))`): the one value the project's modules or classes give it,
        else the library's default."""
        definitions = self.resolver.setting_definitions(key)
        values = {value for value, _ in definitions}
        if not definitions:
            return default
        where = ", ".join(f"{w} ({v!r})" for v, w in definitions)
        if len(values) == 1:
            value = next(iter(values))
            self.found.note(
                self.site,
                f"{key} taken as {value!r}, as defined in {where}: the code loading it into "
                "app.config is not followed",
            )
            return value
        self.found.note(
            self.site,
            f"{key} is defined differently in {where}; the library's default "
            f"{default!r} is assumed",
        )
        return default


# ---- flasgger and Flask-Storage: `init_app(app)` or the constructor given the app -----------


def initialised_extension(resolver: Resolver, reg: Registration) -> str | None:
    """Which known extension an `init_app` (or constructor) registration initialises."""
    if runs_init_themes(resolver, reg):
        return "flask_themes2"
    match reg.target:
        case InstanceEntity(cls=ExternalEntity(dotted)) if dotted in table.FLASGGER_CLASSES:
            return "flasgger"
        case ExternalEntity(dotted) if f"{dotted}.init_app" in table.FLASK_STORAGE_INIT:
            return "flask_storage"
        case InstanceEntity(cls=ExternalEntity(dotted)) if dotted in table.FLASK_SECURITY_CLASSES:
            return "flask_security"
        case InstanceEntity(cls=ExternalEntity(dotted)) if dotted in table.FLASK_HEALTHZ_CLASSES:
            return "flask_healthz"
    return None


def initialises(resolver: Resolver, reg: Registration) -> bool:
    """Whether a known extension's registration initialises it on an app: a constructor does
    only when given the app (`Healthz(prefix=...)` is initialised later, by `init_app(app)`),
    Flask-Security's only when given the datastore too (udata's `Security(datastore, ...)`)."""
    if reg.fact.attr != "__init__":
        return True
    if extension_app(reg) is None:
        return False
    if initialised_extension(resolver, reg) != "flask_security":
        return True
    return reg.argument(table.FLASK_SECURITY_DATASTORE_AT, "datastore") is not None


def extension_blueprints(resolver: Resolver, reg: Registration) -> ExtensionViews:
    """The blueprints a known extension's `init_app(app)` / `Extension(app)` registers."""
    found = ExtensionViews()
    extension = initialised_extension(resolver, reg)
    if extension == "flasgger":
        found.blueprints.append(_flasgger(resolver, reg, found))
    elif extension == "flask_storage":
        prefix = _Config(resolver, (reg.file, reg.line), found).value(*table.FLASK_STORAGE_PREFIX)
        found.blueprints.append(
            ExposedBlueprint(
                table.FLASK_STORAGE_BLUEPRINT,
                prefix if isinstance(prefix, str) else None,
                "flask_storage.init_app",
                _table_rules(table.FLASK_STORAGE_RULES, (reg.file, reg.line)),
            )
        )
    elif extension == "flask_security":
        found.blueprints.extend(_flask_security(resolver, reg, found))
    elif extension == "flask_healthz":
        found.blueprints.append(_flask_healthz(resolver, reg, found))
    elif extension == "flask_themes2":
        found.blueprints.append(themes_blueprint(reg, found))
    return found


def extension_app(reg: Registration) -> Resolved | None:
    """The app an extension is initialised on: `init_app(app)`, or `Swagger(app)`."""
    return reg.argument(0, "app")


def _flasgger(resolver: Resolver, reg: Registration, found: ExtensionViews) -> ExposedBlueprint:
    """`Swagger.register_views` (flasgger 0.9.7.1) with the config given (or its defaults),
    updated by `app.config["SWAGGER"]`."""
    site = (reg.file, reg.line)
    ctor, ctx = _constructor(resolver, reg)
    given = (
        None if ctor is None else resolver.argument(ctor, table.FLASGGER_CONFIG_AT, "config", ctx)
    )
    merge = None if ctor is None else constant(resolver.keyword(ctor, "merge", ctx))
    config: dict[str, Resolved] = {}
    defaults = {k: _entity(v) for k, v in table.FLASGGER_DEFAULTS.items()}
    if isinstance(given, DictEntity) and given.items:
        config = _string_keys(given)
        if merge:
            config = defaults | config
    elif given is None or given == ConstEntity(None) or isinstance(given, DictEntity):
        config = defaults
    else:
        found.note(
            site,
            f"flasgger's config is not known statically ({_describe(given)}); its "
            "defaults are assumed",
        )
        config = defaults
    override = resolver.settings().get(table.FLASGGER_SETTING)
    if isinstance(override, DictEntity):
        config |= _string_keys(override)
    elif override is not None:
        found.note(site, "app.config['SWAGGER'] is not known statically; ignored")

    def option(key: str, default: object) -> object:
        value = config.get(key)
        if value is None:
            return default
        if not isinstance(value, ConstEntity):
            found.note(site, f"flasgger's {key!r} is not known statically; {default!r} assumed")
            return default
        return value.value

    name = option(*table.FLASGGER_BLUEPRINT)
    rules: list[ExposedRule] = []
    static_folder = static_url_path = None
    prefix = option("url_prefix", None)
    if option("swagger_ui", True):
        version = option(*table.FLASGGER_UIVERSION)
        specs_route = option("specs_route", "/apidocs/")
        version = version if isinstance(version, int) else 3
        redirect = "/oauth2-redirect.html" if version >= 3 else f"{specs_route}/o2c.html"
        pages = (
            (specs_route, "apidocs"),
            (option("oauth_redirect", redirect), "oauth_redirect"),
            table.FLASGGER_INDEX,
        )
        rules += [ExposedRule(str(r), e, None, ("GET",), *site) for r, e in pages]
        folder = option("static_folder", f"ui{version}/static")
        static_folder = folder if isinstance(folder, str) else None
        url_path = option("static_url_path", None)
        static_url_path = url_path if isinstance(url_path, str) else None
    specs = config.get("specs")
    for spec in specs.items if isinstance(specs, SeqEntity) else ():
        route = constant(spec.get(ConstEntity("route"))) if isinstance(spec, DictEntity) else None
        endpoint = (
            constant(spec.get(ConstEntity("endpoint"))) if isinstance(spec, DictEntity) else None
        )
        if isinstance(route, str) and isinstance(endpoint, str):
            rules.append(ExposedRule(route, endpoint, None, ("GET",), *site))
        else:
            found.note(
                site, "a flasgger spec whose route or endpoint is not known statically; skipped"
            )
    if not isinstance(specs, SeqEntity):
        found.note(site, "flasgger's specs are not known statically; none reported")
    return ExposedBlueprint(
        name if isinstance(name, str) else "flasgger",
        prefix if isinstance(prefix, str) else None,
        "flasgger.Swagger",
        tuple(rules),
        static_folder=static_folder,
        static_url_path=static_url_path,
    )


def _flask_security(
    resolver: Resolver, reg: Registration, found: ExtensionViews
) -> Iterator[ExposedBlueprint]:
    """`Security.init_app`'s blueprint (Flask-Security 5.9.2), unless `register_blueprint=False`
    is given to `init_app` or else to the constructor: its rules from the settings the project
    sets (the library's defaults otherwise) and the switches it turns on, keyword or setting."""
    ctor, ctx = _constructor(resolver, reg)

    def given(keyword: str) -> Resolved | None:
        value = reg.keyword(keyword)
        if value is None and ctor is not None and reg.fact.attr != "__init__":
            value = resolver.argument(ctor, -1, keyword, ctx)
        return value

    if constant(given("register_blueprint")) is False:
        return

    def setting(key: str) -> Resolved | None:
        return resolver.settings().get(table.FLASK_SECURITY_PREFIX + key)

    def text(key: str) -> str | None:
        value = constant(setting(key))
        return value if isinstance(value, str) else None

    def switch(name: str) -> bool:
        value = given(name)
        return bool(constant(setting(name.upper()) if value is None else value))

    site = (reg.file, reg.line)
    rules = list(table.FLASK_SECURITY_RULES)
    url_key, endpoint = table.FLASK_SECURITY_LOGOUT
    methods_key, default_methods = table.FLASK_SECURITY_LOGOUT_METHODS
    configured = setting(methods_key)
    methods = default_methods if configured is None else constant_strings(configured)
    if methods is not None:  # `SECURITY_LOGOUT_METHODS = None`: no logout rule
        rules.append((url_key, endpoint, methods))
    for name, switched in table.FLASK_SECURITY_SWITCHED_RULES.items():
        if switch(name):
            rules += switched
    unlisted = sorted(name for name in table.FLASK_SECURITY_UNLISTED if switch(name))
    if unlisted:
        found.note(site, f"Flask-Security's views for {', '.join(unlisted)} are not reported")
    yield ExposedBlueprint(
        text("BLUEPRINT_NAME") or "security",
        text("URL_PREFIX"),
        "flask_security.Security",
        tuple(
            ExposedRule(url, endpoint, None, methods, *site)
            for key, endpoint, methods in rules
            if (url := text(key)) is not None
        ),
        static_folder=text("STATIC_FOLDER"),
        static_url_path=text("STATIC_FOLDER_URL"),
    )


def _flask_healthz(
    resolver: Resolver, reg: Registration, found: ExtensionViews
) -> ExposedBlueprint:
    """`Healthz.init_app`'s blueprint (flask-healthz 1.0.1) under the constructor's `prefix`."""
    site = (reg.file, reg.line)
    ctor, ctx = _constructor(resolver, reg)
    index, keyword, default = table.FLASK_HEALTHZ_PREFIX
    given = None if ctor is None else resolver.argument(ctor, index, keyword, ctx)
    prefix: str | None = default
    if given == ConstEntity(None):
        prefix = None
    elif given is not None:
        written = constant(given)
        if isinstance(written, str):
            prefix = written
        else:
            found.note(
                site,
                f"flask-healthz's prefix is not known statically; its default {default!r} is "
                "assumed",
            )
    return ExposedBlueprint(
        table.FLASK_HEALTHZ_BLUEPRINT,
        prefix,
        "flask_healthz.Healthz",
        _table_rules(table.FLASK_HEALTHZ_RULES, site),
    )


def _constructor(resolver: Resolver, reg: Registration) -> tuple[CallOf | None, Ctx]:
    """The call that built the extension: the registration itself for `Swagger(app, ...)`,
    else the constructor behind `swagger.init_app(app)` (`swagger = Swagger(config=...)`)."""
    ctx = Ctx(reg.module, reg.fact.scope)
    if reg.fact.attr == "__init__" and isinstance(reg.fact.target, CallOf):
        return reg.fact.target, ctx
    return _built_by(resolver, reg.fact.target, ctx)


def _built_by(resolver: Resolver, written: Value, ctx: Ctx) -> tuple[CallOf | None, Ctx]:
    """The call a value written in `ctx` stands for: itself, or the module-level binding a
    name (imported or not) refers to."""
    if isinstance(written, CallOf):
        return written, ctx
    if isinstance(written, Ref):
        module, name = resolver.locate(ctx.module, written.dotted)
        bound = resolver.bindings.get(module, {}).get(name)
        if isinstance(bound, CallOf):
            return bound, Ctx(module)
    return None, ctx


# ---- blueprints of a library: Flask-Dance's, flask-healthz's -------------------------------


def library_blueprint(
    resolver: Resolver, written: Value | None, given: Resolved | None, ctx: Ctx, site: Site
) -> tuple[ExposedBlueprint, tuple[str, ...]] | None:
    """A blueprint a library defines (flask-healthz's module-level `healthz`) or one of its
    functions or classes builds (Flask-Dance's `make_github_blueprint(...)`,
    `OAuth2ConsumerBlueprint("name", ...)`), given to `register_blueprint`, with what was
    assumed for lack of its arguments; None when `given` is no such blueprint."""
    if isinstance(given, ExternalEntity) and given.dotted in table.LIBRARY_BLUEPRINTS:
        named, defined = table.LIBRARY_BLUEPRINTS[given.dotted]
        return ExposedBlueprint(named, None, given.dotted, _table_rules(defined, site)), ()
    if not (isinstance(given, InstanceEntity) and isinstance(given.cls, ExternalEntity)):
        return None
    dotted = given.cls.dotted
    call, call_ctx = _built_by(resolver, written, ctx) if written is not None else (None, ctx)
    arguments = _Arguments(resolver, call, call_ctx)
    if dotted in table.FLASK_DANCE_FACTORIES:
        name: object = table.FLASK_DANCE_FACTORIES[dotted]
        prefix = None
    elif dotted in table.FLASK_DANCE_BLUEPRINTS:
        name = constant(arguments.get(0, "name"))
        prefix = constant(arguments.get(-1, "url_prefix"))
        if not isinstance(name, str):
            return None
    else:
        return None
    rules = []
    unknown = []
    for keyword, default, endpoint in table.FLASK_DANCE_RULES:
        given_rule = arguments.get(-1, keyword)
        rule = constant(given_rule)
        if not isinstance(rule, str) or not rule:
            if given_rule is not None and given_rule != ConstEntity(None):
                unknown.append(
                    f"{dotted}'s {keyword}= is not known statically; its default {default!r} "
                    "is assumed"
                )
            rule = default
        rules.append(
            ExposedRule(rule.replace("{bp.name}", str(name)), endpoint, None, ("GET",), *site)
        )
    blueprint = ExposedBlueprint(
        str(name), prefix if isinstance(prefix, str) else None, dotted, tuple(rules)
    )
    return blueprint, tuple(unknown)


@dataclass(frozen=True, slots=True)
class _Arguments:
    resolver: Resolver
    call: CallOf | None
    ctx: Ctx

    def get(self, index: int, name: str) -> Resolved | None:
        if self.call is None:
            return None
        return self.resolver.argument(self.call, index, name, self.ctx)


# ---- helpers -------------------------------------------------------------------------------


def _table_rules(rules: tuple[table.Rule, ...], site: Site) -> tuple[ExposedRule, ...]:
    """A table's rules, served by the library's own views, reported at `site`."""
    return tuple(ExposedRule(url, view, None, methods, *site) for url, view, methods in rules)


def _string_keys(mapping: DictEntity) -> dict[str, Resolved]:
    return {key: value for k, value in mapping.items if isinstance(key := constant(k), str)}


def _entity(value: table.TableValue) -> Resolved:
    """A table default as the resolver would have read it."""
    if isinstance(value, dict):
        return DictEntity(tuple((ConstEntity(k), _entity(v)) for k, v in value.items()))
    if isinstance(value, tuple | list):
        return SeqEntity(tuple(_entity(v) for v in value))
    return ConstEntity(value)


def _describe(entity: Resolved | None) -> str:
    match entity:
        case Opaque(reason=reason):
            return reason
        case ExternalEntity(dotted=dotted):
            return dotted
        case ClassEntity(module=module, qualname=qualname):
            return f"{module}.{qualname}"
    return type(entity).__name__
