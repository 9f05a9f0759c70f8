"""OctoPrint's plugin blueprints: for each bundled plugin (`bundled_plugins`) the server
registers, the blueprint the framework builds from the rules its methods record, and its static
folder, as Flask registers them.

Read from the framework's code, where it is in the tree (OctoPrint 1.11.8):
- the decorator `@BlueprintPlugin.route(rule, **options)` records the rule on the method
  (`recorded_rules`); its class is the framework's when one of its own methods builds a
  `Blueprint` and adds rules to it (`get_blueprint`, `plugin/types.py:1604`), which it does for
  every public member `dir(self)` lists (the first class of the plugin's MRO defining it), with
  `options.pop("endpoint", f.__name__)` as the endpoint and the other options (`methods`) as
  `add_url_rule`'s. A plugin class overriding that method builds its blueprint itself: not
  read, noted.
- the server registers the plugins' blueprints in functions that ask the plugin manager for the
  implementations of a base class (`get_implementations(BlueprintPlugin)` and
  `get_implementations(AssetPlugin)`, `server/__init__.py:1760` and `:1631`): a
  `register_blueprint` there of a blueprint the analyzer cannot follow registers the bundled
  plugins of that base, on its app, with its `name_prefix=`.
  The blueprint has a static folder when its constructor is given one, also in a `**mapping`
  (`**self.get_blueprint_kwargs()`).
Known, not read: the URL prefix `/plugin/<identifier>` (built from a parameter bound to each
plugin at run time), and a static folder's name, `static` (`get_asset_folder()`: `<plugin
folder>/static`, a path computed at run time), so its rule `/static/<path:filename>`. The plugins
registered for another base than the blueprint one that are blueprint plugins too are left to
that registration (as `_prepare_asset_plugins` skips them); the others get a blueprint with only
their asset folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from analyzer.facts.python import MODULE_SCOPE, Diagnostic
from analyzer.facts.values import CallOf, Ref, Value
from analyzer.resolution.bundled_plugins import BundledPlugin, bundled_plugins
from analyzer.resolution.recorded_rules import ClassKey, RecordedRules
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    Ctx,
    FlaskObject,
    Resolver,
    constant,
)

PLUGIN_URL_PREFIX = "/plugin/{identifier}"
STATIC_RULE = "/static/<path:filename>"


@dataclass(frozen=True, slots=True)
class PluginBlueprint:
    """One plugin's blueprint, registered on `app`."""

    app: FlaskObject
    blueprint: FlaskObject
    identifier: str
    url_prefix: str
    name_prefix: str | None
    rules: tuple[Registration, ...]  # the recorded `route`s its members carry
    # the plugin class (file, line), where its static rule is told; None: no static folder
    static_site: tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class _Registrar:
    """Where the plugins of some base classes are registered."""

    app: FlaskObject
    bases: tuple[ClassEntity, ...]
    name_prefix: str | None


@dataclass(frozen=True, slots=True)
class _ReadBack:
    """A framework class's method building a blueprint from the rules its decorator records."""

    blueprint: FlaskObject
    method: str
    rule_site: tuple[str, int]  # its `add_url_rule`, whose rule is each recorded one in turn


