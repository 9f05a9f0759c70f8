"""Flask's routing rules applied to the resolved registrations: apps, blueprints (prefixes from
the constructor or `register_blueprint`, nesting, renaming), class-based views, Flask-RESTful
and Flask-RESTX resources, flask-smorest, Flask-AppBuilder and Flask-Admin views, connexion's
OpenAPI operations (`connexion_apis`), and what known
extensions register themselves (`known_extensions`) -> `Route`s exactly as `app.url_map` would
hold them.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from analyzer.facts.python import MODULE_SCOPE, Diagnostic
from analyzer.facts.values import CallOf, Lit, Ref, Value, mentions_param
from analyzer.resolution import paths
from analyzer.resolution.admin_views import admin_index_blueprint, admin_view_blueprint
from analyzer.resolution.classful_views import classful_rules
from analyzer.resolution.connexion_apis import added_api_blueprint, api_blueprint
from analyzer.resolution.created_blueprints import created_blueprint
from analyzer.resolution.exposed_views import ExposedBlueprint, appbuilder_blueprint
from analyzer.resolution.flask_objects import constructed_objects
from analyzer.resolution.known_extensions import (
    EXTENSION_DEFAULT,
    ExtensionViews,
    appbuilder_views,
    extension_app,
    extension_blueprints,
    initialised_extension,
    initialises,
    library_blueprint,
)
from analyzer.resolution.paths import PathEntity
from analyzer.resolution.plugin_blueprints import STATIC_RULE, PluginBlueprints
from analyzer.resolution.recorded_rules import RecordedRules
from analyzer.resolution.registrations import Registration, Unresolved
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    CreatedBlueprint,
    Ctx,
    ExternalEntity,
    FlaskObject,
    FunctionEntity,
    InstanceEntity,
    Opaque,
    Resolved,
    Resolver,
    ViewEntity,
    constant,
    constant_strings,
)
from analyzer.resolution.results import App, FunctionKey, Route

HTTP_METHOD_FUNCS = ("get", "post", "head", "options", "delete", "put", "trace", "patch")
AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})
ROUTE_KINDS = frozenset({"route", "add_url_rule", "add_resource", "resource", "register_blueprint"})
_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")
# blueprint registrations one top-level registration may unfold into (nesting)
MAX_NESTED_REGISTRATIONS = 5_000


@dataclass(frozen=True, slots=True)
class RouteMap:
    apps: tuple[App, ...]
    routes: tuple[Route, ...]
    blueprint_names: dict[FlaskObject, str]  # every blueprint with the name it was built with
    app_names: dict[FlaskObject, str]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class _Decl:
    """A rule declared on an app or blueprint (before prefixes and blueprint names)."""

    rule: str
    endpoint: str | None
    view: Resolved | None
    methods: tuple[str, ...] | None
    file: str
    line: int
    kind: str = "view"
    unprefixed: bool = False  # added by a setup state without the blueprint's url_prefix


@dataclass(frozen=True, slots=True)
class _BlueprintUse:
    child: FlaskObject
    url_prefix: str | None
    name: str | None
    name_prefix: str | None = None  # `register_blueprint(bp, name_prefix="plugin")`


@dataclass(frozen=True, slots=True)
class _Resource:
    view: Resolved
    urls: tuple[str, ...]
    endpoint: str | None
    methods: tuple[str, ...] | None
    file: str
    line: int


@dataclass
class _Model:
    decls: dict[FlaskObject, list[_Decl]] = field(default_factory=lambda: defaultdict(list))
    children: dict[FlaskObject, list[_BlueprintUse]] = field(
        default_factory=lambda: defaultdict(list)
    )
    hosts: dict[FlaskObject, list[FlaskObject]] = field(default_factory=lambda: defaultdict(list))
    resources: dict[FlaskObject, list[_Resource]] = field(default_factory=lambda: defaultdict(list))
    namespaces: dict[FlaskObject, list[tuple[FlaskObject, str | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    endpoint_views: dict[tuple[FlaskObject, str], Resolved] = field(default_factory=dict)
    views: dict[FlaskObject, list[Registration]] = field(default_factory=lambda: defaultdict(list))
    objects: dict[FlaskObject, None] = field(default_factory=dict)
    # where an API or app builder is handed its app (`init_app(app)`): (file, line)
    init_sites: dict[FlaskObject, list[tuple[str, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    extensions: list[Registration] = field(default_factory=list)  # `Swagger(app)`, ...


def build_route_map(
    resolver: Resolver,
    registrations: Iterable[Registration],
    unresolved: Iterable[Unresolved],
) -> RouteMap:
    """Every app's routes, plus routes of blueprints that no app registers statically."""
    builder = _RouteBuilder(resolver)
    builder.find_objects()
    for registration in registrations:
        builder.add(registration)
    for failure in unresolved:
        if failure.fact.kind in ROUTE_KINDS:
            builder.note(
                failure.file,
                failure.fact.line,
                "unresolved-route",
                f".{failure.fact.attr}() on an object the analyzer cannot identify "
                f"({failure.reason}); its routes are not reported",
            )
    builder.attach_apis()
    builder.attach_exposed_views()
    builder.attach_extensions()
    builder.attach_plugin_blueprints()
    return builder.build()


