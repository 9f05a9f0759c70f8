"""Cross-module name resolution: what a `Value` written in some module refers to.

Follows imports (absolute, relative, `from x import y as z`, star imports), module-level
bindings, classes and their bases, instances built by calling a class, attributes set on
`self`, parameters annotated with a project class, and what simple factory functions return
(or, failing that, the ORM model whose instances the database facts say they return). Flask,
Blueprint, Flask-RESTful/RESTX and flask-smorest objects become `FlaskObject`s. Nothing here
reads files.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from analyzer.facts.python import MODULE_SCOPE, ClassFact, FileFacts, FunctionFact
from analyzer.facts.values import (
    Attr,
    CallOf,
    Imported,
    Joined,
    Lit,
    LiteralValue,
    Local,
    LoopVar,
    ModuleRef,
    Pairs,
    Param,
    Ref,
    SelfOf,
    Seq,
    SuperOf,
    Value,
)

MAX_DEPTH = 24

FLASK_CONSTRUCTORS: dict[str, tuple[str, str]] = {
    # external dotted name -> (object kind, library)
    "flask.Flask": ("app", "flask"),
    "flask.app.Flask": ("app", "flask"),
    "apiflask.APIFlask": ("app", "apiflask"),
    "flask_openapi3.OpenAPI": ("app", "flask_openapi3"),
    "flask.Blueprint": ("blueprint", "flask"),
    "flask.blueprints.Blueprint": ("blueprint", "flask"),
    "apiflask.APIBlueprint": ("blueprint", "apiflask"),
    "flask_openapi3.APIBlueprint": ("blueprint", "flask_openapi3"),
    "flask_smorest.Blueprint": ("blueprint", "flask_smorest"),
    "flask_smorest.Api": ("smorest_api", "flask_smorest"),
    "flask_restful.Api": ("restful_api", "flask_restful"),
    "flask_restx.Api": ("restx_api", "flask_restx"),
    "flask_restplus.Api": ("restx_api", "flask_restplus"),
    "flask_restx.Namespace": ("restx_namespace", "flask_restx"),
    "flask_restplus.Namespace": ("restx_namespace", "flask_restplus"),
    "flask_appbuilder.AppBuilder": ("appbuilder", "flask_appbuilder"),
    "flask_appbuilder.base.AppBuilder": ("appbuilder", "flask_appbuilder"),
    "flask_admin.Admin": ("admin", "flask_admin"),
    "flask_admin.base.Admin": ("admin", "flask_admin"),
}
# bare names trusted even when the import that bound them cannot be followed
FALLBACK_CONSTRUCTORS = {"Flask": "flask.Flask", "Blueprint": "flask.Blueprint"}


@dataclass(frozen=True, slots=True)
class ModuleEntity:
    name: str


@dataclass(frozen=True, slots=True)
class FunctionEntity:
    module: str
    qualname: str


@dataclass(frozen=True, slots=True)
class ClassEntity:
    module: str
    qualname: str


@dataclass(frozen=True, slots=True)
class ExternalEntity:
    """Something outside the analyzed tree, by dotted name (`flask.Blueprint`)."""

    dotted: str


@dataclass(frozen=True, slots=True)
class InstanceEntity:
    cls: ClassEntity | ExternalEntity
    exact: bool = True  # False for `self`: a subclass (or sibling mixin) may add attributes


@dataclass(frozen=True, slots=True)
class SuperEntity:
    """`super()` in a method of `cls`: attribute lookups skip `cls` itself."""

    cls: ClassEntity


@dataclass(frozen=True, slots=True)
class ConstEntity:
    value: LiteralValue


@dataclass(frozen=True, slots=True)
class SeqEntity:
    items: tuple[Resolved, ...]


@dataclass(frozen=True, slots=True)
class ViewEntity:
    """`SomeView.as_view("name")`: a class-based view function."""

    cls: ClassEntity | ExternalEntity
    endpoint: Resolved


@dataclass(frozen=True, slots=True)
class FlaskObject:
    """A Flask app, blueprint, API or namespace, identified by where it is constructed."""

    kind: str  # "app", "blueprint", "restful_api", "restx_api", "restx_namespace", "smorest_api",
    # "appbuilder" (Flask-AppBuilder), "admin" (Flask-Admin)
    lib: str
    module: str
    line: int
    ctor: CallOf = field(compare=False)
    scope: str = field(compare=False, default=MODULE_SCOPE)
    parent: FlaskObject | None = field(compare=False, default=None)


@dataclass(frozen=True, slots=True)
class BoundMethod:
    owner: Resolved
    name: str


@dataclass(frozen=True, slots=True)
class Opaque:
    """Not resolvable statically; `external` when it is plainly outside the project."""

    reason: str
    external: bool = False
    missing: bool = False  # a project module/class that lacks the name (worth a diagnostic)


Resolved = (
    ModuleEntity
    | FunctionEntity
    | ClassEntity
    | ExternalEntity
    | InstanceEntity
    | SuperEntity
    | ConstEntity
    | SeqEntity
    | ViewEntity
    | FlaskObject
    | BoundMethod
    | Opaque
)

_BUILTINS = frozenset(dir(builtins))
_CYCLE = Opaque("recursive definition")


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where a value is written: module, enclosing function, and parameters bound by a caller."""

    module: str
    scope: str = MODULE_SCOPE
    env: Mapping[str, Resolved] = field(default_factory=dict)