class PluginBlueprints:
    def __init__(self, resolver: Resolver, recorded: RecordedRules) -> None:
        self.resolver = resolver
        self.recorded = recorded
        self.registrars: dict[tuple[FlaskObject, str, int], _Registrar] = {}
        self.read_back: set[ClassKey] = set()  # the classes whose recorded rules are reported
        self.read_back_sites: set[tuple[str, int]] = set()  # the read-back `add_url_rule`s used
        self.notes: list[Diagnostic] = []

    @cached_property
    def plugins(self) -> tuple[BundledPlugin, ...]:
        return tuple(bundled_plugins(self.resolver))

    @cached_property
    def plugin_bases(self) -> frozenset[ClassEntity]:
        """Every project class a bundled plugin's implementation is an instance of."""
        return frozenset(
            klass
            for plugin in self.plugins
            for klass in self.resolver.mro(plugin.implementation)
            if isinstance(klass, ClassEntity)
        )

    def registers(self, app: FlaskObject, reg: Registration) -> bool:
        """Whether `reg`, registering on `app` a blueprint the analyzer cannot follow (or one
        built with a name known only at run time), registers bundled plugins: it is made in a
        function (or one it is nested in) asking for the implementations of a plugin base
        class."""
        bases = tuple(dict.fromkeys(self.asked_bases(reg)))
        if not bases:
            return False
        name_prefix = constant(reg.keyword("name_prefix"))
        self.registrars.setdefault(
            (app, reg.module, reg.fact.line),
            _Registrar(app, bases, name_prefix if isinstance(name_prefix, str) else None),
        )
        return True

    def asked_bases(self, reg: Registration) -> Iterator[ClassEntity]:
        """The plugin base classes handed to a call (`manager.get_implementations(Base)`) by
        the function making `reg` or the functions it is nested in, also in the loops around
        their calls (`for plugin in manager.get_implementations(Base):`)."""
        ctx = Ctx(reg.module, reg.fact.scope)
        handed = [(arg, ctx) for loop in reg.fact.loops for arg in _arguments(loop.iterable)]
        scope = reg.fact.scope
        while True:
            function = self.resolver.functions.get((reg.module, scope))
            if function is not None:
                ctx = Ctx(reg.module, scope)
                for call in function.calls:
                    handed += [(arg, ctx) for arg in call.args]
                    handed += [
                        (arg, ctx) for loop in call.loops for arg in _arguments(loop.iterable)
                    ]
            if ".<locals>." not in scope:
                break
            scope = scope.rsplit(".<locals>.", 1)[0]
        for arg, where in handed:
            found = self.resolver.resolve(arg, where)
            if isinstance(found, ClassEntity) and found in self.plugin_bases:
                yield found

    def blueprints(self) -> Iterator[PluginBlueprint]:
        """Each registered plugin's blueprint, once per app registering it."""
        read_backs = {
            base: found
            for base in self.recorded.decorators
            if (found := self.read_back_method(base)) is not None
        }
        for registrar in self.registrars.values():
            for base in registrar.bases:
                for plugin in self.plugins:
                    mro = self.resolver.mro(plugin.implementation)
                    if base not in mro:
                        continue
                    if base in read_backs:
                        made = self.blueprint_plugin(plugin, registrar, base, read_backs[base])
                        if made is not None:
                            yield made
                    elif not any(own in mro for own in read_backs):
                        yield self.plugin_blueprint(
                            plugin, registrar, self.static_only(plugin), static=True
                        )

    def read_back_method(self, base: ClassEntity) -> _ReadBack | None:
        """The method of `base` adding rules to a blueprint it builds, if it has one."""
        for fact in self.resolver.files[base.module].registrations:
            method = fact.scope.removeprefix(f"{base.qualname}.")
            if fact.kind != "add_url_rule" or method == fact.scope or "." in method:
                continue
            target = self.resolver.resolve(fact.target, Ctx(base.module, fact.scope))
            if isinstance(target, FlaskObject) and target.kind == "blueprint":
                return _ReadBack(target, method, (self.resolver.files[base.module].path, fact.line))
        return None

    def blueprint_plugin(
        self, plugin: BundledPlugin, registrar: _Registrar, base: ClassEntity, read: _ReadBack
    ) -> PluginBlueprint | None:
        """The blueprint `base`'s method builds for `plugin`: the rules recorded on the members
        `dir(self)` lists, or None (noted) when the plugin builds its blueprint itself."""
        rules: list[Registration] = []
        seen: set[str] = set()
        for klass in self.resolver.mro(plugin.implementation):
            if not isinstance(klass, ClassEntity) or klass == base:
                break
            fact = self.resolver.classes[(klass.module, klass.qualname)]
            if read.method in fact.methods:
                self.notes.append(
                    Diagnostic(
                        self.resolver.files[klass.module].path,
                        fact.line,
                        "unresolved-route",
                        f"plugin '{plugin.identifier}': {klass.qualname}.{read.method}() builds "
                        "its blueprint itself; its routes are not reported",
                    )
                )
                return None
        for klass in self.resolver.mro(plugin.implementation):
            if not isinstance(klass, ClassEntity):
                continue
            for name in self.resolver.classes[(klass.module, klass.qualname)].methods:
                if name.startswith("_") or name in seen:
                    continue
                seen.add(name)
                found = self.recorded.by_method.get((klass.module, f"{klass.qualname}.{name}"))
                if found:
                    rules += [reg for reg in found if reg.target == base]
                    self.read_back.add((klass.module, klass.qualname))
        self.read_back_sites.add(read.rule_site)
        blueprint = replace(read.blueprint, receiver=plugin.implementation)
        static = self.static_folder_given(blueprint)
        return self.plugin_blueprint(plugin, registrar, blueprint, static, tuple(rules))

    def static_folder_given(self, blueprint: FlaskObject) -> bool:
        """Whether the blueprint is built with a static folder, also in a `**mapping`
        (`**self.get_blueprint_kwargs()`)."""
        ctor = blueprint.ctor
        args, kwargs = self.resolver.arguments(
            ctor.args, ctor.kwargs, blueprint.ctx, self.resolver.resolve
        )
        folder = dict(kwargs).get("static_folder", args[2] if len(args) > 2 else None)
        return folder is not None and folder not in (ConstEntity(None), ConstEntity(""))

    def static_only(self, plugin: BundledPlugin) -> FlaskObject:
        """The blueprint the server builds for a plugin that only has static files."""
        line = self.resolver.classes[
            (plugin.implementation.module, plugin.implementation.qualname)
        ].line
        return FlaskObject(
            "blueprint",
            "flask",
            plugin.implementation.module,
            line,
            CallOf(Ref("flask.Blueprint"), (), (), line),
            MODULE_SCOPE,
            receiver=plugin.implementation,
        )

    def plugin_blueprint(
        self,
        plugin: BundledPlugin,
        registrar: _Registrar,
        blueprint: FlaskObject,
        static: bool,
        rules: tuple[Registration, ...] = (),
    ) -> PluginBlueprint:
        implementation = plugin.implementation
        fact = self.resolver.classes[(implementation.module, implementation.qualname)]
        return PluginBlueprint(
            registrar.app,
            blueprint,
            plugin.identifier,
            PLUGIN_URL_PREFIX.format(identifier=plugin.identifier),
            registrar.name_prefix,
            rules,
            (self.resolver.files[implementation.module].path, fact.line) if static else None,
        )


def _arguments(value: Value) -> tuple[Value, ...]:
    """The positional arguments of a call, none for any other value."""
    return value.args if isinstance(value, CallOf) else ()