class _RouteBuilder:
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.model = _Model()
        self.diagnostics: list[Diagnostic] = []
        # registrations whose rule is known in some context, and the notes about helpers' others
        # (one per registration, at the line it is written, kept only if no call makes it known)
        self.ruled: set[tuple[str, int, str]] = set()
        self.unruled: dict[tuple[str, int, str], Diagnostic] = {}
        self.routes: dict[tuple[str | None, str, str], Route] = {}
        self.recorded = RecordedRules(resolver)
        self.plugins = PluginBlueprints(resolver, self.recorded)
        self.known_names: dict[FlaskObject, str] = {}  # blueprints named at run time, known here

    # ---- collecting -------------------------------------------------------------------

    def find_objects(self) -> None:
        """Flask objects bound at module level or returned by factories, even without routes."""
        self.model.objects.update(dict.fromkeys(constructed_objects(self.resolver)))

    def app_instance(self, entity: Resolved | None) -> Resolved | None:
        """An instance of a project subclass of `Flask` (a parameter annotated with it, an
        attribute holding it) stands for the one app the project builds from that class."""
        if not (isinstance(entity, InstanceEntity) and isinstance(entity.cls, ClassEntity)):
            return entity
        built = [
            o
            for o in self.model.objects
            if o.kind == "app"
            and o.call_site is None
            and self.resolver.resolve(o.ctor.func, Ctx(o.module, o.scope)) == entity.cls
        ]
        return built[0] if len(built) == 1 else entity

    def add(self, reg: Registration) -> None:
        if reg.switched_off is not None:
            self.ruled.add(_fact_key(reg))  # accounted for where it is made
            if reg.fact.kind in ROUTE_KINDS:
                self.note(
                    reg.file,
                    reg.line,
                    "configured-route",
                    f".{reg.fact.attr}() not reported: {reg.switched_off}",
                )
            return
        target = self.app_instance(reg.target)
        if isinstance(target, FlaskObject) and self.added_by_helper(target, reg):
            target = target.parent
        kind = reg.fact.kind
        if kind == "classful_view" and isinstance(target, ClassEntity):
            self.classful_view(target, reg)
            return
        if kind == "init_app" and target is not None and initialised_extension(self.resolver, reg):
            if initialises(self.resolver, reg):
                self.model.extensions.append(reg)
            return
        if not isinstance(target, FlaskObject):
            if kind in ROUTE_KINDS and not self.recorded.add(reg, target):
                self.note(
                    reg.file,
                    reg.line,
                    "unresolved-route",
                    f".{reg.fact.attr}() on {_describe(target)}, not a Flask app, blueprint or "
                    "API; skipped",
                )
            return
        self.model.objects[target] = None
        if target.kind in ("app", "blueprint"):
            self.add_to_app_or_blueprint(target, reg)
        elif target.kind in ("appbuilder", "admin") and kind == "add_view":
            self.model.views[target].append(reg)
        elif target.kind != "blueprint":
            self.add_to_api(target, reg)

    def classful_view(self, view: ClassEntity, reg: Registration) -> None:
        """`view.register(app_or_blueprint, ...)`: Flask-Classful's rules on that object."""
        host = self.app_instance(reg.argument(0, "app"))
        if not (isinstance(host, FlaskObject) and host.kind in ("app", "blueprint")):
            self.note(
                reg.file,
                reg.line,
                "unresolved-route",
                f"{view.qualname}.register() on {_describe(host)}, not a Flask app or "
                "blueprint; its routes are not reported",
            )
            return
        found = classful_rules(self.resolver, view, reg.argument)
        if isinstance(found, str):
            self.note(reg.file, reg.line, "unresolved-view", f"{found}; skipped")
            return
        self.model.objects[host] = None
        self.model.decls[host].extend(
            _Decl(r.rule, r.endpoint, r.view, r.methods, r.file, r.line) for r in found
        )

    def add_to_app_or_blueprint(self, target: FlaskObject, reg: Registration) -> None:
        kind = reg.fact.kind
        if kind == "route":
            methods = None if reg.fact.attr == "route" else (reg.fact.attr.upper(),)
            self.declare(
                target, reg, reg.argument(0, "rule"), reg.keyword("endpoint"), reg.view, methods
            )
        elif kind == "add_url_rule":
            view = reg.argument(2, "view_func")
            self.declare(
                target, reg, reg.argument(0, "rule"), reg.argument(1, "endpoint"), view, None
            )
        elif kind == "register_blueprint":
            self.use_blueprint(target, reg)
        elif kind == "add_view" and reg.fact.attr == "add_api" and target.lib == "connexion":
            self.connexion_api(target, reg)
        elif kind == "endpoint" and reg.view is not None:
            name = constant(reg.argument(0, "endpoint"))
            if isinstance(name, str):
                self.model.endpoint_views[(target, name)] = reg.view

    def connexion_api(self, app: FlaskObject, reg: Registration) -> None:
        """`app.add_api(spec, ...)` on a connexion app: the API's blueprint on its Flask app."""
        call = CallOf(Ref("add_api"), reg.fact.args, reg.fact.kwargs, reg.fact.line)
        ctx = Ctx(reg.module, reg.fact.scope)
        built = added_api_blueprint(self.resolver, app, call, ctx, (reg.file, reg.line))
        self.diagnostics += built.notes
        if built.blueprint is not None:
            label = f"connexion:{reg.fact.line}"
            blueprint = self.library_blueprint(built.blueprint, label, reg.module, reg.fact.line)
            self.model.children[app].append(_BlueprintUse(blueprint, None, None))

    def add_to_api(self, target: FlaskObject, reg: Registration) -> None:
        kind = reg.fact.kind
        if kind == "register_blueprint" and target.kind == "smorest_api":
            self.use_blueprint(target, reg)
        elif kind == "init_app":
            host = self.app_instance(reg.argument(0, "app"))
            if isinstance(host, FlaskObject):
                self.model.hosts[target].append(host)
                self.model.init_sites[target].append((reg.file, reg.line))
        elif kind == "add_namespace":
            namespace = reg.argument(0, "ns")
            if isinstance(namespace, FlaskObject):
                path = constant(reg.argument(1, "path"))
                self.model.namespaces[target].append(
                    (namespace, path if isinstance(path, str) else None)
                )
        elif kind == "add_resource":
            urls = reg.args[1:]
            self.resource(target, reg, reg.argument(0, "resource"), urls)
        elif kind in ("resource", "route") and reg.view is not None:
            self.resource(target, reg, reg.view, reg.args)

    def declare(
        self,
        target: FlaskObject,
        reg: Registration,
        rule_value: Resolved | None,
        endpoint_value: Resolved | None,
        view: Resolved | None,
        methods: tuple[str, ...] | None,
    ) -> None:
        rule = constant(rule_value)
        if not isinstance(rule, str):
            note = Diagnostic(
                *reg.written_at,
                "dynamic-route",
                f"route rule not known statically ({_describe(rule_value)}); skipped",
            )
            if reg.written is None:
                self.diagnostics.append(note)
            else:  # in a helper: noted where it is written, unless a call makes it known
                self.unruled.setdefault(_fact_key(reg), note)
            return
        self.ruled.add(_fact_key(reg))
        self.note_configured(reg, "route rule", rule_value)
        endpoint = constant(endpoint_value)
        if endpoint_value is not None and not isinstance(endpoint_value, ConstEntity):
            self.note(
                reg.file,
                reg.line,
                "dynamic-route",
                f"endpoint not known statically ({_describe(endpoint_value)}); named after the "
                "view",
            )
        if methods is None:
            methods = self.methods(reg)
        kind = "view"
        if isinstance(view, ClassEntity):  # flask-smorest style: a MethodView class decorated
            view = ViewEntity(view, ConstEntity(endpoint or view.qualname.rsplit(".", 1)[-1]))
        if isinstance(view, ViewEntity):
            kind = "class-view"
        self.model.decls[target].append(
            _Decl(
                rule,
                endpoint if isinstance(endpoint, str) else None,
                view,
                methods,
                reg.file,
                reg.line,
                kind,
                reg.unprefixed,
            )
        )

    def methods(self, reg: Registration) -> tuple[str, ...] | None:
        given = reg.keyword("methods")
        if given is None or given == ConstEntity(None):
            return None
        # a single string is a TypeError in Flask, so only sequences count
        names = None if isinstance(given, ConstEntity) else constant_strings(given)
        if names is None:
            self.note(
                reg.file,
                reg.line,
                "dynamic-route",
                "methods= not known statically; assumed the view's own methods (or GET)",
            )
            return None
        return names

    def use_blueprint(self, parent: FlaskObject, reg: Registration) -> None:
        child = reg.argument(0, "blueprint")
        written = reg.fact.args[0] if reg.fact.args else dict(reg.fact.kwargs).get("blueprint")
        ctx = Ctx(reg.module, reg.fact.scope)
        if isinstance(child, CreatedBlueprint):  # `view.create_blueprint(appbuilder, ...)`
            view = created_blueprint(self.resolver, child, (reg.file, reg.line))
            if isinstance(view, str):
                self.note(reg.file, reg.line, "unresolved-view", f"{view}; skipped")
                return
            self.note_inherited(view, (reg.file, reg.line))
            child = self.library_blueprint(view, view.label, reg.module, reg.fact.line)
        if isinstance(child, FlaskObject) and child.kind == "connexion_api":
            built = api_blueprint(self.resolver, child, (reg.file, reg.line))
            self.diagnostics += built.notes
            if built.blueprint is None:
                return
            label = f"connexion:{child.line}"
            child = self.library_blueprint(built.blueprint, label, child.module, child.line)
        made = library_blueprint(self.resolver, written, child, ctx, (reg.file, reg.line))
        if made is not None:  # Flask-Dance's `make_github_blueprint(...)`
            found, assumed = made
            for message in assumed:
                self.note(reg.file, reg.line, EXTENSION_DEFAULT, message)
            lib = f"{found.label}:{found.name}"
            child = self.library_blueprint(found, lib, reg.module, reg.fact.line)
        # a blueprint built with a name known only at run time (`Blueprint(name, name)` for
        # each plugin) is a plugin's when the registration registers plugins
        named = (
            isinstance(child, FlaskObject)
            and child.kind == "blueprint"
            and self.known_name(child) is not None
        )
        if not named and self.plugins.registers(parent, reg):
            return
        if not isinstance(child, FlaskObject) or child.kind != "blueprint":
            # in a helper: the call the helper is reached from is where it is noted, and the
            # message says where the registration itself is written
            where = "" if reg.written is None else " at {}:{}".format(*reg.written)
            self.note(
                reg.file,
                reg.line,
                "unresolved-route",
                f"register_blueprint(){where} of {_describe(child)}: not a blueprint the "
                "analyzer can follow; its routes are not reported",
            )
            return
        self.model.objects[child] = None
        given_prefix = reg.keyword("url_prefix")
        prefix = constant(given_prefix)
        if given_prefix is not None and not isinstance(prefix, str) and prefix is not None:
            prefix = None
        if given_prefix is not None and not isinstance(given_prefix, ConstEntity):
            self.note(
                reg.file,
                reg.line,
                "dynamic-route",
                f"url_prefix= not known statically ({_describe(given_prefix)}); routes of "
                f"blueprint '{self.blueprint_name(child)}' are reported with its own prefix",
            )
        self.note_configured(
            reg, f"url_prefix= of blueprint '{self.blueprint_name(child)}'", given_prefix
        )
        name = constant(reg.keyword("name"))
        name_prefix = constant(reg.keyword("name_prefix"))
        self.model.children[parent].append(
            _BlueprintUse(
                child,
                prefix if isinstance(prefix, str) else None,
                name if isinstance(name, str) else None,
                name_prefix if isinstance(name_prefix, str) else None,
            )
        )

    def resource(
        self, api: FlaskObject, reg: Registration, view: Resolved | None, urls: Iterable[Resolved]
    ) -> None:
        rules = [constant(u) for u in urls]
        if view is None or not rules or not all(isinstance(r, str) for r in rules):
            self.note(
                reg.file,
                reg.line,
                "dynamic-route",
                "resource URLs or class not known statically; skipped",
            )
            return
        endpoint = constant(reg.keyword("endpoint"))
        self.model.resources[api].append(
            _Resource(
                view,
                tuple(str(r) for r in rules),
                endpoint if isinstance(endpoint, str) else None,
                self.methods(reg),
                reg.file,
                reg.line,
            )
        )

    def attach_apis(self) -> None:
        """Turn API resources into rules declared on the app or blueprint hosting the API."""
        for api in list(self.model.objects):
            if api.kind not in ("restful_api", "restx_api", "smorest_api"):
                continue
            host = api.host or self.resolver.argument(api.ctor, 0, "app", api.ctx)
            hosts = list(self.model.hosts.get(api, ()))
            if isinstance(host, FlaskObject):
                hosts.insert(0, host)
            if api.kind == "smorest_api":
                for app in hosts:
                    self.model.children[app].extend(self.model.children.get(api, ()))
                continue
            prefix = constant(self.resolver.keyword(api.ctor, "prefix", api.ctx))
            prefix = prefix if isinstance(prefix, str) else ""
            decls = list(self.api_decls(api, prefix))
            for app in hosts:
                self.model.decls[app].extend(decls)

    def attach_exposed_views(self) -> None:
        """Flask-AppBuilder / Flask-Admin views -> one blueprint each on the registry's app."""
        registries = [o for o in self.model.objects if o.kind in ("appbuilder", "admin")]
        for registry in registries:
            ctx = Ctx(registry.module, registry.scope)
            hosts = list(self.model.hosts.get(registry, ()))
            host = self.resolver.argument(registry.ctor, 0, "app", ctx)
            if isinstance(host, FlaskObject):
                hosts.insert(0, host)
            registry_site = (self.resolver.files[registry.module].path, registry.line)
            if registry.kind == "admin":
                index = admin_index_blueprint(self.resolver, registry)
                self.exposed(
                    index, registry_site, (registry.module, registry.line), registry, hosts
                )
            elif hosts:
                sites = self.model.init_sites.get(registry) or [registry_site]
                own = appbuilder_views(self.resolver, registry, sites[0])
                self.extension_views(own, (registry.module, registry.line), hosts)
                self.model.views[registry].extend(own.registrations)
            for reg in self.model.views.get(registry, []):
                for found in self.registered_views(registry, reg):
                    declared = (reg.module, reg.fact.line)
                    self.exposed(found, (reg.file, reg.line), declared, registry, hosts)

    def registered_views(
        self, registry: FlaskObject, reg: Registration
    ) -> Iterable[ExposedBlueprint | str]:
        """The blueprint of each view an `add_view`-like call registers (or why not known)."""
        if registry.kind == "appbuilder":
            yield appbuilder_blueprint(self.resolver, reg)
            return
        site = (reg.file, reg.line)
        ctx = Ctx(reg.module, reg.fact.scope)
        if reg.fact.attr == "add_views":
            written: list[Value | None] = list(reg.fact.args)
            if len(written) != len(reg.args):  # `*views`: as resolved, not as written
                written = [None] * len(reg.args)
            for value, view in zip(written, reg.args, strict=True):
                yield admin_view_blueprint(self.resolver, registry, value, view, ctx, site)
        else:
            value = reg.fact.args[0] if reg.fact.args else dict(reg.fact.kwargs).get("view")
            given = reg.argument(0, "view")
            yield admin_view_blueprint(self.resolver, registry, value, given, ctx, site)

    def attach_extensions(self) -> None:
        """The blueprints known extensions register on the app they are initialised on."""
        for reg in self.model.extensions:
            app = self.app_instance(extension_app(reg))
            if not isinstance(app, FlaskObject) or app.kind != "app":
                self.note(
                    reg.file,
                    reg.line,
                    "unresolved-route",
                    f"{initialised_extension(self.resolver, reg)} initialised on "
                    f"{_describe(app)}, not a Flask app the analyzer can identify; its routes "
                    "are not reported",
                )
                continue
            found = extension_blueprints(self.resolver, reg)
            self.extension_views(found, (reg.module, reg.fact.line), [app])

    def attach_plugin_blueprints(self) -> None:
        """Each bundled plugin's blueprint on the app its server registers it on; the rules
        recorded on classes that no such plugin reads back are noted."""
        for found in self.plugins.blueprints():
            blueprint = found.blueprint
            self.model.objects[blueprint] = None
            self.known_names[blueprint] = found.identifier
            for reg in found.rules:
                rule = reg.argument(0, "rule")
                self.declare(blueprint, reg, rule, reg.keyword("endpoint"), reg.view, None)
            if found.static_site is not None:
                self.model.decls[blueprint].append(
                    _Decl(STATIC_RULE, "static", None, ("GET",), *found.static_site, "static")
                )
            self.model.children[found.app].append(
                _BlueprintUse(blueprint, found.url_prefix, found.identifier, found.name_prefix)
            )
        # the read-back `add_url_rule`'s rule is not known statically: each recorded one is
        self.diagnostics = [
            d
            for d in self.diagnostics
            if not (d.kind == "dynamic-route" and (d.file, d.line) in self.plugins.read_back_sites)
        ]
        self.diagnostics += self.plugins.notes
        why = (
            "no bundled plugin the server registers reads them back"
            if self.plugins.registrars
            else "no registration of plugins' blueprints found"
        )
        self.diagnostics += self.recorded.notes(self.plugins.read_back, why)

    def extension_views(
        self, found: ExtensionViews, declared: tuple[str, int], hosts: list[FlaskObject]
    ) -> None:
        """Declare an extension's own blueprints on its apps (`declared`: module and line)."""
        self.diagnostics += found.notes
        for blueprint in found.blueprints:
            if isinstance(blueprint, str):
                self.note(
                    self.resolver.files[declared[0]].path,
                    declared[1],
                    "unresolved-view",
                    f"{blueprint}; skipped",
                )
                continue
            made = self.library_blueprint(blueprint, blueprint.label, *declared)
            for app in hosts:
                self.model.children[app].append(_BlueprintUse(made, None, None))

    def exposed(
        self,
        found: ExposedBlueprint | str,
        site: tuple[str, int],
        declared: tuple[str, int],
        registry: FlaskObject,
        hosts: list[FlaskObject],
    ) -> None:
        """Declare a view's blueprint on its apps: `site` is where the view is registered (the
        outermost call), `declared` the module and line of the registration itself."""
        if isinstance(found, str):
            self.note(*site, "unresolved-view", f"{found}; skipped")
            return
        self.note_inherited(found, site)
        blueprint = self.library_blueprint(found, f"{registry.lib}:{found.name}", *declared)
        for app in hosts:
            self.model.children[app].append(_BlueprintUse(blueprint, None, None))

    def note_inherited(self, found: ExposedBlueprint, site: tuple[str, int]) -> None:
        """Name the library classes whose own routes a view serves but the analyzer does not
        know."""
        if found.inherited_from:
            self.note(
                *site,
                "inherited-routes",
                f"{found.label} also serves the routes it inherits from "
                f"{', '.join(found.inherited_from)}; only its own @expose methods are reported",
            )

    def library_blueprint(
        self, found: ExposedBlueprint, lib: str, module: str, line: int
    ) -> FlaskObject:
        """The blueprint a library makes (a view's, an extension's), declared at `module`,
        `line`; `lib` keeps blueprints made by one call apart."""
        blueprint = FlaskObject(
            "blueprint",
            lib,
            module,
            line,
            CallOf(
                Ref("flask.Blueprint"),
                (Lit(found.name), Lit(module)),
                (
                    ("url_prefix", Lit(found.url_prefix)),
                    ("static_folder", Lit(found.static_folder)),
                    ("static_url_path", Lit(found.static_url_path)),
                ),
                line,
            ),
        )
        if blueprint in self.model.objects:
            return blueprint
        self.model.objects[blueprint] = None
        self.model.decls[blueprint].extend(
            _Decl(
                r.rule,
                r.endpoint,
                r.view,
                r.methods,
                r.file,
                r.line,
                "view" if r.view is not None else "generated",
            )
            for r in found.rules
        )
        return blueprint

    def api_decls(self, api: FlaskObject, prefix: str) -> Iterable[_Decl]:
        restx = api.kind == "restx_api"
        for resource in self.model.resources.get(api, ()):
            yield from self.resource_decls(resource, prefix, "", None, restx)
        if not restx:
            return
        yield from self.restx_generated_decls(api, prefix)
        attached = list(self.model.namespaces.get(api, ()))
        for namespace in self.model.objects:
            if namespace.kind == "restx_namespace" and namespace.parent == api:
                attached.append((namespace, None))
        for namespace, path in attached:
            ctx = Ctx(namespace.module, namespace.scope)
            name = constant(self.resolver.argument(namespace.ctor, 0, "name", ctx))
            name = name if isinstance(name, str) else ""
            if path is None:
                own = constant(self.resolver.argument(namespace.ctor, 2, "path", ctx))
                path = (own if isinstance(own, str) and own else "/" + name).rstrip("/")
            for resource in self.model.resources.get(namespace, ()):
                yield from self.resource_decls(resource, prefix, path, name, restx)

    def restx_generated_decls(self, api: FlaskObject, prefix: str) -> Iterable[_Decl]:
        """The routes Flask-RESTX adds itself: the spec, the Swagger UI page and the root."""
        file = self.resolver.files[api.module].path
        doc = self.resolver.argument(api.ctor, -1, "doc", api.ctx)
        doc_path = "/" if doc is None else constant(doc)
        generated = [(prefix + "/swagger.json", "specs"), (prefix or "/", "root")]
        if isinstance(doc_path, str) and doc_path:
            generated.insert(1, (doc_path, "doc"))
        for rule, endpoint in generated:
            yield _Decl(rule, endpoint, None, ("GET",), file, api.line, "generated")

    def resource_decls(
        self, resource: _Resource, prefix: str, path: str, namespace: str | None, restx: bool
    ) -> Iterable[_Decl]:
        class_name = _view_name(resource.view) or "?"
        endpoint = resource.endpoint
        if endpoint is None:
            if restx:
                endpoint = _camel_to_dash(class_name)
                if namespace is not None:
                    endpoint = f"{namespace}_{endpoint}"
            else:
                endpoint = class_name.lower()
        view = resource.view
        if isinstance(view, ClassEntity | ExternalEntity):
            view = ViewEntity(view, ConstEntity(endpoint))
        for url in resource.urls:
            yield _Decl(
                prefix + path + url,
                endpoint,
                view,
                resource.methods,
                resource.file,
                resource.line,
                "resource",
            )

    # ---- building ---------------------------------------------------------------------

    def build(self) -> RouteMap:
        apps = [o for o in self.model.objects if o.kind == "app" and not self.folded(o)]
        registered = {use.child for uses in self.model.children.values() for use in uses}
        # a base class's method building one blueprint per subclass: read without a subclass,
        # it makes none of its own
        per_class = {(o.module, o.line) for o in registered if o.receiver is not None}
        blueprints = [
            o
            for o in self.model.objects
            if o.kind == "blueprint" and (o.receiver or (o.module, o.line) not in per_class)
        ]
        app_records = []
        app_names: dict[FlaskObject, str] = {}
        for app in sorted(apps, key=lambda a: a.call_site or (a.module, a.line)):
            name = self.app_name(app)
            app_names[app] = name
            module, line = app.call_site or (app.module, app.line)
            app_records.append(App(name, app.lib, self.resolver.files[module].path, line))
            self.add_app(app, name)
        for copy in self.model.objects:
            if copy.parent is not None and self.folded(copy) and copy.parent in app_names:
                app_names[copy] = app_names[copy.parent]
        for blueprint in sorted(blueprints, key=lambda b: (b.module, b.line)):
            if blueprint in registered:
                continue
            self.note(
                self.resolver.files[blueprint.module].path,
                blueprint.line,
                "unregistered-blueprint",
                f"blueprint '{self.blueprint_name(blueprint)}' is not registered on any app the "
                "analyzer can see; its routes are reported with app null and its own url_prefix",
            )
            self.add_blueprint(None, blueprint, _BlueprintUse(blueprint, None, None))
        if not apps and not blueprints:
            self.note("", 0, "no-flask", "no Flask application or blueprint found")
        return RouteMap(
            apps=tuple(app_records),
            routes=tuple(sorted(self.routes.values(), key=_route_order)),
            blueprint_names={b: self.blueprint_name(b) for b in blueprints},
            app_names=app_names,
            diagnostics=(
                *self.diagnostics,
                *(note for key, note in self.unruled.items() if key not in self.ruled),
            ),
        )

    @staticmethod
    def added_by_helper(app: FlaskObject, reg: Registration) -> bool:
        """A registration on a second app from the factory made outside the module that built
        it (`standalone(create_app())`'s helpers): it completes the factory's app, as
        elsewhere; only the building module's own rules make a second app."""
        return app.call_site is not None and reg.module != app.call_site[0]

    def folded(self, app: FlaskObject) -> bool:
        """An app built again from its factory whose module adds nothing to it is the same app
        (`app = create_app()` in a WSGI module); one whose module adds rules is another app."""
        own = self.model.decls.get(app) or self.model.children.get(app)
        return app.call_site is not None and not own

    def add_app(self, app: FlaskObject, name: str) -> None:
        """The app's rules and blueprints (for a second app from the same factory, the first
        one's too: the factory made them)."""
        owners = [app] if app.parent is None else [app.parent, app]
        for owner in owners:
            for decl in self.model.decls.get(owner, ()):
                self.emit(name, owner, decl, decl.rule, "", None)
        self.add_static(name, app, None, "", None)
        for owner in owners:
            for use in self.model.children.get(owner, ()):
                self.add_blueprint(name, use.child, use)

    def add_blueprint(
        self, app_name: str | None, blueprint: FlaskObject, use: _BlueprintUse
    ) -> None:
        """The blueprint's rules, then those of the blueprints registered on it, depth first
        as Flask registers them, at most MAX_NESTED_REGISTRATIONS in all: Flask registers a
        blueprint nested in several others once per path to it, and paths multiply."""
        stack: list[tuple[FlaskObject, _BlueprintUse, str | None, str, tuple[FlaskObject, ...]]]
        stack = [(blueprint, use, None, "", ())]
        registered = 0
        while stack:
            current, current_use, outer_prefix, outer_name, outer = stack.pop()
            if current in outer:
                continue
            registered += 1
            if registered > MAX_NESTED_REGISTRATIONS:
                self.note(
                    self.resolver.files[blueprint.module].path,
                    blueprint.line,
                    "nesting-limit",
                    f"blueprints nested in '{self.blueprint_name(blueprint)}' make over "
                    f"{MAX_NESTED_REGISTRATIONS} registrations; the routes of the others are "
                    "not reported",
                )
                return
            prefix, name = self.add_nested(
                app_name, current, current_use, outer_prefix, outer_name, nested=bool(outer)
            )
            children = self.model.children.get(current, ())
            stack.extend(
                (child_use.child, child_use, prefix, name, (*outer, current))
                for child_use in reversed(children)
            )

    def add_nested(
        self,
        app_name: str | None,
        blueprint: FlaskObject,
        use: _BlueprintUse,
        parent_prefix: str | None,
        name_prefix: str,
        *,
        nested: bool,
    ) -> tuple[str | None, str]:
        """One registration's rules; its prefix and name, which the blueprints nested in it
        extend."""
        prefix = use.url_prefix if use.url_prefix is not None else self.own_prefix(blueprint)
        if nested:  # Flask joins the parent's prefix and the child's
            if parent_prefix is not None and prefix is not None:
                prefix = parent_prefix.rstrip("/") + "/" + prefix.lstrip("/")
            elif prefix is None:
                prefix = parent_prefix
        if not nested and use.name_prefix:  # a nested blueprint's is its parent's name (Flask)
            name_prefix = use.name_prefix
        name = f"{name_prefix}.{use.name or self.blueprint_name(blueprint)}".lstrip(".")
        for decl in self.model.decls.get(blueprint, ()):
            rule = decl.rule
            if prefix is not None and not decl.unprefixed:
                rule = "/".join((prefix.rstrip("/"), rule.lstrip("/"))) if rule else prefix
            self.emit(app_name, blueprint, decl, rule, name, name)
        self.add_static(app_name, blueprint, prefix, name, name)
        return prefix, name

    def emit(
        self,
        app_name: str | None,
        owner: FlaskObject,
        decl: _Decl,
        rule: str,
        name: str,
        blueprint: str | None,
    ) -> None:
        view = decl.view
        endpoint = decl.endpoint
        if view is None and endpoint is not None:
            view = self.model.endpoint_views.get((owner, endpoint))
            if view is None:
                view = next(
                    (
                        d.view
                        for d in self.model.decls.get(owner, ())
                        if d.endpoint == endpoint and d.view
                    ),
                    None,
                )
        if endpoint is None:
            endpoint = _view_name(view)
        if endpoint is None:
            self.note(
                decl.file, decl.line, "unresolved-view", f"view of {rule} not resolved; skipped"
            )
            return
        full_endpoint = f"{name}.{endpoint}" if name else endpoint
        if decl.kind == "generated" and endpoint == "specs" and rule.endswith("/swagger.json"):
            swagger_ui = "/swaggerui/<path:filename>"
            self.routes[(app_name, swagger_ui, "restx_doc.static")] = Route(
                app_name,
                swagger_ui,
                "restx_doc.static",
                ("GET",),
                decl.file,
                decl.line,
                (),
                "restx_doc",
                "static",
            )
        methods = decl.methods or self.view_methods(view) or ("GET",)
        visible = tuple(sorted({m.upper() for m in methods} - AUTOMATIC_METHODS))
        handlers = self.handlers(view, visible, decl)
        key = (app_name, rule, full_endpoint)
        known = self.routes.get(key)
        if known is not None:  # same rule and endpoint declared twice: Flask serves both
            visible = tuple(sorted(set(known.methods) | set(visible)))
            handlers = tuple(dict.fromkeys((*known.handlers, *handlers)))
            decl = _Decl(rule, endpoint, view, visible, known.file, known.line, known.kind)
        self.routes[key] = Route(
            app=app_name,
            rule=rule,
            endpoint=full_endpoint,
            methods=visible,
            file=decl.file,
            line=decl.line,
            handlers=handlers,
            blueprint=blueprint,
            kind=decl.kind,
        )

    def handlers(
        self, view: Resolved | None, methods: tuple[str, ...], decl: _Decl
    ) -> tuple[FunctionKey, ...]:
        if isinstance(view, FunctionEntity):
            return ((view.module, view.qualname),)
        if isinstance(view, ViewEntity) and isinstance(view.cls, ClassEntity):
            found: list[FunctionKey] = []
            wanted = [m.lower() for m in methods] + ["dispatch_request", "__init__"]
            if "head" not in wanted and "GET" in methods:
                wanted.append("head")
            for attr in wanted:
                member = self.resolver.class_member(view.cls, attr, instance=True)
                if isinstance(member, FunctionEntity):
                    found.append((member.module, member.qualname))
            return tuple(dict.fromkeys(found))
        if decl.kind not in ("static", "generated"):
            self.note(
                decl.file,
                decl.line,
                "unresolved-view",
                f"view for {decl.rule} not resolved ({_describe(view)}); its tables are unknown",
            )
        return ()

    def view_methods(self, view: Resolved | None) -> tuple[str, ...] | None:
        """`view_func.methods`: a class-based view's `methods`, or the handlers it defines."""
        if not isinstance(view, ViewEntity) or not isinstance(view.cls, ClassEntity):
            return None
        defined: set[str] = set()
        for klass in self.resolver.mro(view.cls):
            if isinstance(klass, ExternalEntity):
                continue
            fact = self.resolver.classes[(klass.module, klass.qualname)]
            for name, value in fact.class_attrs:
                if name == "methods":
                    listed = constant_strings(self.resolver.resolve(value, Ctx(klass.module)))
                    if listed is not None and not defined:
                        return listed
            defined.update(m.upper() for m in fact.methods if m in HTTP_METHOD_FUNCS)
        return tuple(sorted(defined)) or None

    def add_static(
        self,
        app_name: str | None,
        owner: FlaskObject,
        prefix: str | None,
        name: str,
        blueprint: str | None,
    ) -> None:
        if self.static_folder_off(owner):
            return
        if any(d.kind == "static" for d in self.model.decls.get(owner, ())):
            return  # a framework declares it, where its folder is told (a plugin's class)
        passed = self.resolver.passed(owner)
        is_app = owner.kind == "app"
        folder_value = passed.argument(2, "static_folder")
        if folder_value is None:
            folder: object = "static" if is_app else None
        elif isinstance(folder_value, PathEntity):  # only its name counts (`join(root, "x")`)
            folder = paths.basename(folder_value)
        else:
            folder = constant(folder_value)
        url_path = given_url = constant(passed.argument(1 if is_app else 3, "static_url_path"))
        # a folder computed at run time (faraday's `ui_dir.as_posix()`) is taken to be set: its
        # rule is known when the URL path is given
        computed = folder_value is not None and not isinstance(folder_value, ConstEntity)
        if isinstance(url_path, str):
            if not (computed or (isinstance(folder, str) and folder)):
                return
            url_path = url_path.rstrip("/")
        elif isinstance(folder, str) and folder:
            # Flask strips the folder's trailing slashes before taking its basename.
            url_path = ("/" + posixpath.basename(folder.rstrip("\\/"))).rstrip("/")
        else:
            if computed:  # served under the folder's name, not known here
                self.note(
                    self.resolver.files[owner.module].path,
                    owner.line,
                    "dynamic-route",
                    f"static_folder= not known statically ({_describe(folder_value)}); its "
                    "rule, /<the folder's name>/<path:filename>, is not reported",
                )
            return
        rule = f"{url_path}/<path:filename>"
        if prefix is not None:
            rule = "/".join((prefix.rstrip("/"), rule.lstrip("/")))
        if not isinstance(given_url, str):  # the URL is the folder's name
            self.note_default_folder(owner, folder_value, rule)
        endpoint = f"{name}.static" if name else "static"
        path = self.resolver.files[owner.module].path
        self.routes[(app_name, rule, endpoint)] = Route(
            app_name, rule, endpoint, ("GET",), path, owner.line, (), blueprint, "static"
        )

    def static_folder_off(self, owner: FlaskObject) -> bool:
        """Whether the project class `owner` is built from says it has no static folder
        (`has_static_folder` a property returning False, or a false class attribute): Flask
        then adds no static rule."""
        cls = self.resolver.resolve(owner.ctor.func, owner.ctx)
        if not isinstance(cls, ClassEntity):
            return False
        found = self.resolver.member(InstanceEntity(cls), "has_static_folder")
        return isinstance(found, ConstEntity) and not found.origin and not found.value

    def note_default_folder(self, owner: FlaskObject, folder: Resolved | None, rule: str) -> None:
        """A static folder the code sets by default, where settings or a test known only at
        run time may choose another (and so another rule)."""
        if isinstance(folder, ConstEntity | PathEntity) and folder.origin:
            shown = paths.describe(folder) if isinstance(folder, PathEntity) else repr(folder.value)
            self.note(
                self.resolver.files[owner.module].path,
                owner.line,
                "configured-route",
                f"static_folder= reported with its default, {shown}, as {rule}; other values "
                f"possible: {folder.origin}",
            )

    # ---- names ------------------------------------------------------------------------

    def own_prefix(self, blueprint: FlaskObject) -> str | None:
        found = constant(self.resolver.passed(blueprint).argument(-1, "url_prefix"))
        return found if isinstance(found, str) else None

    def known_name(self, blueprint: FlaskObject) -> str | None:
        """The name a blueprint is built with, when it is known statically."""
        if blueprint in self.known_names:
            return self.known_names[blueprint]
        found = constant(self.resolver.passed(blueprint).argument(0, "name"))
        return found if isinstance(found, str) else None

    def blueprint_name(self, blueprint: FlaskObject) -> str:
        found = self.known_name(blueprint)
        if found is not None:
            return found
        self.note(
            self.resolver.files[blueprint.module].path,
            blueprint.line,
            "dynamic-route",
            "blueprint name not known statically; shown as '?'",
        )
        return "?"

    def app_name(self, app: FlaskObject) -> str:
        module, line = app.call_site or (app.module, app.line)
        for name, _ in self.resolver.files[module].bindings:
            if self.resolver.global_name(module, name) == app:
                return f"{module}:{name}"
        if app.call_site is not None:
            return f"{module}:{line}"
        if app.scope != MODULE_SCOPE:
            outer = self.outer_factory(app)
            return f"{outer.module}:{outer.qualname}()" if outer else f"{app.module}:{app.scope}()"
        return f"{app.module}:{app.line}"

    def outer_factory(self, app: FlaskObject) -> FunctionEntity | None:
        """For a generic factory, which takes the app's import name from its caller
        (`Flask(app_name)`), the one project function that returns the app by calling it
        with arguments (`lemur:create_app` returns `factory.create_app(app_name=__name__,
        blueprints=...)`): the factory users call, so the app's name."""
        import_name = (
            app.ctor.args[0] if app.ctor.args else dict(app.ctor.kwargs).get("import_name")
        )
        if import_name is None or not mentions_param(import_name):
            return None
        builder = FunctionEntity(self.resolver.canonical(app.module), app.scope)
        found: list[FunctionEntity] = []
        for (module, qualname), function in self.resolver.functions.items():
            returned = function.returns
            if not (isinstance(returned, CallOf) and (returned.args or returned.kwargs)):
                continue
            ctx = Ctx(module, qualname)
            if self.resolver.resolve(returned.func, ctx) != builder:
                continue
            if self.resolver.resolve(returned, ctx) == app:
                found.append(FunctionEntity(self.resolver.canonical(module), qualname))
        unique = set(found)
        return unique.pop() if len(unique) == 1 else None

    def note_configured(self, reg: Registration, what: str, given: Resolved | None) -> None:
        """A value read from configuration or the environment, where others are possible."""
        if isinstance(given, ConstEntity) and given.origin:
            self.note(
                reg.file,
                reg.line,
                "configured-route",
                f"{what} reported with its default {given.value!r}; other values possible: "
                f"{given.origin}",
            )

    def note(self, file: str, line: int, kind: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(file, line, kind, message))