class Resolver:
    """Resolves values against the facts of every analyzed module."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.files: dict[str, FileFacts] = {}
        for facts in files:
            if facts.kind == "python":
                self.files.setdefault(facts.module, facts)
        self.bindings = {name: dict(f.bindings) for name, f in self.files.items()}
        self.functions: dict[tuple[str, str], FunctionFact] = {}
        self.classes: dict[tuple[str, str], ClassFact] = {}
        for name, facts in self.files.items():
            for function in facts.functions:
                self.functions[(name, function.qualname)] = function
            for cls in facts.classes:
                self.classes[(name, cls.qualname)] = cls
        self.returned_models: dict[tuple[str, str], str] = {
            (name, function.qualname): function.returns_model
            for name, facts in self.files.items()
            if facts.db is not None
            for function in facts.db.functions
            if function.returns_model is not None
        }
        self._globals: dict[tuple[str, str], Resolved] = {}
        self._refs: dict[
            tuple[str, str], Resolved
        ] = {}  # names resolved where no parameter is bound
        self._mro: dict[ClassEntity, tuple[ClassEntity | ExternalEntity, ...]] = {}
        self._depth = 0

    def add_alias(self, alias: str, module: str) -> None:
        """Let `alias` (a module's name from its path under the root) name `module` too."""
        if alias not in self.files and module in self.files:
            self.files[alias] = self.files[module]
            self.bindings[alias] = self.bindings[module]

    def locate(self, module: str, dotted: str, depth: int = 0) -> tuple[str, str]:
        """Where a dotted name used in `module` is defined: (module, name there), following
        imports; the name itself when it is bound locally or cannot be followed."""
        head, _, rest = dotted.partition(".")
        bound = self.bindings.get(module, {}).get(head)
        if depth > MAX_DEPTH:
            return module, dotted
        if isinstance(bound, Imported):
            source, name = bound.module, bound.name
            submodule = f"{source}.{name}"
            if submodule in self.files and name not in self.bindings.get(source, {}):
                if rest:
                    return self.locate(submodule, rest, depth + 1)
                return self.canonical(submodule), ""
            if source in self.files:
                return self.locate(source, f"{name}.{rest}" if rest else name, depth + 1)
            return source, f"{name}.{rest}" if rest else name
        if isinstance(bound, ModuleRef) and rest:
            parts = [*bound.module.split("."), *rest.split(".")]
            for cut in range(len(parts) - 1, 0, -1):
                candidate = ".".join(parts[:cut])
                if candidate in self.files:
                    return self.locate(candidate, ".".join(parts[cut:]), depth + 1)
        if bound is None and module in self.files:
            for star in self.files[module].star_imports:
                if head in self.bindings.get(star, {}):
                    return self.locate(star, dotted, depth + 1)
        return self.canonical(module), dotted

    def canonical(self, module: str) -> str:
        return self.files[module].module if module in self.files else module

    # ---- values ------------------------------------------------------------------------

    def resolve(self, value: Value, ctx: Ctx) -> Resolved:
        if self._depth > MAX_DEPTH:
            return _CYCLE
        self._depth += 1
        try:
            return self._resolve(value, ctx)
        finally:
            self._depth -= 1

    def _resolve(self, value: Value, ctx: Ctx) -> Resolved:
        match value:
            case Lit(constant):
                return ConstEntity(constant)
            case Ref(dotted):
                return self.ref(dotted, ctx)
            case Attr(base, name):
                return self.member(self.resolve(base, ctx), name)
            case CallOf():
                return self.call(value, ctx)
            case Param(name):
                return ctx.env[name] if name in ctx.env else self.parameter(name, ctx)
            case LoopVar(name):
                return ctx.env.get(name, Opaque(f"loop variable '{name}' in {ctx.scope}"))
            case Local(qualname):
                return self.local(self.canonical(ctx.module), qualname)
            case SelfOf(class_qualname):
                cls = ClassEntity(self.canonical(ctx.module), class_qualname)
                return InstanceEntity(cls, exact=False)
            case SuperOf(class_qualname):
                return SuperEntity(ClassEntity(self.canonical(ctx.module), class_qualname))
            case ModuleRef(module):
                return self.module(module)
            case Imported(module, name):
                return self.imported(module, name)
            case Seq(items):
                return SeqEntity(tuple(self.resolve(item, ctx) for item in items))
            case Joined(parts):
                return self.joined(parts, ctx)
            case Pairs():
                return Opaque("a dict")
        return Opaque("an expression the analyzer does not follow")

    def ref(self, dotted: str, ctx: Ctx) -> Resolved:
        key = (ctx.module, dotted)
        if not ctx.env and key in self._refs:
            return self._refs[key]
        head, *rest = dotted.split(".")
        entity = self.name(head, ctx)
        for attr in rest:
            entity = self.member(entity, attr)
        if not ctx.env and entity is not _CYCLE:
            self._refs[key] = entity
        return entity

    def parameter(self, name: str, ctx: Ctx) -> Resolved:
        """A parameter no caller binds: an instance of the project class it is annotated with."""
        fact = self.functions.get((self.canonical(ctx.module), ctx.scope))
        for param in fact.params if fact else ():
            if param.name == name and param.annotation is not None:
                cls = self.resolve(param.annotation, Ctx(ctx.module))
                if isinstance(cls, ClassEntity):
                    return InstanceEntity(cls, exact=False)
        return Opaque(f"parameter '{name}' of {ctx.scope}")

    def joined(self, parts: tuple[Value, ...], ctx: Ctx) -> Resolved:
        pieces: list[str] = []
        for part in parts:
            resolved = self.resolve(part, ctx)
            if not isinstance(resolved, ConstEntity) or isinstance(resolved.value, bool):
                return Opaque("a string built from values known only at run time")
            pieces.append("" if resolved.value is None else str(resolved.value))
        return ConstEntity("".join(pieces))

    def name(self, name: str, ctx: Ctx) -> Resolved:
        if name in ctx.env:
            return ctx.env[name]
        if name == "__name__":
            return ConstEntity(self.canonical(ctx.module))
        return self.global_name(ctx.module, name)

    def global_name(self, module: str, name: str) -> Resolved:
        key = (module, name)
        cached = self._globals.get(key)
        if cached is not None:
            return cached
        self._globals[key] = _CYCLE
        result = self._global_name(module, name)
        self._globals[key] = result
        return result

    def _global_name(self, module: str, name: str) -> Resolved:
        bindings = self.bindings.get(module)
        if bindings is None:
            return Opaque(f"module {module} is not in the analyzed tree", external=True)
        if name in bindings:
            return self.resolve(bindings[name], Ctx(module))
        for star in self.files[module].star_imports:
            if star in self.bindings and name in self.bindings[star]:
                return self.global_name(star, name)
            if star not in self.files:
                return ExternalEntity(f"{star}.{name}")
        if name in _BUILTINS:
            return ExternalEntity(f"builtins.{name}")
        return Opaque(f"name '{name}' is not bound in {module}", missing=True)

    def module(self, module: str) -> Resolved:
        return (
            ModuleEntity(self.canonical(module)) if module in self.files else ExternalEntity(module)
        )

    def imported(self, module: str, name: str) -> Resolved:
        submodule = f"{module}.{name}"
        bound = self.bindings.get(module, {}).get(name)
        if submodule in self.files and (bound is None or _names_module(bound, submodule)):
            return ModuleEntity(self.canonical(submodule))
        if bound is not None:
            return self.global_name(module, name)
        if module in self.files:
            return self.global_name(module, name)
        return ExternalEntity(submodule)

    def local(self, module: str, qualname: str) -> Resolved:
        if (module, qualname) in self.classes:
            return ClassEntity(module, qualname)
        if (module, qualname) in self.functions:
            return FunctionEntity(module, qualname)
        return Opaque(f"{qualname} not found in {module}")

    # ---- attributes ----------------------------------------------------------------------

    def member(self, entity: Resolved, attr: str) -> Resolved:
        match entity:
            case FunctionEntity(qualname=qualname) | ClassEntity(qualname=qualname) if (
                attr == "__name__"
            ):
                return ConstEntity(qualname.rsplit(".", 1)[-1])
            case ModuleEntity(name):
                return self.imported(name, attr)
            case ClassEntity():
                if attr == "as_view":
                    return BoundMethod(entity, attr)
                return self.class_member(entity, attr, instance=False)
            case InstanceEntity(cls=ClassEntity() as cls, exact=exact):
                found = self.class_member(cls, attr, instance=True)
                if not exact and isinstance(found, Opaque) and found.missing:
                    return Opaque(found.reason)
                return found
            case SuperEntity(cls):
                return self.class_member(cls, attr, instance=True, skip_own=True)
            case InstanceEntity(cls=ExternalEntity(dotted)):
                return Opaque(f"attribute of a {dotted} object", external=True)
            case ExternalEntity(dotted):
                return ExternalEntity(f"{dotted}.{attr}")
            case FlaskObject(kind="blueprint") if attr in ("name", "url_prefix"):
                index = 0 if attr == "name" else -1
                given = self.argument(entity.ctor, index, attr, Ctx(entity.module, entity.scope))
                return ConstEntity(None) if given is None else given
            case FlaskObject():
                return BoundMethod(entity, attr)
            case ConstEntity(value=str()) if attr == "format":
                return BoundMethod(entity, attr)
            case Opaque():
                return entity
        return Opaque(f"attribute '{attr}' of {type(entity).__name__}")

    def class_member(
        self, cls: ClassEntity, attr: str, *, instance: bool, skip_own: bool = False
    ) -> Resolved:
        """A method (as a function), nested class, or attribute value found along the MRO."""
        dynamic = attr.startswith("__")  # from `object`, or name-mangled and set dynamically
        for klass in self.mro(cls)[1:] if skip_own else self.mro(cls):
            if isinstance(klass, ExternalEntity):
                return Opaque(f"'{attr}' may come from {klass.dotted}", external=True)
            fact = self.classes[(klass.module, klass.qualname)]
            if attr in fact.methods:
                return FunctionEntity(klass.module, f"{klass.qualname}.{attr}")
            dynamic = dynamic or "__getattr__" in fact.methods
            nested = (klass.module, f"{klass.qualname}.{attr}")
            if nested in self.classes:
                return ClassEntity(*nested)
            for name, value in fact.class_attrs:
                if name == attr:
                    return self.resolve(value, Ctx(klass.module))
            if instance:
                for name, value in fact.instance_attrs:
                    if name == attr:
                        return self.resolve(value, Ctx(klass.module, f"{klass.qualname}.__init__"))
        return Opaque(f"{cls.qualname} has no attribute '{attr}'", missing=not dynamic)

    def mro(self, cls: ClassEntity) -> tuple[ClassEntity | ExternalEntity, ...]:
        """The class and its bases, depth first (enough for the single inheritance apps use)."""
        cached = self._mro.get(cls)
        if cached is not None:
            return cached
        self._mro[cls] = (cls,)
        order: list[ClassEntity | ExternalEntity] = [cls]
        fact = self.classes.get((cls.module, cls.qualname))
        for base_value in fact.bases if fact else ():
            base = self.resolve(base_value, Ctx(cls.module))
            if isinstance(base, ClassEntity):
                order.extend(k for k in self.mro(base) if k not in order)
            elif isinstance(base, ExternalEntity) and base not in order:
                order.append(base)
            elif not isinstance(base, ExternalEntity):  # e.g. `db.Model`: outside the project
                order.append(ExternalEntity(_written(base_value)))
        result = tuple(order)
        self._mro[cls] = result
        return result

    def external_bases(self, cls: ClassEntity) -> tuple[str, ...]:
        return tuple(k.dotted for k in self.mro(cls) if isinstance(k, ExternalEntity))

    # ---- calls -------------------------------------------------------------------------

    def call(self, value: CallOf, ctx: Ctx) -> Resolved:
        func = self.resolve(value.func, ctx)
        if isinstance(func, Opaque) and isinstance(value.func, Ref) and not func.external:
            fallback = FALLBACK_CONSTRUCTORS.get(value.func.dotted.rsplit(".", 1)[-1])
            if fallback is not None:
                func = ExternalEntity(fallback)
        match func:
            case ExternalEntity("builtins.str") if len(value.args) == 1:
                text = self.resolve(value.args[0], ctx)
                if isinstance(text, ConstEntity):
                    return ConstEntity(str(text.value))
                return InstanceEntity(func)
            case ExternalEntity("importlib.import_module") if len(value.args) == 1:
                name = self.resolve(value.args[0], ctx)
                if isinstance(name, ConstEntity) and isinstance(name.value, str):
                    return self.module(name.value)
                return InstanceEntity(func)
            case ExternalEntity(dotted):
                known = FLASK_CONSTRUCTORS.get(dotted)
                if known is not None:
                    kind, lib = known
                    return FlaskObject(
                        kind, lib, self.canonical(ctx.module), value.line, value, ctx.scope
                    )
                return InstanceEntity(func)
            case ClassEntity():
                for base in self.external_bases(func):
                    if base in FLASK_CONSTRUCTORS:
                        kind, lib = FLASK_CONSTRUCTORS[base]
                        return FlaskObject(
                            kind, lib, self.canonical(ctx.module), value.line, value, ctx.scope
                        )
                return InstanceEntity(func)
            case BoundMethod(owner=ClassEntity() | ExternalEntity() as owner, name="as_view"):
                endpoint = (
                    self.resolve(value.args[0], ctx)
                    if value.args
                    else self.keyword(value, "name", ctx)
                )
                return ViewEntity(owner, endpoint)
            case BoundMethod(owner=FlaskObject(kind="restx_api") as api, name="namespace"):
                return FlaskObject(
                    "restx_namespace",
                    api.lib,
                    self.canonical(ctx.module),
                    value.line,
                    value,
                    ctx.scope,
                    api,
                )
            case FunctionEntity():
                return self.returned(func, value, ctx)
            case SuperEntity():
                return func
            case BoundMethod(owner=ConstEntity(value=str() as template), name="format"):
                return self.formatted(template, value, ctx)
        return Opaque(
            "the result of a call the analyzer does not follow", external=_is_external(func)
        )

    def formatted(self, template: str, value: CallOf, ctx: Ctx) -> Resolved:
        """`"/{}/x".format(...)` with arguments known statically."""
        args = [self.resolve(a, ctx) for a in value.args]
        kwargs = {k: self.resolve(v, ctx) for k, v in value.kwargs}
        if not all(isinstance(a, ConstEntity) for a in [*args, *kwargs.values()]):
            return Opaque("a string formatted with values known only at run time")
        try:
            return ConstEntity(
                template.format(
                    *[constant(a) for a in args], **{k: constant(v) for k, v in kwargs.items()}
                )
            )
        except (IndexError, KeyError, ValueError, AttributeError):
            return Opaque("a str.format() call that would fail")

    def returned(self, func: FunctionEntity, value: CallOf, ctx: Ctx) -> Resolved:
        key = (func.module, func.qualname)
        fact = self.functions.get(key)
        result: Resolved = Opaque(f"what {func.qualname}() returns")
        if fact is not None and fact.returns is not None:
            env = self.bind_arguments(
                fact, value.args, value.kwargs, ctx, callee_module=func.module
            )
            result = self.resolve(fact.returns, Ctx(func.module, func.qualname, env))
        model = self.returned_models.get(key)
        if isinstance(result, Opaque) and model is not None:
            cls = self.ref(model, Ctx(func.module))
            if isinstance(cls, ClassEntity):
                return InstanceEntity(cls, exact=False)
        return result

    def bind_arguments(
        self,
        fact: FunctionFact,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
        ctx: Ctx,
        *,
        callee_module: str,
    ) -> dict[str, Resolved]:
        """Parameters of `fact` bound to the call's arguments (resolved where the call is)."""
        env: dict[str, Resolved] = {}
        given = dict(kwargs)
        positional = [p for p in fact.params if p.kind == "positional"]
        for param, arg in zip(positional, args, strict=False):
            env[param.name] = self.resolve(arg, ctx)
        for param in fact.params:
            if param.name in env:
                continue
            if param.name in given:
                env[param.name] = self.resolve(given[param.name], ctx)
            elif param.kind == "varargs":
                env[param.name] = SeqEntity(
                    tuple(self.resolve(a, ctx) for a in args[len(positional) :])
                )
            elif param.default is not None:
                env[param.name] = self.resolve(param.default, Ctx(callee_module))
        return env

    def keyword(self, value: CallOf, name: str, ctx: Ctx) -> Resolved:
        for key, item in value.kwargs:
            if key == name:
                return self.resolve(item, ctx)
        return Opaque(f"no {name}=")

    def argument(self, value: CallOf, index: int, name: str, ctx: Ctx) -> Resolved | None:
        """A call argument given by position (`index` >= 0) or keyword, or None when absent."""
        for key, item in value.kwargs:
            if key == name:
                return self.resolve(item, ctx)
        if 0 <= index < len(value.args):
            return self.resolve(value.args[index], ctx)
        return None


def _written(value: Value) -> str:
    return value.dotted if isinstance(value, Ref) else "<unknown base>"


def _names_module(value: Value, module: str) -> bool:
    """Whether a binding is just the submodule itself (`from . import views` in a package)."""
    match value:
        case Imported(source, name):
            return f"{source}.{name}" == module
        case ModuleRef(name):
            return name == module
    return False


def _is_external(entity: Resolved) -> bool:
    match entity:
        case ExternalEntity() | InstanceEntity(cls=ExternalEntity()):
            return True
        case Opaque(external=external):
            return external
    return False


def constant(entity: Resolved | None) -> LiteralValue | None:
    """The Python constant an entity stands for, if it is one."""
    return entity.value if isinstance(entity, ConstEntity) else None


def constant_strings(entity: Resolved | None) -> tuple[str, ...] | None:
    """A string or a sequence of strings, as a tuple; None when not all are known strings."""
    if isinstance(entity, ConstEntity) and isinstance(entity.value, str):
        return (entity.value,)
    if isinstance(entity, SeqEntity):
        items = [i.value for i in entity.items if isinstance(i, ConstEntity)]
        if len(items) == len(entity.items) and all(isinstance(i, str) for i in items):
            return tuple(str(i) for i in items)
    return None