def _fact_key(reg: Registration) -> tuple[str, int, str]:
    """One registration as written, whatever context it is resolved in."""
    return reg.module, reg.fact.line, reg.fact.attr


def _view_name(view: Resolved | None) -> str | None:
    """`view_func.__name__`, which Flask uses as the default endpoint."""
    match view:
        case FunctionEntity(qualname=qualname) | ClassEntity(qualname=qualname):
            return qualname.rsplit(".", 1)[-1]
        case ViewEntity(endpoint=ConstEntity(value=str() as name)):
            return name
        case ExternalEntity(dotted=dotted):
            return dotted.rsplit(".", 1)[-1]
    return None


def _camel_to_dash(name: str) -> str:
    """Flask-RESTX's default endpoint from a resource class name (`TodoList` -> `todo_list`)."""
    return _ALL_CAP.sub(r"\1_\2", _FIRST_CAP.sub(r"\1_\2", name)).lower()


def _describe(entity: Resolved | None) -> str:
    match entity:
        case None:
            return "nothing"
        case Opaque(reason=reason):
            return reason
        case ExternalEntity(dotted=dotted):
            return dotted
        case InstanceEntity(cls=ExternalEntity(dotted=dotted)):
            return f"the result of {dotted}()"
        case InstanceEntity(cls=cls):
            return f"a {_describe(cls)} object"
        case PathEntity():
            return f"a path, {paths.describe(entity)}"
        case (
            FunctionEntity(module=module, qualname=qualname)
            | ClassEntity(module=module, qualname=qualname)
        ):
            return f"{module}.{qualname}"
    return type(entity).__name__


def _route_order(route: Route) -> tuple[str, str, str]:
    return (route.app or "", route.rule, route.endpoint)
