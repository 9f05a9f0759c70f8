"""Cross-module name resolution: what a `Value` written in some module refers to.

Follows imports (absolute, relative, `from x import y as z`, star imports), module-level
bindings, classes and their bases, instances built by calling a class, attributes set on
`self` (a parameter of `__init__` bound to what the calls building the class pass),
parameters annotated with a project class, and what simple factory functions return
(or, failing that, the ORM model whose instances the database facts say they return). Flask,
Blueprint, Flask-RESTful/RESTX and flask-smorest objects become `FlaskObject`s. Nothing here
reads files.
"""

from __future__ import annotations

import builtins
import importlib.util
import posixpath
from collections.abc import Callable, Hashable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from analyzer.facts.database import is_placeholder
from analyzer.facts.python import (
    MODULE_SCOPE,
    ROUTE_DECORATORS,
    CallFact,
    ClassFact,
    Diagnostic,
    FileFacts,
    FunctionFact,
)
from analyzer.facts.values import (
    SPREAD_KEYWORDS,
    Attr,
    CallOf,
    Choice,
    ClassOf,
    Compare,
    Comprehension,
    Divided,
    Imported,
    Item,
    Joined,
    Lit,
    LiteralValue,
    Local,
    LoopVar,
    ModuleRef,
    Negation,
    Pairs,
    Param,
    Ref,
    SelfOf,
    Seq,
    SetUnion,
    Sliced,
    Spread,
    Sum,
    SuperOf,
    Value,
    mentions_param,
    parts_of,
    reads_loop_item,
)
from analyzer.resolution import paths, protobuf
from analyzer.resolution.class_members import ClassMembers
from analyzer.resolution.entry_points import (
    CHECK_FUNCTION,
    DRIVER_MANAGERS,
    ENTRY_POINT_SELECTIONS,
    LOADED,
    PKG_RESOURCES_ITERATIONS,
    STEVEDORE_MANAGERS,
    EntryPointEntity,
    EntryPointSet,
    declared_entry_points,
)
from analyzer.resolution.instance_lists import RUN_BY_FLASK, added_items, methods_run
from analyzer.resolution.paths import PathEntity
from analyzer.resolution.pinned_versions import pinned_fab_release
from analyzer.resolution.protobuf import ProtoEntity, ProtoIndex
from analyzer.resolution.reads import (
    ENTRY_POINTS,
    PROTOBUF,
    REQUIREMENTS,
    DefinitionIndex,
    ModuleIndex,
    Reads,
    memoized,
    recording_class,
)
from analyzer.resolution.strings import (
    formatted_text,
    joined_text,
    method_result,
    substituted_text,
)
from analyzer.resolution.validator_table import SCHEMA_CLASSES

if TYPE_CHECKING:  # passed_arguments imports this module
    from analyzer.resolution.fab_table import FabRelease
    from analyzer.resolution.passed_arguments import PassedArguments

MAX_DEPTH = 24
MAX_BASES_DEPTH = 100  # classes built one on another that `mro` follows
MAX_ALTERNATIVES = 16  # values one registration may take through `either` choices

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
    # connexion 2: an app wrapping a Flask app (`add_api` registers an API's blueprint on it),
    # and an API whose `.blueprint` holds one rule per operation of its spec
    "connexion.FlaskApp": ("app", "connexion"),
    "connexion.App": ("app", "connexion"),
    "connexion.apps.FlaskApp": ("app", "connexion"),
    "connexion.apps.flask_app.FlaskApp": ("app", "connexion"),
    "connexion.FlaskApi": ("connexion_api", "connexion"),
    "connexion.apis.FlaskApi": ("connexion_api", "connexion"),
    "connexion.apis.flask_api.FlaskApi": ("connexion_api", "connexion"),
}
# objects holding resources for the app or blueprint their constructor is given
API_KINDS = frozenset({"restful_api", "restx_api", "smorest_api"})
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
    # known only as the class a function's annotation (`-> BaseManager`, `manager:
    # BaseManager`) or the model it returns names: the object may be of any subclass
    annotated: bool = False


@dataclass(frozen=True, slots=True)
class SuperEntity:
    """`super()` in a method of `cls`: attribute lookups skip `cls` itself."""

    cls: ClassEntity


@dataclass(frozen=True, slots=True)
class ConstEntity:
    value: LiteralValue
    # where a value read from configuration or the environment comes from, when other values
    # are possible ("" otherwise)
    origin: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ConfigEntity:
    """`app.config`: holds what the project's own code loads into it (`from_object`)."""


@dataclass(frozen=True, slots=True)
class SeqEntity:
    items: tuple[Resolved, ...]


@dataclass(frozen=True, slots=True)
class DictEntity:
    """A dict display with its keys and values resolved."""

    items: tuple[tuple[Resolved, Resolved], ...]

    def get(self, key: Resolved) -> Resolved | None:
        return next((v for k, v in self.items if k == key), None)


@dataclass(frozen=True, slots=True)
class ClassChoiceEntity:
    """One of several project classes, which one known only at run time: a dict of classes
    subscripted by a key known only then (`{"file": File, "config": Config}[kind]`)."""

    classes: tuple[ClassEntity, ...]


@dataclass(frozen=True, slots=True)
class ModuleInfoEntity:
    """An item of `pkgutil.iter_modules(pkg.__path__)`: one module of a package in the tree."""

    name: str
    ispkg: bool


@dataclass(frozen=True, slots=True)
class ViewEntity:
    """`SomeView.as_view("name")`: a class-based view function."""

    cls: ClassEntity | ExternalEntity
    endpoint: Resolved


@dataclass(frozen=True, slots=True)
class FlaskObject:
    """A Flask app, blueprint, API or namespace, identified by where it is constructed."""

    kind: str  # "app", "blueprint", "restful_api", "restx_api", "restx_namespace", "smorest_api",
    # "appbuilder" (Flask-AppBuilder), "admin" (Flask-Admin), "connexion_api" (connexion's
    # `FlaskApi`: its `.blueprint` is itself, turned into a blueprint where it is registered)
    lib: str
    module: str
    line: int
    ctor: CallOf = field(compare=False)
    scope: str = field(compare=False, default=MODULE_SCOPE)
    parent: FlaskObject | None = field(compare=False, default=None)
    # an app built again by calling its factory at module level in another module (zou's
    # `event_stream.py`: `app = create_app()`): (that module, line); `parent` is the app the
    # factory builds, whose ctor, module and scope it shares
    call_site: tuple[str, int] | None = None
    # built in a method run for an instance of this class (a base class's `__init__` making
    # one blueprint per subclass, named from the subclass's attributes)
    receiver: ClassEntity | None = None
    # an API built by a function on the app or blueprint its caller passes (`Api(bp)`, `bp` a
    # parameter): that app or blueprint, one API per object passed
    host: FlaskObject | None = None
    # a blueprint built by a function from its parameters (`Blueprint(name, import_name)` in
    # a helper called once per area): the constants the caller passes for them, one blueprint
    # per set of arguments
    arguments: tuple[tuple[str, ConstEntity], ...] = ()

    @property
    def ctx(self) -> Ctx:
        """Where its constructor's arguments are resolved."""
        env: dict[str, Resolved] = dict(self.arguments)
        if self.receiver is not None:
            env[RECEIVER] = self.receiver
        return Ctx(self.module, self.scope, env)


@dataclass(frozen=True, slots=True)
class CreatedBlueprint:
    """`view.create_blueprint(appbuilder, endpoint=..., static_folder=...)` on an instance of a
    Flask-AppBuilder view class, called from anywhere: the blueprint the library builds from
    the view (`created_blueprints` reads its rules)."""

    view: ClassEntity | ExternalEntity
    endpoint: Resolved | None
    static_folder: Resolved | None


@dataclass(frozen=True, slots=True)
class BoundMethod:
    owner: Resolved
    name: str


@dataclass(frozen=True, slots=True)
class RouteDecorator:
    """`bp.route(rule, ...)` not applied in place (a helper returns it): applied later."""

    owner: FlaskObject
    attr: str
    args: tuple[Resolved, ...]
    kwargs: tuple[tuple[str, Resolved], ...]


@dataclass(frozen=True, slots=True)
class Opaque:
    """Not resolvable statically; `external` when it is plainly outside the project."""

    reason: str
    external: bool = False
    missing: bool = False  # a project module/class that lacks the name (worth a diagnostic)
    # a sequence only partly known (`[(rule, view)] + routes_from_descriptors()`): the items
    # known to be in it; only a loop over it uses them, never a check that needs all of them
    known_items: tuple[Resolved, ...] = ()


Resolved = (
    ModuleEntity
    | FunctionEntity
    | ClassEntity
    | ExternalEntity
    | InstanceEntity
    | SuperEntity
    | ConstEntity
    | ConfigEntity
    | SeqEntity
    | DictEntity
    | ClassChoiceEntity
    | ModuleInfoEntity
    | ViewEntity
    | FlaskObject
    | CreatedBlueprint
    | BoundMethod
    | RouteDecorator
    | ProtoEntity
    | PathEntity
    | EntryPointEntity
    | EntryPointSet
    | Opaque
)

_BUILTINS = frozenset(dir(builtins))
# the env key for the class a method runs for (`cls`, or `self`'s class): the class it is called
# on, which may be a subclass of the one defining it; no parameter can have this name
RECEIVER = "<receiver>"
# the env key for the object a method runs on, when it is a Flask object built from a project
# class (`self` in the `register` override of a `Blueprint` subclass): the rules the method adds
# on `self` are that object's
INSTANCE = "<instance>"
# the library whose view classes build their own blueprint (`BaseView.create_blueprint`)
APPBUILDER_PACKAGE = "flask_appbuilder."
# classes made by these calls build records whose fields are attributes
NAMED_TUPLES = frozenset({"collections.namedtuple", "typing.NamedTuple"})
# the finder of an item of a package walk (`for finder, name, ispkg in pkgutil.iter_modules`)
MODULE_FINDER = "pkgutil.ModuleInfo.module_finder"
MODULE_FINDER_FIND_SPEC = f"{MODULE_FINDER}.find_spec"
_CONFIG_LOADERS = frozenset(
    {"from_object", "from_pyfile", "from_envvar", "update", "from_mapping", "__setitem__"}
)
_CYCLE = Opaque("recursive definition")
_NOT_RECORDING = nullcontext()
_CURRENT_USER = frozenset({"flask_login.current_user", "flask_login.utils.current_user"})
_USER_MIXINS = frozenset({"flask_login.UserMixin", "flask_login.mixins.UserMixin"})
# str methods applied to constants with constant arguments (rules and endpoint names are built
# with them)
_STR_METHODS = frozenset(
    [
        "lower",
        "upper",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "replace",
        "removeprefix",
        "removesuffix",
        "startswith",
        "endswith",
        "join",
        "partition",
        "rpartition",
        "split",
        "rsplit",
    ]
)


# a call of the project: (its place in a walk over every function's calls, function, call)
_NamedCall = tuple[int, tuple[str, str], CallFact]


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where a value is written: module, enclosing function, and parameters bound by a caller."""

    module: str
    scope: str = MODULE_SCOPE
    env: Mapping[str, Resolved] = field(default_factory=dict)


class Resolver:
    """Resolves values against the facts of every analyzed module."""

    def __new__(cls, files: Iterable[FileFacts], reads: Reads | None = None) -> Resolver:
        # recording: the memoized methods note what their answers read (`reads`)
        return super().__new__(recording_class(cls) if reads is not None else cls)

    def __init__(self, files: Iterable[FileFacts], reads: Reads | None = None) -> None:
        """`reads`: where to record, unit by unit, the modules each answer reads
        (`analyzer.resolution.reads`); None records nothing."""
        files = tuple(files)
        self.files: dict[str, FileFacts] = {}
        # OpenAPI / Swagger spec files, by path: connexion's APIs are built from them
        self.specs: dict[str, FileFacts] = {}
        for facts in files:
            if facts.kind == "python":
                self.files.setdefault(facts.module, facts)
            elif facts.kind == "openapi":
                self.specs[facts.path] = facts
        # the Flask-AppBuilder release whose views the project's requirements choose
        self._fab = pinned_fab_release(files)
        self._entry_points = declared_entry_points(e for f in files for e in f.entry_points)
        # calls of declared objects (`invoke_on_load`), made once: `_calls` knows them by id
        self._entry_point_calls: dict[EntryPointEntity, CallOf] = {}
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
            if function.returns_model is not None and not is_placeholder(function.returns_model)
        }
        self._globals: dict[tuple[str, str], Resolved] = {}
        self._refs: dict[
            tuple[str, str], Resolved
        ] = {}  # names resolved where no parameter is bound
        # calls resolved where no parameter is bound, by (id of the call, module, scope): the
        # facts live as long as the resolver, and the same call is met again and again (each
        # route's handlers, each registration, each caller's view of a helper)
        self._calls: dict[tuple[int, str, str], Resolved] = {}
        self._called: dict[tuple[int, str, str], tuple[CallFact, Resolved]] = {}
        # one value per call of the facts asked for as a whole (`built`), by id of the call:
        # `_calls` knows a value by its id, so it must live as long as the resolver too
        self._call_values: dict[int, tuple[CallFact, CallOf]] = {}
        self._mro: dict[ClassEntity, tuple[ClassEntity | ExternalEntity, ...]] = {}
        self._members: dict[ClassEntity, ClassMembers] = {}
        self._constructed: dict[tuple[ClassEntity, str], Resolved | None] = {}
        self._constructions: dict[ClassEntity, list[tuple[CallFact, Ctx]]] | None = None
        self._settings: dict[str, Resolved] | None = None
        # every literal a class attribute or module-level name is given, by name: built on
        # the first setting asked for (one pass, not one per setting)
        self._definitions: dict[str, tuple[tuple[LiteralValue, str], ...]] | None = None
        self._user_class: tuple[ClassEntity | None] | None = None
        # every call of every function, by the name it is written with (`written_name`):
        # built on the first scan that asks, so each scan over the project's calls for a few
        # names reads only theirs
        self._calls_by_name: dict[str | None, list[_NamedCall]] | None = None
        self._attached: dict[str, Resolved] | None = None  # attributes objects put on apps
        self._abstract: dict[ClassEntity, bool] = {}  # whether a class leaves a method abstract
        self._protobuf = ProtoIndex(self.files.values())
        self._depth = 0
        # answers cut short so far: at the depth cap, or by meeting a definition (a name, a
        # class's bases, a constructor's argument, the settings, the constructions) while it
        # is being worked out. A memo below keeps only answers made without any cut, so it
        # gives what working them out again would, wherever they are asked for.
        self._cuts = 0
        self._mro_busy: set[ClassEntity] = set()
        # where a bound on depth cut the analysis short (code deeper than an app would be)
        self.bound_notes: dict[tuple[str, int, str], Diagnostic] = {}
        # where a plugin loader's entry points are not all known
        self.entry_point_notes: dict[tuple[str, int, str], Diagnostic] = {}
        self._constructing: set[tuple[ClassEntity, str]] = set()
        self._settings_busy = False
        self._constructions_busy = False
        self._class_members: dict[tuple[ClassEntity, str, bool, bool], Resolved] = {}
        self._passed: dict[FlaskObject, PassedArguments] = {}
        self._grown_lists: dict[tuple[FlaskObject, str], Resolved] = {}
        self._parameters: dict[tuple[str, str, str], Resolved] = {}
        self._constants: dict[tuple[type, LiteralValue], ConstEntity] = {}
        self.reads = reads
        if reads is not None:  # every lookup of facts through these notes its module
            self.files = ModuleIndex(reads, "files", self.files)
            self.specs = ModuleIndex(reads, "specs", self.specs)
            self.bindings = ModuleIndex(reads, "bindings", self.bindings)
            self.functions = DefinitionIndex(reads, "functions", self.functions)
            self.classes = DefinitionIndex(reads, "classes", self.classes)
            self.returned_models = DefinitionIndex(reads, "returned models", self.returned_models)

    @property
    def fab(self) -> FabRelease:
        """The Flask-AppBuilder release whose views the project's requirements choose."""
        if self.reads is not None:
            self.reads.read(REQUIREMENTS)
        return self._fab

    @property
    def entry_points(self) -> EntryPointSet:
        """Every entry point the tree's manifests declare."""
        if self.reads is not None:
            self.reads.read(ENTRY_POINTS)
        return self._entry_points

    @property
    def protobuf(self) -> ProtoIndex:
        """The messages and services of the project's protobuf modules."""
        if self.reads is not None:
            self.reads.read(PROTOBUF)
        return self._protobuf

    def unit(self, key: Hashable) -> AbstractContextManager[object]:
        """Around the resolution of one unit a stage may keep the answer of (a function's row
        of the call graph): what it reads is recorded under `key` (nothing without `reads`)."""
        return self.reads.unit(key) if self.reads is not None else _NOT_RECORDING

    def _cut(self) -> None:
        """An answer cut short (see `_cuts`): one that rests on everything."""
        self._cuts += 1
        if self.reads is not None:
            self.reads.everything("a cut")

    def _scanned(self, scan: str) -> None:
        """A whole-program scan answers: what it found rests on every file."""
        if self.reads is not None:
            self.reads.everything(scan)

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
            self._cut()
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
            star = self.star_source(module, head)
            if star is not None:
                return self.locate(star, dotted, depth + 1)
            parts = dotted.split(".")  # an absolute name (`app.models.User`, a function's import)
            for cut in range(len(parts) - 1, 0, -1):
                candidate = ".".join(parts[:cut])
                if candidate in self.files:
                    return self.locate(candidate, ".".join(parts[cut:]), depth + 1)
        elif bound is not None and not isinstance(bound, Imported | ModuleRef):
            found = self._absolute_in_project(dotted)
            if found is not None:
                return self.locate(*found, depth + 1)
        return self.canonical(module), dotted

    def _absolute_in_project(self, dotted: str) -> tuple[str, str] | None:
        """A function's import (`from app.models import User` in a module that also binds
        `app = Flask(...)`) read as the absolute name it is: a project submodule that binds
        the next name (`app.models` binding `User`). A plain attribute of the local object
        (`app.config.get`) is not taken for one, as its submodule binds no such name."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 1, -1):
            candidate = ".".join(parts[:cut])
            if candidate in self.files and parts[cut] in self.bindings.get(candidate, {}):
                return candidate, ".".join(parts[cut:])
        return None

    def canonical(self, module: str) -> str:
        return self.files[module].module if module in self.files else module

    def calls_named(self, names: Iterable[str]) -> list[tuple[tuple[str, str], CallFact]]:
        """(function, call) for every call whose `written_name` is one of `names`, in the
        order a loop over `functions` and each one's calls meets them."""
        self._scanned("calls_named")
        if self._calls_by_name is None:
            self._calls_by_name = {}
            number = 0
            for key, function in self.functions.items():
                for call in function.calls:
                    name = written_name(call.func)
                    self._calls_by_name.setdefault(name, []).append((number, key, call))
                    number += 1
        found = [entry for name in set(names) for entry in self._calls_by_name.get(name, ())]
        found.sort(key=lambda entry: entry[0])
        return [(key, call) for _, key, call in found]

    # ---- values ------------------------------------------------------------------------

    def resolve(self, value: Value, ctx: Ctx) -> Resolved:
        if self._depth > MAX_DEPTH:
            self._cut()
            return _CYCLE
        # the commonest values answered here, as their resolvers would (a constant, a name or
        # call already resolved where no parameter is bound): a third of all values met
        if type(value) is Lit:
            return self._constant(value.value)
        if not ctx.env:
            if type(value) is Ref:
                known = self._refs.get((ctx.module, value.dotted))
                if known is not None:
                    if self.reads is not None:
                        self.reads.again(("_refs", (ctx.module, value.dotted)))
                    return known
            elif type(value) is CallOf:
                known = self._calls.get((id(value), ctx.module, ctx.scope))
                if known is not None:
                    if self.reads is not None:
                        self.reads.again(("_calls", (id(value), ctx.module, ctx.scope)))
                    return known
        # one dict lookup per value (a match statement tried each class pattern in turn,
        # and this runs hundreds of thousands of times on a large app)
        resolver = _RESOLVERS.get(type(value))
        if resolver is None:
            return Opaque("an expression the analyzer does not follow")
        self._depth += 1
        try:
            return resolver(self, value, ctx)
        finally:
            self._depth -= 1

    def _constant(self, value: LiteralValue) -> ConstEntity:
        """The entity of a literal, one shared per value: the same few literals are met
        tens of thousands of times. Keyed by type too (`1 == True`); floats are not kept
        (`0.0 == -0.0`, and NaN equals nothing)."""
        if type(value) is float:
            return ConstEntity(value)
        key = (type(value), value)
        found = self._constants.get(key)
        if found is None:
            found = self._constants[key] = ConstEntity(value)
        return found

    def _attr(self, value: Attr, ctx: Ctx) -> Resolved:
        if type(value.base) is SelfOf and ctx.env:  # what the object holds at this call
            held = ctx.env.get(attribute_key(value.name, value.base.class_qualname))
            if held is not None:
                return held
        found = self.member(self.resolve(value.base, ctx), value.name)
        if isinstance(value.base, ClassOf) and isinstance(found, Opaque) and found.missing:
            return Opaque(found.reason)  # the member may be the subclass's: never "missing"
        instance = ctx.env.get(INSTANCE)
        growable = isinstance(value.base, SelfOf) and isinstance(found, SeqEntity)
        if growable and isinstance(found, SeqEntity) and isinstance(instance, FlaskObject):
            return self.grown_list(found, instance, value.name)
        return found

    @memoized("_grown_lists", lambda initial, instance, attribute: (instance, attribute))
    def grown_list(self, initial: SeqEntity, instance: FlaskObject, attribute: str) -> Resolved:
        """`self.<attribute>` of a Flask object built from a project class, a list its
        constructor sets: with what the methods Flask runs on the object add to it (see
        `instance_lists`); partly known when an addition is not."""
        key = (instance, attribute)
        known = self._grown_lists.get(key)
        if known is not None:
            if known is _CYCLE:
                self._cut()
                return initial
            return known
        cls = self.resolve(instance.ctor.func, instance.ctx)
        if not isinstance(cls, ClassEntity):
            return initial
        self._grown_lists[key] = _CYCLE
        classes = [(k.module, k.qualname) for k in self.mro(cls) if isinstance(k, ClassEntity)]
        items = list(initial.items)
        partial = False
        env: dict[str, Resolved] = {RECEIVER: cls, INSTANCE: instance}
        for name in RUN_BY_FLASK:
            for module, fact in methods_run(self.functions, classes, name):
                for added in added_items(fact, attribute):
                    item = self.resolve(added, Ctx(module, fact.qualname, env))
                    partial = partial or isinstance(item, Opaque)
                    if not isinstance(item, Opaque):
                        items.append(item)
        grown: Resolved = SeqEntity(tuple(items))
        if partial:
            grown = Opaque("a list partly grown at run time", known_items=tuple(items))
        self._grown_lists[key] = grown
        return grown

    def _param(self, value: Param, ctx: Ctx) -> Resolved:
        return ctx.env[value.name] if value.name in ctx.env else self.parameter(value.name, ctx)

    def _loop_var(self, value: LoopVar, ctx: Ctx) -> Resolved:
        return ctx.env.get(value.name, Opaque(f"loop variable '{value.name}' in {ctx.scope}"))

    def _self_of(self, value: SelfOf, ctx: Ctx) -> Resolved:
        return InstanceEntity(self._class_of(value.class_qualname, ctx), exact=False)

    def _class_of(self, class_qualname: str, ctx: Ctx) -> ClassEntity:
        """`cls` in a method of `class_qualname`: the class it runs for, when a call bound it."""
        cls = ClassEntity(self.canonical(ctx.module), class_qualname)
        receiver = ctx.env.get(RECEIVER)
        if isinstance(receiver, ClassEntity) and receiver != cls and cls in self.mro(receiver):
            return receiver
        return cls

    def comprehension(self, value: Comprehension, ctx: Ctx) -> Resolved:
        """The sequence a comprehension builds over items known statically."""
        items = iterated(self.resolve(value.iterable, ctx))
        if items == ConstEntity(None):  # would raise: code reaching it tests for None first
            items = SeqEntity(())
        if not isinstance(items, SeqEntity):
            return Opaque("a comprehension over values known only at run time")
        built: list[Resolved] = []
        partial = False
        for item in items.items:
            env = dict(ctx.env)
            bind_target(value.target, item, env)
            element = self.resolve(value.element, Ctx(ctx.module, ctx.scope, env))
            if not value.spliced:
                built.append(element)
            elif isinstance(element, SeqEntity | Opaque):
                built.extend(_known_items(element))
                partial = partial or isinstance(element, Opaque)
            else:
                partial = True
        if partial:
            return Opaque("a sequence partly built at run time", known_items=tuple(built))
        return SeqEntity(tuple(built))

    def _pairs(self, value: Pairs, ctx: Ctx) -> Resolved:
        return DictEntity(
            tuple((self.resolve(k, ctx), self.resolve(v, ctx)) for k, v in value.items)
        )

    @memoized("_refs", lambda dotted, ctx: None if ctx.env else (ctx.module, dotted))
    def ref(self, dotted: str, ctx: Ctx) -> Resolved:
        key = (ctx.module, dotted)
        if not ctx.env:
            known = self._refs.get(key)
            if known is not None:
                return known
        head, *rest = dotted.split(".")
        entity = self.name(head, ctx)
        for attr in rest:
            entity = self.member(entity, attr)
        if not ctx.env and entity is not _CYCLE:
            self._refs[key] = entity
        return entity

    @memoized("_parameters", lambda name, ctx: (name, ctx.module, ctx.scope))
    def parameter(self, name: str, ctx: Ctx) -> Resolved:
        """A parameter no caller binds: in a class's `__init__`, what the calls building the
        class pass (when they agree); else an instance of the project class it is annotated
        with."""
        key = (name, ctx.module, ctx.scope)
        known = self._parameters.get(key)
        if known is not None:
            return known
        cuts = self._cuts
        found = self._parameter(name, ctx)
        if self._cuts == cuts:
            self._parameters[key] = found
        return found

    def _parameter(self, name: str, ctx: Ctx) -> Resolved:
        fact = self.functions.get((self.canonical(ctx.module), ctx.scope))
        if fact is not None and fact.class_qualname is not None and ctx.scope.endswith(".__init__"):
            owner = ClassEntity(self.canonical(ctx.module), fact.class_qualname)
            constructed = self.constructed_argument(owner, name)
            if constructed is not None:
                return constructed
        for param in fact.params if fact else ():
            if param.name == name and param.annotation is not None:
                cls = self.resolve(param.annotation, Ctx(ctx.module))
                if isinstance(cls, ClassEntity):
                    return InstanceEntity(cls, exact=False, annotated=True)
        if fact is not None and fact.class_qualname is not None and ctx.scope.endswith(".__init__"):
            owner = ClassEntity(self.canonical(ctx.module), fact.class_qualname)
            handed = self.handed_class(owner, fact, name)
            if handed is not None:
                return InstanceEntity(handed, exact=False)
        return Opaque(f"parameter '{name}' of {ctx.scope}")

    def handed_class(self, klass: ClassEntity, init: FunctionFact, name: str) -> ClassEntity | None:
        """The one project class the known callers of `klass.__init__` pass as its parameter
        `name`, calls passing what is not known left aside: a subclass's `__init__` handing
        on its own parameter, annotated (`def __init__(self, db_token: Token)` then
        `Base.__init__(self, db_token)` or `super().__init__(db_token)`), or a construction."""
        key = (klass, f"handed:{name}")
        if key in self._constructing:
            self._cut()
            return None
        self._constructing.add(key)
        try:
            found: set[ClassEntity] = set()
            for call, caller in self.init_callers(klass):
                args = call.args
                if args and isinstance(args[0], SelfOf):  # `Base.__init__(self, ...)`
                    args = args[1:]
                env = self.bind_arguments(
                    init, args, call.kwargs, caller, callee_module=klass.module
                )
                given = env.get(name)
                if isinstance(given, InstanceEntity) and isinstance(given.cls, ClassEntity):
                    found.add(given.cls)
            return found.pop() if len(found) == 1 else None
        finally:
            self._constructing.discard(key)

    def init_callers(self, klass: ClassEntity) -> list[tuple[CallFact, Ctx]]:
        """The calls running `klass.__init__`: the constructions, and the `__init__` calls of
        its subclasses' own (`Base.__init__(self, ...)`, `super().__init__(...)`)."""
        init = FunctionEntity(klass.module, f"{klass.qualname}.__init__")
        handing = [
            (call, Ctx(module, qualname))
            for (module, qualname), call in self.calls_named(["__init__"])
            if qualname.endswith(".__init__") and self.called(call, Ctx(module, qualname)) == init
        ]
        return [*self.constructions(klass), *handing]

    def joined(self, parts: tuple[Value, ...], ctx: Ctx) -> Resolved:
        pieces: list[str] = []
        for index, part in enumerate(parts):
            resolved = self.resolve(part, ctx)
            if isinstance(resolved, PathEntity):  # `f"{folder}/static"`
                before = [PathEntity("written", "".join(pieces))] if index else []
                rest = [_path_part(self.resolve(p, ctx)) for p in parts[index + 1 :]]
                found = paths.concatenated([*before, resolved, *rest])
                return Opaque("a string built from a path") if found is None else _path_text(found)
            if not isinstance(resolved, ConstEntity) or isinstance(resolved.value, bool):
                return Opaque("a string built from values known only at run time")
            pieces.append("" if resolved.value is None else str(resolved.value))
        text = joined_text(pieces)
        return Opaque("a string too long to compute") if text is None else ConstEntity(text)

    def name(self, name: str, ctx: Ctx) -> Resolved:
        if name in ctx.env:
            return ctx.env[name]
        if name == "__name__":
            return ConstEntity(self.canonical(ctx.module))
        if name == "__file__" and (facts := self.files.get(self.canonical(ctx.module))):
            return paths.module_file(facts.path)
        return self.global_name(ctx.module, name)

    @memoized("_globals", lambda module, name: (module, name))
    def global_name(self, module: str, name: str) -> Resolved:
        key = (module, name)
        cached = self._globals.get(key)
        if cached is not None:
            if cached is _CYCLE:  # being worked out (or it was cut short itself)
                self._cut()
            return cached
        self._globals[key] = _CYCLE
        result = self._global_name(module, name)
        if result is _CYCLE:  # cut short (at the depth cap, say): worked out again when asked
            del self._globals[key]
        else:
            self._globals[key] = result
        return result

    def _global_name(self, module: str, name: str) -> Resolved:
        bindings = self.bindings.get(module)
        if bindings is None:
            return Opaque(f"module {module} is not in the analyzed tree", external=True)
        if self.protobuf:  # generated code binds its classes through `globals()`
            generated = self.protobuf.top_level(self.canonical(module), name)
            if generated is not None:
                return generated
        if name in bindings and name in self.files[module].rebound_globals:
            # `manager = None` and, in a function, `global manager; manager = cls(app)`
            return Opaque(f"module global '{name}' of {module}, which a function rebinds")
        if name in bindings:
            return self.resolve(bindings[name], Ctx(module))
        star = self.star_source(module, name)
        if star is not None:
            return self.global_name(star, name)
        for star in self.files[module].star_imports:
            if star not in self.files:
                return ExternalEntity(f"{star}.{name}")
        if name in _BUILTINS:
            return ExternalEntity(f"builtins.{name}")
        return Opaque(f"name '{name}' is not bound in {module}", missing=True)

    def star_source(self, module: str, name: str) -> str | None:
        """The project module binding `name` that the star imports of `module` bring in, also
        through their own star imports (a package's `from .models import *` re-exporting
        `from .user import *`), in import order; each module looked at once."""
        seen = {module}
        pending = list(self.files[module].star_imports)
        while pending:
            star = pending.pop(0)
            if star in seen or star not in self.files:
                continue
            seen.add(star)
            if name in self.bindings.get(star, {}):
                return star
            pending[:0] = self.files[star].star_imports
        return None

    def module(self, module: str) -> Resolved:
        return (
            ModuleEntity(self.canonical(module)) if module in self.files else ExternalEntity(module)
        )

    def imported(self, module: str, name: str) -> Resolved:
        submodule = f"{module}.{name}"
        bound = self.bindings.get(module, {}).get(name)
        if submodule in self.files and (
            bound is None or _names_module(bound, submodule) or bound == Lit(None)
        ):  # `swagger = None` in a package importing its own `swagger` module: a placeholder
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
        if type(entity) is Opaque:  # the commonest owner, and no case below matches it
            return entity
        if type(entity) is ExternalEntity:  # the next commonest: its cases below, alone
            dotted = entity.dotted
            if dotted == "flask.current_app" and attr == "config":
                return ConfigEntity()
            if dotted in _CURRENT_USER and (user := self.user_class()):
                return self.member(InstanceEntity(user, exact=False), attr)
            return ExternalEntity(f"{dotted}.{attr}")
        match entity:
            case FunctionEntity(qualname=qualname) | ClassEntity(qualname=qualname) if (
                attr == "__name__"
            ):
                return ConstEntity(qualname.rsplit(".", 1)[-1])
            case ViewEntity(endpoint=endpoint) if attr == "__name__":  # `as_view(name)` names it
                return endpoint
            case ModuleEntity(name):
                return ConstEntity(name) if attr == "__name__" else self.imported(name, attr)
            case ClassEntity():
                if attr == "as_view":
                    return BoundMethod(entity, attr)
                return self.class_member(entity, attr, instance=False)
            case ClassChoiceEntity(classes):
                # exact when every class's MRO gives the same (a method they inherit)
                members = {self.member(cls, attr) for cls in classes}
                if len(members) == 1:
                    return members.pop()
                return Opaque(f"'{attr}' of one of {len(classes)} classes picked at run time")
            case InstanceEntity(cls=ClassEntity() as cls, exact=exact, annotated=annotated):
                found = self.class_member(cls, attr, instance=True)
                if not exact and isinstance(found, Opaque) and found.missing:
                    return Opaque(found.reason)
                if annotated and isinstance(found, FunctionEntity) and self.is_abstract(cls):
                    # the object is one of its subclasses, which may override the method
                    return Opaque(
                        f"'{attr}' of a {cls.qualname} whose class, one of its subclasses "
                        f"({cls.qualname} has abstract methods), is known only at run time"
                    )
                if isinstance(found, FunctionEntity):
                    return self.property_value(found, cls) or found
                if (
                    attr == "create_blueprint"
                    and isinstance(found, Opaque)
                    and found.external
                    and self.appbuilder_view(cls)
                ):  # the library's own: the view's blueprint
                    return BoundMethod(entity, attr)
                return found
            case SuperEntity(cls):
                return self.class_member(cls, attr, instance=True, skip_own=True)
            case InstanceEntity(cls=ExternalEntity(dotted)):
                if attr == "create_blueprint" and dotted.startswith(APPBUILDER_PACKAGE):
                    return BoundMethod(entity, attr)
                return Opaque(f"attribute of a {dotted} object", external=True)
            case ExternalEntity("flask.current_app") if attr == "config":
                return ConfigEntity()
            case ExternalEntity(dotted) if dotted in _CURRENT_USER and (user := self.user_class()):
                return self.member(InstanceEntity(user, exact=False), attr)
            case ExternalEntity(dotted):
                return ExternalEntity(f"{dotted}.{attr}")
            case FlaskObject(kind="blueprint") if attr in ("name", "url_prefix"):
                index = 0 if attr == "name" else -1
                given = self.passed(entity).argument(index, attr)
                return ConstEntity(None) if given is None else given
            case FlaskObject(kind="app") if attr == "config":
                return ConfigEntity()
            case FlaskObject(kind="app", lib="connexion") if attr == "app":
                return entity  # the Flask app a connexion app wraps: the same routes
            case FlaskObject(kind="connexion_api") if attr == "blueprint":
                return entity
            case FlaskObject(kind="restful_api" | "restx_api") if attr == "blueprint":
                return self.api_blueprint(entity)
            case FlaskObject(kind="app") if attr in self.attached_to_apps():
                return self.attached_to_apps()[attr]
            case FlaskObject() | ConfigEntity():
                return BoundMethod(entity, attr)
            case DictEntity() if attr in ("get", "pop", "items", "keys", "values"):
                return BoundMethod(entity, attr)
            case DictEntity() if (field := entity.get(ConstEntity(attr))) is not None:
                return field  # a named tuple's field (see NAMED_TUPLES)
            case ModuleInfoEntity(name=name, ispkg=ispkg) if attr in ("name", "ispkg"):
                return ConstEntity(name if attr == "name" else ispkg)
            case EntryPointEntity() | EntryPointSet():
                return self.entry_point_member(entity, attr)
            case ConstEntity(value=str()) if attr == "format" or attr in _STR_METHODS:
                return BoundMethod(entity, attr)
            case PathEntity():
                if attr == "parent":
                    return paths.dirname(entity) or Opaque("the parent of a path not known")
                if attr == "name":
                    last = paths.basename(entity)
                    return Opaque("a path's name not known") if last is None else ConstEntity(last)
                return BoundMethod(entity, attr)  # its methods, and `parents[n]`
            case ProtoEntity():
                if attr in protobuf.METHODS:
                    return BoundMethod(entity, attr)
                return _from_proto(self.protobuf.member(entity, attr), attr)
        return Opaque(f"attribute '{attr}' of {type(entity).__name__}")

    def attached_to_apps(self) -> dict[str, Resolved]:
        """What the objects of project classes put on another as an attribute of their own
        (`app.appbuilder = self`, `setattr(app, "appbuilder", self)` in a method), by name,
        where one class alone sets that name: read on a Flask app (`app.appbuilder`), an
        instance of that class. The object they are put on is taken to be the app."""
        self._scanned("attached_to_apps")
        if self._attached is None:
            found: dict[str, set[Resolved]] = {}
            for (module, _), call in self.calls_named(["setattr"]):
                match call.args:
                    case (_, Lit(value=str() as name), SelfOf(class_qualname=qualname)):
                        owner = ClassEntity(self.canonical(module), qualname)
                        found.setdefault(name, set()).add(InstanceEntity(owner, exact=False))
            self._attached = {
                name: owners.pop() for name, owners in found.items() if len(owners) == 1
            }
        return self._attached

    @memoized("_abstract", lambda cls: cls)
    def is_abstract(self, cls: ClassEntity) -> bool:
        """Whether a project class leaves some method abstract (`@abstractmethod` on what its
        MRO finds first under that name, a method or a class attribute): it is only ever run
        as one of its subclasses."""
        known = self._abstract.get(cls)
        if known is not None:
            return known
        cuts = self._cuts
        seen: set[str] = set()
        found = False
        for klass in self.mro(cls):
            if not isinstance(klass, ClassEntity):
                continue
            fact = self.classes.get((klass.module, klass.qualname))
            if fact is None:
                continue
            for method in fact.methods:
                if method not in seen:
                    found = found or self._abstract_method(klass, method)
            seen.update(fact.methods)
            seen.update(name for name, _ in fact.class_attrs)
        if self._cuts == cuts:
            self._abstract[cls] = found
        return found

    def _abstract_method(self, cls: ClassEntity, method: str) -> bool:
        fact = self.functions.get((cls.module, f"{cls.qualname}.{method}"))
        return fact is not None and any(
            self.resolve(decorator, Ctx(cls.module)) == ExternalEntity("abc.abstractmethod")
            for decorator in fact.decorators
        )

    def appbuilder_view(self, cls: ClassEntity) -> bool:
        """Whether a project class is built on one of Flask-AppBuilder's view classes."""
        return any(base.startswith(APPBUILDER_PACKAGE) for base in self.external_bases(cls))

    def api_blueprint(self, api: FlaskObject) -> Resolved:
        """`api.blueprint` of a Flask-RESTful/RESTX `Api`: the blueprint its constructor was
        given (their `init_app` keeps it there), None when it was given an app."""
        host = api.host or self.argument(api.ctor, 0, "app", api.ctx)
        if isinstance(host, FlaskObject) and host.kind == "blueprint":
            return host
        if isinstance(host, FlaskObject) and host.kind == "app":
            return ConstEntity(None)
        return Opaque("the blueprint of an API built on an object the analyzer cannot identify")

    def flask_object(
        self, kind: str, lib: str, ctor: CallOf, ctx: Ctx, receiver: ClassEntity | None = None
    ) -> FlaskObject:
        """The app, blueprint or extension object `ctor` builds (a library's class or a project
        subclass of one); `receiver`: the class a method building it per subclass runs for."""
        return FlaskObject(
            kind,
            lib,
            self.canonical(ctx.module),
            ctor.line,
            ctor,
            ctx.scope,
            receiver=receiver,
            host=self.built_on(kind, ctor, ctx),
            arguments=_constant_parameters(ctor, ctx) if kind == "blueprint" else (),
        )

    def built_on(self, kind: str, ctor: CallOf, ctx: Ctx) -> FlaskObject | None:
        """For an API whose constructor is given a parameter of the function building it, the
        app or blueprint the caller passes (bound in `ctx`), else None."""
        if kind not in API_KINDS or not ctx.env:
            return None
        written = ctor.args[0] if ctor.args else dict(ctor.kwargs).get("app")
        if written is None or not mentions_param(written):
            return None
        host = self.resolve(written, ctx)
        return host if isinstance(host, FlaskObject) else None

    @memoized(
        "_class_members",
        lambda cls, attr, *, instance, skip_own=False: (cls, attr, instance, skip_own),
    )
    def class_member(
        self, cls: ClassEntity, attr: str, *, instance: bool, skip_own: bool = False
    ) -> Resolved:
        """A method (as a function), nested class, or attribute value found along the MRO."""
        key = (cls, attr, instance, skip_own)
        known = self._class_members.get(key)
        if known is not None:
            return known
        cuts = self._cuts
        found = self._class_member(cls, attr, instance=instance, skip_own=skip_own)
        if self._cuts == cuts:
            self._class_members[key] = found
        return found

    def _class_member(
        self, cls: ClassEntity, attr: str, *, instance: bool, skip_own: bool
    ) -> Resolved:
        dynamic = attr.startswith("__")  # from `object`, or name-mangled and set dynamically
        external: ExternalEntity | None = None
        for klass in self.mro(cls)[1:] if skip_own else self.mro(cls):
            if isinstance(klass, ExternalEntity):
                # a mixin listed first (`User(UserMixin, CRUDMixin, db.Model)`): the project's
                # bases after it are still searched, their definition taken
                external = external or klass
                continue
            members = self.members(klass)
            if attr in members.methods:
                return FunctionEntity(klass.module, f"{klass.qualname}.{attr}")
            dynamic = dynamic or members.dynamic
            nested = (klass.module, f"{klass.qualname}.{attr}")
            if nested in self.classes:
                return ClassEntity(*nested)
            value = members.class_attrs.get(attr)
            # `app = None` in the class body declares what each instance sets (`self.app = app`)
            placeholder = value == Lit(None) and attr in members.instance_attrs
            if value is not None and not (instance and placeholder):
                return self.resolve(value, Ctx(klass.module))
            if instance:
                value = members.instance_attrs.get(attr)
                if value is not None:
                    # set by a base class's method: run for `cls`, whose attributes it may read
                    init = f"{klass.qualname}.__init__"
                    env = {} if klass == cls else self.inherited_init_env(klass, init, cls)
                    return self.resolve(value, Ctx(klass.module, init, env))
        if external is not None:
            return Opaque(f"'{attr}' may come from {external.dotted}", external=True)
        return Opaque(f"{cls.qualname} has no attribute '{attr}'", missing=not dynamic)

    def inherited_init_env(
        self, klass: ClassEntity, init: str, cls: ClassEntity
    ) -> dict[str, Resolved]:
        """Bindings for `klass.__init__` run for a subclass `cls`: `self` is a `cls`, and its
        parameters are their defaults (what a construction without arguments, `cls()`, gives;
        a parameter without one stays unknown)."""
        fact = self.functions.get((klass.module, init))
        env = {}
        if fact is not None:
            env = self.bind_arguments(fact, (), (), Ctx(klass.module), callee_module=klass.module)
        return {**env, RECEIVER: cls}

    def property_value(self, method: FunctionEntity, cls: ClassEntity) -> Resolved | None:
        """A property of an instance of `cls` that returns a Flask object (`return
        self.__blueprint`), a literal (`return []`) or a string computed from what the class
        holds (`return self.url_root + self.node_type`, returned whatever the tests), else
        None: other properties stay methods, as calls see them."""
        fact = self.functions.get((method.module, method.qualname))
        if fact is None or fact.returns is None or Ref("property") not in fact.decorators:
            return None
        if isinstance(fact.returns, Lit | Seq) and not mentions_param(fact.returns):
            return self.resolve(fact.returns, Ctx(method.module, method.qualname))
        found = self.resolve(fact.returns, Ctx(method.module, method.qualname, {RECEIVER: cls}))
        if isinstance(found, ConstEntity) and isinstance(found.value, str):
            return None if _chosen(fact.returns) else found
        return found if isinstance(found, FlaskObject) else None

    @memoized("_passed", lambda built: built)
    def passed(self, built: FlaskObject) -> PassedArguments:
        """The arguments Flask's constructor receives for `built` (through a project
        subclass's `__init__`)."""
        known = self._passed.get(built)
        if known is None:
            # passed_arguments reads constructors with this resolver: imported when first used
            from analyzer.resolution.passed_arguments import passed_arguments

            known = self._passed[built] = passed_arguments(self, built)
        return known

    def validated(self, call: CallOf, ctx: Ctx) -> Resolved:
        """What a validation library's schema object called on data returns."""
        # validated_data reads schemas with this resolver: imported when first used
        from analyzer.resolution.validated_data import validated

        return validated(self, call, ctx)

    @memoized("_members", lambda klass: klass)
    def members(self, klass: ClassEntity) -> ClassMembers:
        """`klass`'s methods and attributes by name (indexed on first use)."""
        known = self._members.get(klass)
        if known is None:
            known = self._members[klass] = ClassMembers.of(
                self.classes[(klass.module, klass.qualname)]
            )
        return known

    @memoized("_constructed", lambda klass, name: (klass, name))
    def constructed_argument(self, klass: ClassEntity, name: str) -> Resolved | None:
        """A parameter of `klass.__init__` (`self.app = app`) as the calls that build the class
        bind it, when they all give it the same value (None otherwise)."""
        key = (klass, name)
        if key in self._constructed:
            if key in self._constructing:
                self._cut()
            return self._constructed[key]
        self._constructed[key] = None  # a construction that needs the parameter itself
        self._constructing.add(key)
        try:
            return self._constructed_argument(klass, name, key)
        finally:
            self._constructing.discard(key)

    def _constructed_argument(
        self, klass: ClassEntity, name: str, key: tuple[ClassEntity, str]
    ) -> Resolved | None:
        init = self.functions.get((klass.module, f"{klass.qualname}.__init__"))
        if init is None:
            return None
        values: dict[Resolved, None] = {}
        for call, caller in self.constructions(klass):
            if not (call.args or call.kwargs):
                return None  # arguments not known: no value can be told for sure
            written = (*call.args, *(value for _, value in call.kwargs))
            runs = self.runs_of(caller) if any(map(mentions_param, written)) else [caller]
            for run in runs:
                env = self.bind_arguments(
                    init, call.args, call.kwargs, run, callee_module=klass.module
                )
                values[env.get(name, Opaque(f"no argument for '{name}'"))] = None
        found = next(iter(values)) if len(values) == 1 else None
        self._constructed[key] = None if isinstance(found, Opaque) else found
        return self._constructed[key]

    def runs_of(self, ctx: Ctx) -> list[Ctx]:
        """The contexts a plain function runs in: one per call of it the project makes, its
        parameters bound to that call's arguments (a factory building a class from the app
        its caller passes, `init_appbuilder(app)`); `ctx` alone when no call is known or it is
        a method."""
        fact = self.functions.get((self.canonical(ctx.module), ctx.scope))
        if fact is None or fact.class_qualname is not None or ctx.env:
            return [ctx]
        function = FunctionEntity(self.canonical(ctx.module), ctx.scope)
        runs = []
        for (module, qualname), call in self.calls_named([ctx.scope.rsplit(".", 1)[-1]]):
            calling = Ctx(module, qualname)
            if self.called(call, calling) == function:
                env = self.bind_arguments(
                    fact, call.args, call.kwargs, calling, callee_module=function.module
                )
                runs.append(Ctx(ctx.module, ctx.scope, env))
        return runs or [ctx]

    def constructions(self, klass: ClassEntity) -> list[tuple[CallFact, Ctx]]:
        """The calls that build `klass`, or a subclass using its `__init__` (calls written with
        a project class's name, indexed once); one inside another call's arguments is listed
        without its own (`Pages(app).register()`: the facts keep only the outer call's)."""
        self._scanned("constructions")
        if self._constructions is None:
            self._constructions = {}
            self._constructions_busy = True
            names = {qualname.rsplit(".", 1)[-1] for _, qualname in self.classes}
            for (module, qualname), call in self.calls_named(names):
                ctx = Ctx(module, qualname)
                built = self.called(call, ctx)
                initialiser = self.initialiser(built) if isinstance(built, ClassEntity) else None
                if initialiser is not None:
                    self._constructions.setdefault(initialiser, []).append((call, ctx))
            self._constructions_busy = False
        elif self._constructions_busy:  # asked again while listed: what is listed so far
            self._cut()
        return self._constructions.get(klass, [])

    def initialiser(self, cls: ClassEntity) -> ClassEntity | None:
        """The project class along `cls`'s MRO whose `__init__` runs for it."""
        for klass in self.mro(cls):
            if isinstance(klass, ExternalEntity):
                return None
            if "__init__" in self.classes[(klass.module, klass.qualname)].methods:
                return klass
        return None

    @memoized("_mro", lambda cls: cls)
    def mro(self, cls: ClassEntity) -> tuple[ClassEntity | ExternalEntity, ...]:
        """The class and its bases, depth first (enough for the single inheritance apps use)."""
        cached = self._mro.get(cls)
        if cached is not None:
            if cls in self._mro_busy:
                self._cut()
            return cached
        self._mro[cls] = (cls,)
        self._mro_busy.add(cls)
        # a dict as an ordered set: a chain of n classes costs n steps per class, not n**2
        order: dict[ClassEntity | ExternalEntity, None] = {cls: None}
        fact = self.classes.get((cls.module, cls.qualname))
        for base_value in fact.bases if fact else ():
            base = self.resolve(base_value, Ctx(cls.module))
            if isinstance(base, ClassEntity) and len(self._mro_busy) > MAX_BASES_DEPTH:
                self._cut()
                self.note_bound(
                    cls.module,
                    fact.line if fact else 0,
                    f"class {cls.qualname} is built on over {MAX_BASES_DEPTH} classes; the "
                    "deeper ones are not followed",
                )
            elif isinstance(base, ClassEntity):
                order.update(dict.fromkeys(self.mro(base)))  # known ones keep their place
            elif isinstance(base, ExternalEntity):
                order.setdefault(base)
            else:  # e.g. `db.Model`: outside the project
                order[ExternalEntity(_written(base_value))] = None
        result = tuple(order)
        self._mro[cls] = result
        self._mro_busy.discard(cls)
        return result

    def note_bound(self, module: str, line: int, message: str) -> None:
        """A place where a bound on depth cut an answer short."""
        path = self.files[module].path if module in self.files else module
        self.bound_notes.setdefault(
            (path, line, message), Diagnostic(path, line, "depth-limit", message)
        )

    def user_class(self) -> ClassEntity | None:
        """The one project class built on Flask-Login's `UserMixin`: what `current_user` is
        when someone is signed in (`current_user.ping()` runs its method)."""
        self._scanned("user_class")
        if self._user_class is None:
            found = [
                ClassEntity(module, qualname)
                for module, qualname in self.classes
                if set(self.external_bases(ClassEntity(module, qualname))) & _USER_MIXINS
            ]
            self._user_class = (found[0] if len(found) == 1 else None,)
        return self._user_class[0]

    def external_bases(self, cls: ClassEntity) -> tuple[str, ...]:
        return tuple(k.dotted for k in self.mro(cls) if isinstance(k, ExternalEntity))

    # ---- calls -------------------------------------------------------------------------

    @memoized("_called", lambda call, ctx: None if ctx.env else (id(call), ctx.module, ctx.scope))
    def called(self, call: CallFact, ctx: Ctx) -> Resolved:
        """What a call made by the analyzed code calls (its `func` resolved). Remembered where
        no caller binds parameters: the call graph and the registrations each ask for most
        calls of the project."""
        if ctx.env:
            return self.resolve(call.func, ctx)
        key = (id(call), ctx.module, ctx.scope)
        known = self._called.get(key)
        if known is not None:  # the entry holds the call: no other object can have its id
            return known[1]
        found = self.resolve(call.func, ctx)
        if found is not _CYCLE:
            self._called[key] = (call, found)
        return found

    def built(self, call: CallFact, ctx: Ctx) -> Resolved:
        """What a call made by the analyzed code returns or builds, resolved as its value."""
        known = self._call_values.get(id(call))
        if known is None:  # the entry holds the call: no other object can have its id
            known = self._call_values[id(call)] = (
                call,
                CallOf(call.func, call.args, call.kwargs, call.line),
            )
        return self.resolve(known[1], ctx)

    @memoized("_calls", lambda value, ctx: None if ctx.env else (id(value), ctx.module, ctx.scope))
    def call(self, value: CallOf, ctx: Ctx) -> Resolved:
        if ctx.env:
            return self._call(value, ctx)
        key = (id(value), ctx.module, ctx.scope)
        found = self._calls.get(key)
        if found is None:
            found = self._call(value, ctx)
            if found is not _CYCLE:
                self._calls[key] = found
        return found

    def _call(self, value: CallOf, ctx: Ctx) -> Resolved:
        func = self.resolve(value.func, ctx)
        if isinstance(func, Opaque) and isinstance(value.func, Ref) and not func.external:
            fallback = FALLBACK_CONSTRUCTORS.get(value.func.dotted.rsplit(".", 1)[-1])
            if fallback is not None:
                func = ExternalEntity(fallback)
        match func:
            case Opaque():  # matches no case below; the commonest callee, so tried first
                pass
            case ExternalEntity("builtins.str") if len(value.args) == 1:
                text = self.resolve(value.args[0], ctx)
                if isinstance(text, ConstEntity):
                    return ConstEntity(str(text.value))
                if isinstance(text, PathEntity):
                    return _path_text(text)
                return InstanceEntity(func)
            case ExternalEntity(dotted) if found := self.path_call(dotted, value, ctx):
                return found
            case ExternalEntity("builtins.dict") if not value.args and all(
                key != SPREAD_KEYWORDS for key, _ in value.kwargs
            ):  # `dict(name="github", ...)`
                return DictEntity(
                    tuple((ConstEntity(k), self.resolve(v, ctx)) for k, v in value.kwargs)
                )
            case ExternalEntity("builtins.dict") if len(value.args) == 1 and not value.kwargs:
                copied = self.resolve(value.args[0], ctx)  # `dict({...})`: a copy of the dict
                if isinstance(copied, DictEntity):
                    return copied
                return InstanceEntity(func)
            case ExternalEntity("itertools.chain") if not value.kwargs:
                return _chained([self.resolve(arg, ctx) for arg in value.args])
            case ExternalEntity("builtins.len") if len(value.args) == 1 and not value.kwargs:
                return _length(self.resolve(value.args[0], ctx))
            case ExternalEntity("builtins.getattr") if len(value.args) in (2, 3):
                return self.getattr_call(value, ctx)
            case ExternalEntity("builtins.globals") if not value.args and not value.kwargs:
                # `globals()[name]`: the module's own names, looked up as `module.name` is
                return self.module(ctx.module)
            case ExternalEntity("importlib.import_module") if value.args:
                imported = constant(self.resolve(value.args[0], ctx))
                package = constant(self.argument(value, 1, "package", ctx))
                if isinstance(imported, str) and imported.startswith("."):  # from `package`
                    imported = _absolute_name(imported, package)
                if isinstance(imported, str):
                    return self.module(imported)
                return Opaque("a module imported by a name known only at run time")
            case ExternalEntity("builtins.__import__") if value.args:
                # `__import__(name, globals, locals, fromlist)`: the named module when a
                # fromlist is given, else its top-level package
                imported = constant(self.resolve(value.args[0], ctx))
                fromlist = self.argument(value, 3, "fromlist", ctx)
                if not isinstance(imported, str):
                    return Opaque("a module imported by a name known only at run time")
                if fromlist is None or fromlist == ConstEntity(None):
                    return self.module(imported.partition(".")[0])
                names = constant_strings(fromlist)
                if names is None:
                    return Opaque("__import__'s fromlist is not known statically")
                return self.module(imported if names else imported.partition(".")[0])
            case ExternalEntity("os.environ.get" | "os.getenv"):
                return self.environment(value, ctx)
            case ExternalEntity(dotted) if (
                dotted in STEVEDORE_MANAGERS
                or dotted in ENTRY_POINT_SELECTIONS
                or dotted in PKG_RESOURCES_ITERATIONS
            ):
                return self.entry_point_loader(dotted, value, ctx)
            case BoundMethod(owner=EntryPointEntity() as entry, name=method) if method in LOADED:
                return self.entry_point_object(entry, called=False)
            case BoundMethod(owner=EntryPointSet() as found, name="select"):
                group = self.argument(value, -1, "group", ctx)
                name = self.argument(value, -1, "name", ctx)
                return self.selected(found, group, (name, "name"), value, ctx)
            case ExternalEntity(dotted) if dotted == MODULE_FINDER_FIND_SPEC and value.args:
                # `finder.find_spec(name)` for an item of a package walk: the spec of that
                # module, which stands for the module itself here
                walked = constant(self.resolve(value.args[0], ctx))
                if isinstance(walked, str) and walked in self.files:
                    return self.module(walked)
            case ExternalEntity("importlib.util.module_from_spec") if len(value.args) == 1:
                spec = self.resolve(value.args[0], ctx)
                if isinstance(spec, ModuleEntity):
                    return spec
            case ExternalEntity("inspect.getmembers") if len(value.args) == 2:
                module = self.resolve(value.args[0], ctx)
                if isinstance(module, ModuleEntity):
                    return self.flask_members(module)
            case ExternalEntity("re.sub"):
                return self.substituted(value, ctx)
            case BoundMethod(owner=FlaskObject(kind="app" | "blueprint") as owner, name=attr) if (
                attr in ROUTE_DECORATORS
            ):
                args, kwargs = self.arguments(value.args, value.kwargs, ctx, self.resolve)
                return RouteDecorator(owner, attr, tuple(args), tuple(kwargs))
            case BoundMethod(owner=DictEntity() as mapping, name=method):
                return self.dict_method(mapping, method, value, ctx)
            case BoundMethod(owner=InstanceEntity(cls=view), name="create_blueprint"):
                return CreatedBlueprint(
                    view,
                    self.argument(value, 1, "endpoint", ctx),
                    self.argument(value, 2, "static_folder", ctx),
                )
            case BoundMethod(owner=ConfigEntity(), name="get") if value.args:
                name = self.resolve(value.args[0], ctx)
                default = self.argument(value, 1, "default", ctx)
                return self.setting(name, default or ConstEntity(None))
            case ExternalEntity(dotted):
                known = FLASK_CONSTRUCTORS.get(dotted)
                if known is not None:
                    receiver = ctx.env.get(RECEIVER)
                    per_class = receiver if isinstance(receiver, ClassEntity) else None
                    return self.flask_object(*known, value, ctx, receiver=per_class)
                return InstanceEntity(func)
            case ClassEntity():
                for base in self.external_bases(func):
                    if base in FLASK_CONSTRUCTORS:
                        return self.flask_object(*FLASK_CONSTRUCTORS[base], value, ctx)
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
            case InstanceEntity(cls=ExternalEntity(dotted)) if dotted in SCHEMA_CLASSES:
                return self.validated(value, ctx)  # `schema(resources)`: the data validated
            case InstanceEntity(cls=ExternalEntity(dotted)) if dotted in NAMED_TUPLES:
                # a record built with keywords (`ResourceMap(resource=..., url=...)`): its
                # fields read as attributes (`r.url`), kept as a dict of them
                _, named = self.arguments((), value.kwargs, ctx, self.resolve)
                if not value.args:
                    return DictEntity(tuple((ConstEntity(k), v) for k, v in named))
            case InstanceEntity(cls=ClassEntity() as cls) if isinstance(
                dunder_call := self.class_member(cls, "__call__", instance=True), FunctionEntity
            ):  # a project object called (`require_auth(scopes=...)`) runs its `__call__`
                return self.returned(dunder_call, value, ctx)
            case SuperEntity():
                return func
            case BoundMethod(owner=ConstEntity(value=str() as template), name="format"):
                return self.formatted(template, value, ctx)
            case BoundMethod(owner=ConstEntity(value=str() as text), name=method):
                return self.string_method(text, method, value, ctx)
            case ProtoEntity(kind=protobuf.SERVICE) if not value.args and not value.kwargs:
                return ProtoEntity(protobuf.SERVICE_INSTANCE, func.name)
            case BoundMethod(owner=PathEntity() as owner, name=method) if not value.kwargs:
                parts = [_path_part(self.resolve(a, ctx)) for a in value.args]
                found = paths.method(owner, method, parts)
                if found is not None:
                    return _path_text(found) if method == "as_posix" else found
            case BoundMethod(owner=ProtoEntity() as owner, name=method) if not value.kwargs:
                given = [_to_proto(self.resolve(a, ctx)) for a in value.args]
                return _from_proto(self.protobuf.call(owner, method, given), method)
        return Opaque(
            "the result of a call the analyzer does not follow", external=_is_external(func)
        )

    def entry_point_loader(self, dotted: str, value: CallOf, ctx: Ctx) -> Resolved:
        """The entry points a stevedore manager, `importlib.metadata.entry_points(...)` or
        `pkg_resources.iter_entry_points(...)` loads (see `entry_points`)."""
        if dotted in ENTRY_POINT_SELECTIONS:
            group = self.argument(value, -1, "group", ctx)
            name = self.argument(value, -1, "name", ctx)
            if group is None and name is None:
                return self.entry_points  # all of them: selected by group later
            return self.selected(self.entry_points, group, (name, "name"), value, ctx)
        if dotted in PKG_RESOURCES_ITERATIONS:
            group = self.argument(value, 0, "group", ctx)
            name = self.argument(value, 1, "name", ctx)
            return self.selected(self.entry_points, group, (name, "name"), value, ctx)
        invoked = truth(self.argument(value, -1, "invoke_on_load", ctx) or ConstEntity(False))
        loaded = EntryPointSet(
            tuple(replace(item, invoked=bool(invoked)) for item in self.entry_points.items),
            driver=dotted in DRIVER_MANAGERS,
        )
        filtered = STEVEDORE_MANAGERS[dotted]
        chosen: tuple[Resolved | None, str] = (None, "")
        if filtered is not None:
            chosen = (self.argument(value, *filtered, ctx), filtered[1])
        group = self.argument(value, 0, "namespace", ctx)
        return self.selected(loaded, group, chosen, value, ctx)

    def selected(
        self,
        found: EntryPointSet,
        group: Resolved | None,
        chosen: tuple[Resolved | None, str],
        value: CallOf,
        ctx: Ctx,
    ) -> Resolved:
        """The entry points of `group` among `found`, those `chosen` names (the value of an
        argument, and its name) when they are known; all, noted, when a run decides."""
        if not isinstance(group_name := constant(group), str):
            message = "entry point group known only at run time: its plugins are not known"
            self.note_entry_points(ctx, value.line, message)
            return Opaque("entry points of a group known only at run time")
        names, argument = chosen
        given = names is not None and names != ConstEntity(None)
        wanted = constant_strings(names) if given and argument != CHECK_FUNCTION else None
        declared = found.select(group_name)
        if given and wanted is None:
            message = f"{argument}= decides at run time which entry points of {group_name!r} "
            taken = f"are loaded: all {len(declared.items)} the tree declares are taken"
            self.note_entry_points(ctx, value.line, message + taken)
        if not declared.items:
            message = f"no manifest of the tree declares entry points of {group_name!r}"
            self.note_entry_points(ctx, value.line, f"{message}: others' are not known")
        return declared if wanted is None else found.select(group_name, wanted)

    def entry_point_member(self, entity: EntryPointEntity | EntryPointSet, attr: str) -> Resolved:
        """An attribute of an entry point (stevedore's `.plugin`, `.obj`, `.name`; `.load`),
        or of a set of them (`.extensions`, a driver manager's `.driver`)."""
        if isinstance(entity, EntryPointSet):
            if attr == "extensions":
                return SeqEntity(entity.items)
            if attr == "driver" and entity.driver and len(entity.items) == 1:
                driver = entity.items[0]
                return self.entry_point_member(driver, "obj" if driver.invoked else "plugin")
            if attr == "select":
                return BoundMethod(entity, attr)
            return Opaque(f"attribute '{attr}' of a set of entry points")
        if attr in ("name", "group", "module", "attr"):
            return ConstEntity(getattr(entity, attr))
        if attr in LOADED:
            return BoundMethod(entity, attr)
        if attr == "plugin":
            return self.entry_point_object(entity, called=False)
        if attr == "obj" and not entity.invoked:  # stevedore calls the plugin only when asked
            return ConstEntity(None)
        if attr == "obj":
            return self.entry_point_object(entity, called=True)
        return Opaque(f"attribute '{attr}' of an entry point")

    def entry_point_object(self, entry: EntryPointEntity, called: bool) -> Resolved:
        """The object an entry point declares (`module:attr`); with `called`, what calling
        it returns (stevedore's `invoke_on_load`)."""
        if not entry.attr:
            return self.module(entry.module)
        if entry.module not in self.files:
            return Opaque(f"module {entry.module} is not in the analyzed tree", external=True)
        if not called:
            return self.ref(entry.attr, Ctx(entry.module))
        call = self._entry_point_calls.setdefault(entry, CallOf(Ref(entry.attr), (), (), 1))
        return self.resolve(call, Ctx(entry.module))

    def note_entry_points(self, ctx: Ctx, line: int, message: str) -> None:
        """Where a plugin loader's entry points are not all known."""
        module = self.canonical(ctx.module)
        path = self.files[module].path if module in self.files else module
        self.entry_point_notes.setdefault(
            (path, line, message), Diagnostic(path, line, "entry-points", message)
        )

    def path_call(self, dotted: str, value: CallOf, ctx: Ctx) -> Resolved | None:
        """An `os.path` function or a `pathlib` class called on paths (None for any other
        call, or one whose result is not known)."""
        if not paths.is_path_call(dotted) or value.kwargs:
            return None
        if any(isinstance(arg, Spread) for arg in value.args):
            return None
        found = paths.called(dotted, [_path_part(self.resolve(a, ctx)) for a in value.args])
        if found is None:
            return None
        return _path_text(found) if paths.is_str_result(dotted) else found

    def flask_members(self, module: ModuleEntity) -> SeqEntity:
        """`inspect.getmembers(module, predicate)`: the (name, object) pairs of the module's
        Flask objects (its own or imported), the only members a registration can use; the
        predicate is taken to select them, not evaluated."""
        found = []
        for name in sorted(self.bindings.get(module.name, {})):
            member = self.imported(module.name, name)
            if isinstance(member, FlaskObject):
                found.append(SeqEntity((ConstEntity(name), member)))
        return SeqEntity(tuple(found))

    def getattr_call(self, value: CallOf, ctx: Ctx) -> Resolved:
        """`getattr(obj, "name")`, or its default when a project object lacks the name."""
        name = constant(self.resolve(value.args[1], ctx))
        if not isinstance(name, str):
            return Opaque("getattr() of a name known only at run time")
        found = self.member(self.resolve(value.args[0], ctx), name)
        if len(value.args) == 3 and isinstance(found, Opaque) and found.missing:
            return self.resolve(value.args[2], ctx)
        return found

    def formatted(self, template: str, value: CallOf, ctx: Ctx) -> Resolved:
        """`"/{}/x".format(...)` with arguments known statically."""
        args = [self.resolve(a, ctx) for a in value.args]
        kwargs = {k: self.resolve(v, ctx) for k, v in value.kwargs}
        if not all(isinstance(a, ConstEntity) for a in [*args, *kwargs.values()]):
            return Opaque("a string formatted with values known only at run time")
        text = formatted_text(
            template, [constant(a) for a in args], {k: constant(v) for k, v in kwargs.items()}
        )
        if text is None:
            return Opaque("a str.format() call that fails or reaches into its arguments")
        return ConstEntity(text)

    def string_method(self, text: str, method: str, value: CallOf, ctx: Ctx) -> Resolved:
        """`name.lower()`, `rule.rstrip("/")`...: a str method with constant arguments."""
        args = [self.resolve(a, ctx) for a in value.args]
        if method == "join" and len(args) == 1 and not value.kwargs:  # `"/".join(parts)`
            parts = constant_strings(args[0])
            if parts is None:
                return Opaque("str.join() of items known only at run time")
            joined = joined_text(parts, text)
            return Opaque("a string too long to compute") if joined is None else ConstEntity(joined)
        given = [constant(a) for a in args]
        if value.kwargs or not all(isinstance(a, ConstEntity) for a in args):
            return Opaque(f"str.{method}() with arguments known only at run time")
        result = method_result(text, method, given)
        if result is None:
            return Opaque(f"a str.{method}() call that would fail or build too long a string")
        if isinstance(result, tuple):  # `partition`, `split`...: the pieces
            return SeqEntity(tuple(self._constant(piece) for piece in result))
        return self._constant(result)

    def substituted(self, value: CallOf, ctx: Ctx) -> Resolved:
        """`re.sub(pattern, replacement, text)` on short strings known statically."""
        parts = [constant(self.resolve(a, ctx)) for a in value.args]
        if value.kwargs or len(parts) != 3 or not all(isinstance(p, str) for p in parts):
            return Opaque("re.sub() with arguments known only at run time")
        text = substituted_text(*(str(p) for p in parts))
        if text is None:
            return Opaque("a re.sub() call that would fail, or too long or costly to apply")
        return ConstEntity(text)

    def returned(self, func: FunctionEntity, value: CallOf, ctx: Ctx) -> Resolved:
        key = (func.module, func.qualname)
        fact = self.functions.get(key)
        result: Resolved | None = None  # the Opaque below made only when needed
        if fact is not None and fact.procedure:
            result = self.procedure_result(func, fact, value, ctx)
        if result is None and fact is not None and fact.returns is not None:
            env = self.bind_arguments(
                fact, value.args, value.kwargs, ctx, callee_module=func.module
            )
            result = self.resolve(fact.returns, Ctx(func.module, func.qualname, env))
            caller = self.canonical(ctx.module)
            if (
                isinstance(result, FlaskObject)
                and _built_by(result, func)
                and ctx.scope == MODULE_SCOPE
                and caller != func.module
            ):
                return replace(result, parent=result, call_site=(caller, value.line))
        if result is None:
            result = Opaque(f"what {func.qualname}() returns")
        model = self.returned_models.get(key)
        if isinstance(result, Opaque) and model is not None:
            cls = self.ref(model, Ctx(func.module))
            if isinstance(cls, ClassEntity):
                return InstanceEntity(cls, exact=False, annotated=True)
        if isinstance(result, Opaque) and fact is not None and fact.returned_class is not None:
            cls = self.resolve(fact.returned_class, Ctx(func.module))
            if isinstance(cls, ClassEntity):  # what the annotation promises (`-> Token | None`)
                return InstanceEntity(cls, exact=False, annotated=True)
        return result

    def procedure_result(
        self, func: FunctionEntity, fact: FunctionFact, value: CallOf, ctx: Ctx
    ) -> Resolved | None:
        """What running `fact`'s procedure returns for this call (None when the run cannot
        tell), the class it is called on (`cls.generate_ops()`, a subclass's) as its `cls`."""
        # procedures reads values with this resolver: imported when first used
        from analyzer.resolution.procedures import run_procedure

        env = self.bind_arguments(fact, value.args, value.kwargs, ctx, callee_module=func.module)
        owner = self.resolve(value.func.base, ctx) if isinstance(value.func, Attr) else None
        if isinstance(owner, InstanceEntity):
            owner = owner.cls
        if isinstance(owner, ClassEntity):
            env[RECEIVER] = owner

        def evaluate(written: Value, bound: Mapping[str, Resolved]) -> Resolved:
            return self.resolve(written, Ctx(func.module, func.qualname, bound))

        return run_procedure(fact.procedure, env, evaluate)

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
        given_args, given_kwargs = self.arguments(args, kwargs, ctx, self.resolve)
        return self.bind_resolved(fact, given_args, given_kwargs, callee_module=callee_module)

    def bind_resolved(
        self,
        fact: FunctionFact,
        given_args: list[Resolved],
        given_kwargs: list[tuple[str, Resolved]],
        *,
        callee_module: str,
    ) -> dict[str, Resolved]:
        """Parameters of `fact` bound to arguments already resolved."""
        env: dict[str, Resolved] = {}
        given = dict(given_kwargs)
        positional = [p for p in fact.params if p.kind == "positional"]
        for param, arg in zip(positional, given_args, strict=False):
            env[param.name] = arg
        for param in fact.params:
            if param.name in env:
                continue
            if param.name in given:
                env[param.name] = given[param.name]
            elif param.kind == "varargs":
                env[param.name] = SeqEntity(tuple(given_args[len(positional) :]))
            elif param.kind == "varkw":
                named = {p.name for p in fact.params}
                extra = [(ConstEntity(k), v) for k, v in given.items() if k not in named]
                env[param.name] = DictEntity(tuple(extra))
            elif param.default is not None:
                env[param.name] = self.resolve(param.default, Ctx(callee_module))
        return env

    def arguments(
        self,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
        ctx: Ctx,
        resolve: Callable[[Value, Ctx], Resolved],
    ) -> tuple[list[Resolved], list[tuple[str, Resolved]]]:
        """A call's arguments resolved by `resolve`, `*seq` and `**mapping` spread when known."""
        positional: list[Resolved] = []
        for arg in args:
            if isinstance(arg, Spread):
                spread = self.resolve(arg.value, ctx)
                items = spread.items if isinstance(spread, SeqEntity) else (Opaque("*args"),)
                positional.extend(items)
            else:
                positional.append(resolve(arg, ctx))
        named: list[tuple[str, Resolved]] = []
        for key, value in kwargs:
            if key == SPREAD_KEYWORDS and isinstance(value, Spread):
                spread = self.resolve(value.value, ctx)
                pairs = spread.items if isinstance(spread, DictEntity) else ()
                named.extend((name, v) for k, v in pairs if isinstance(name := constant(k), str))
            else:
                named.append((key, resolve(value, ctx)))
        return positional, named

    def choice(
        self, test: Resolved, then: Value, otherwise: Value, ctx: Ctx, *, either: bool = False
    ) -> Resolved:
        """The branch the test selects; when it is not known, the first informative branch (a
        `None` branch never is; for an `either` choice, made by an `if`/`else`, the `else`
        branch first, as the code's later binding). A library name tested (`if Swagger:`,
        bound by an optional import) is taken to be there, the other branch's constant noted
        as the alternative. Registrations take each branch of an `either` choice
        (`alternatives`)."""
        known = truth(test)
        if known is not None:
            return self.resolve(then if known else otherwise, ctx)
        if either:
            then, otherwise = otherwise, then
        first = self.resolve(then, ctx)
        informative = not isinstance(first, Opaque) and first != ConstEntity(None)
        if informative and isinstance(first, ConstEntity) and isinstance(test, ExternalEntity):
            other = self.resolve(otherwise, ctx)
            if isinstance(other, ConstEntity) and other.value != first.value:
                where = f"{other.value!r} when {test.dotted} is missing or false"
                return ConstEntity(first.value, first.origin or where)
        if informative and isinstance(first, PathEntity):
            return self.path_default(first, self.resolve(otherwise, ctx), ctx)
        if informative:
            return first
        second = self.resolve(otherwise, ctx)
        return self.path_default(second, first, ctx) if isinstance(second, PathEntity) else second

    def path_default(self, chosen: PathEntity, other: Resolved, ctx: Ctx) -> PathEntity:
        """A path the code sets by default where a test known only at run time may choose
        `other` (a setting's value when it is set, say): the path, noting the other."""
        match other:
            case PathEntity() if other == chosen:
                return chosen
            case PathEntity():
                described = paths.describe(other)
            case ConstEntity(value=value):
                described = repr(value)
            case _:
                described = "a value known only at run time"
        module = self.canonical(ctx.module)
        where = self.files[module].path if module in self.files else module
        fact = self.functions.get((module, ctx.scope))
        if fact is not None and ctx.scope != MODULE_SCOPE:
            where = f"{where}:{fact.line} ({ctx.scope})"
        origin = f"{described}, chosen at {where} by a test known only at run time"
        return replace(chosen, origin=chosen.origin or origin)

    def chosen(self, value: Choice, ctx: Ctx) -> Resolved:
        """A `Choice`'s value; one a loop item decides (`id_url if c["req"] else url`) is not
        known unless that item's test is."""
        test = self.resolve(value.test, ctx)
        if not value.either and truth(test) is None and reads_loop_item(value.test):
            return Opaque("a branch a loop item chooses at run time")
        return self.choice(test, value.then, value.otherwise, ctx, either=value.either)

    def alternatives(self, value: Value, ctx: Ctx) -> tuple[Value, ...]:
        """`value` once per branch of the `either` choices in it whose test is not known
        statically (the branch a known test selects otherwise), at most
        `MAX_ALTERNATIVES`; just `value` when it has none."""
        if not _has_either(value):
            return (value,)
        return tuple(dict.fromkeys(self._alternatives(value, ctx)))[:MAX_ALTERNATIVES]

    def _alternatives(self, value: Value, ctx: Ctx) -> list[Value]:
        if not _has_either(value):
            return [value]
        match value:
            case Choice(test, then, otherwise, True):
                known = truth(self.resolve(test, ctx))
                branches = (then, otherwise) if known is None else (then if known else otherwise,)
                return [v for branch in branches for v in self._alternatives(branch, ctx)]
            case Attr(base, name):
                return [Attr(b, name) for b in self._alternatives(base, ctx)]
            case Item(base, key):
                return [
                    Item(b, k)
                    for b in self._alternatives(base, ctx)
                    for k in self._alternatives(key, ctx)
                ]
            case Spread(inner):
                return [Spread(i) for i in self._alternatives(inner, ctx)]
            case Seq(items):
                return [Seq(combo) for combo in self._combinations(items, ctx)]
            case Joined(parts):
                return [Joined(combo) for combo in self._combinations(parts, ctx)]
            case CallOf(func, args, kwargs, line):
                names = tuple(k for k, _ in kwargs)
                return [
                    CallOf(
                        combo[0],
                        combo[1 : 1 + len(args)],
                        tuple(zip(names, combo[1 + len(args) :], strict=True)),
                        line,
                    )
                    for combo in self._combinations((func, *args, *(v for _, v in kwargs)), ctx)
                ]
        return [value]

    def _combinations(self, parts: tuple[Value, ...], ctx: Ctx) -> list[tuple[Value, ...]]:
        combos: list[tuple[Value, ...]] = [()]
        for part in parts:
            options = self._alternatives(part, ctx)
            combos = [(*combo, option) for combo in combos for option in options]
            combos = combos[:MAX_ALTERNATIVES]
        return combos

    # ---- items, dicts and configuration ------------------------------------------------

    def item(self, base: Resolved, key: Resolved) -> Resolved:
        match base, key:
            case ConfigEntity(), ConstEntity():
                return self.setting(key, None)
            case DictEntity(), Opaque():
                return _picked_class(base)
            case DictEntity(), _:
                return base.get(key) or Opaque("a key the dict does not hold")
            case ProtoEntity(kind=protobuf.EXTENSIONS), ProtoEntity():
                return _from_proto(self.protobuf.extension(base, key), "Extensions[...]")
            case SeqEntity(items), ConstEntity(value=int() as index) if (
                -len(items) <= index < len(items)
            ):
                return items[index]
            case ModuleEntity(name), ConstEntity(value=str() as attr):  # `globals()[attr]`
                return self.imported(name, attr)
            case EntryPointSet(grouped=False), ConstEntity(value=str() as group):
                return base.select(group)  # `entry_points()[group]`, before Python 3.10
            case BoundMethod(owner=PathEntity() as path, name="parents"), ConstEntity(
                value=int() as level
            ) if level >= 0:
                return paths.ancestor(path, level + 1) or Opaque("an ancestor of a path")
        return Opaque("an item the analyzer does not follow")

    def dict_method(self, mapping: DictEntity, method: str, value: CallOf, ctx: Ctx) -> Resolved:
        if method == "get" and value.args:
            default = self.argument(value, 1, "default", ctx) or ConstEntity(None)
            return mapping.get(self.resolve(value.args[0], ctx)) or default
        if method == "pop" and value.args:  # `options.pop("endpoint", f.__name__)`
            missing = Opaque("a key the dict does not hold")
            default = self.argument(value, 1, "default", ctx) or missing
            return mapping.get(self.resolve(value.args[0], ctx)) or default
        if method == "keys":
            return SeqEntity(tuple(k for k, _ in mapping.items))
        if method == "values":
            return SeqEntity(tuple(v for _, v in mapping.items))
        if method == "items":
            return SeqEntity(tuple(SeqEntity(pair) for pair in mapping.items))
        return Opaque(f"dict.{method}()")

    def environment(self, value: CallOf, ctx: Ctx) -> Resolved:
        """`os.environ.get("X", default)`: the default given in the code (X may change it)."""
        name = constant(self.argument(value, 0, "key", ctx))
        default = self.argument(value, 1, "default", ctx)
        if not isinstance(default, ConstEntity) or not isinstance(name, str):
            return Opaque(f"the environment variable {name!r}")
        return ConstEntity(default.value, f"the environment variable {name} when it is set")

    def setting(self, key: Resolved, default: Resolved | None) -> Resolved:
        """`app.config[key]` as the project's own configuration sets it, else `default`."""
        name = constant(key)
        if not isinstance(name, str):
            return Opaque("a configuration key known only at run time")
        chosen = self.settings().get(name, default)
        if not isinstance(chosen, ConstEntity):
            return Opaque(f"configuration '{name}', not set by the project's code")
        others = [
            f"{where} ({value!r})"
            for value, where in self.setting_definitions(name)
            if value != chosen.value
        ]
        origin = f"'{name}' set elsewhere: {', '.join(others)}" if others else chosen.origin
        return ConstEntity(chosen.value, origin)

    def settings(self) -> dict[str, Resolved]:
        """Every configuration value the project's code loads into `app.config`, in order
        (`from_object`, `update`, `from_mapping`, `config[key] = value`), parameters taking
        their defaults, or the app a caller passes (`passed_apps`)."""
        self._scanned("settings")
        if self._settings is None:
            self._settings = {}
            self._settings_busy = True
            for facts in {id(f): f for f in self.files.values()}.values():
                for function in facts.functions:
                    # written like `x.config.<loader>(...)`: any other call loads nothing
                    loaders = [c for c in function.calls if _config_call(c.func) is not None]
                    if not loaders:
                        continue
                    env = self.defaults(function, facts) | self.passed_apps(
                        function, facts, loaders
                    )
                    ctx = Ctx(facts.module, function.qualname, env)
                    for call in loaders:
                        self._settings.update(self.loaded_settings(call, ctx))
            self._settings_busy = False
        elif self._settings_busy:  # asked again while loading: what is loaded so far
            self._cut()
        return self._settings

    def defaults(self, function: FunctionFact, facts: FileFacts) -> dict[str, Resolved]:
        """A function's parameters bound to their defaults (how an app factory runs bare)."""
        return {
            p.name: self.resolve(p.default, Ctx(facts.module))
            for p in function.params
            if p.default is not None
        }

    def passed_apps(
        self, function: FunctionFact, facts: FileFacts, loaders: list[CallFact]
    ) -> dict[str, Resolved]:
        """The parameters of `function` whose `config` its `loaders` load into, bound to the
        Flask app a caller passes for them (`configure_app(app, config)` in the factory), the
        caller run with its parameters' defaults: the settings go into that app."""
        owners = {
            owner.name for call in loaders if isinstance(owner := _config_owner(call.func), Param)
        }
        if not owners:
            return {}
        entity = FunctionEntity(facts.module, function.qualname)
        found: dict[str, Resolved] = {}
        for (module, scope), call in self.calls_named([function.qualname.rpartition(".")[2]]):
            caller = self.functions[(module, scope)]
            ctx = Ctx(module, scope, self.defaults(caller, self.files[module]))
            if self.called(call, ctx) != entity:
                continue
            bound = self.bind_arguments(
                function, call.args, call.kwargs, ctx, callee_module=facts.module
            )
            for name in owners - found.keys():
                given = bound.get(name)
                if isinstance(given, FlaskObject) and given.kind == "app":
                    found[name] = given
        return found

    def loaded_settings(self, call: CallFact, ctx: Ctx) -> dict[str, Resolved]:
        method = self.config_method(call.func, ctx)
        if method == "from_object" and call.args:
            source = self.resolve(call.args[0], ctx)
            found = self.settings_of(source)
            if isinstance(source, ConstEntity) and source.origin:  # the path may be another
                where = f"the settings object named by {source.origin}"
                return {
                    k: ConstEntity(v.value, where) if isinstance(v, ConstEntity) else v
                    for k, v in found.items()
                }
            return found
        if method == "from_pyfile" and call.args:
            return self.pyfile_settings(call, ctx)
        if method == "from_envvar" and call.args:  # a file outside the code may override
            variable = constant(self.resolve(call.args[0], ctx))
            where = f"the file ${variable} names ({self.files[ctx.module].path}:{call.line})"
            return {
                k: ConstEntity(v.value, where)
                for k, v in (self._settings or {}).items()
                if isinstance(v, ConstEntity)
            }
        if method == "__setitem__" and len(call.args) == 2:
            name = constant(self.resolve(call.args[0], ctx))
            return {name: self.resolve(call.args[1], ctx)} if isinstance(name, str) else {}
        if method in ("update", "from_mapping"):
            given = self.resolve(call.args[0], ctx) if call.args else DictEntity(())
            found = {
                key: item
                for k, item in (given.items if isinstance(given, DictEntity) else ())
                if isinstance(key := constant(k), str) and key.isupper()
            }
            return found | {k: self.resolve(v, ctx) for k, v in call.kwargs if k.isupper()}
        return {}

    def pyfile_settings(self, call: CallFact, ctx: Ctx) -> dict[str, Resolved]:
        """`app.config.from_pyfile(name)`: the settings of the project module at `name`,
        relative to the app's root path (the folder of the module that built it)."""
        app = self.resolve(_config_owner(call.func), ctx)
        filename = constant(self.resolve(call.args[0], ctx))
        if not (isinstance(app, FlaskObject) and app.kind == "app" and isinstance(filename, str)):
            return {}
        app_ctx = Ctx(app.module, app.scope)
        if constant(self.keyword(app.ctor, "instance_relative_config", app_ctx)):
            return {}  # relative to the instance folder, outside the project's modules
        import_name = constant(self.argument(app.ctor, 0, "import_name", app_ctx))
        if not isinstance(import_name, str) or import_name not in self.files:
            return {}
        root = posixpath.dirname(self.files[import_name].path)
        path = posixpath.normpath(posixpath.join(root, filename))
        module = next((m for m, f in self.files.items() if f.path == path), None)
        return {} if module is None else self.settings_of(self.module(module))

    def config_method(self, func: Value, ctx: Ctx) -> str | None:
        """`from_object` for `app.config.from_object` (`app` a Flask app), else None."""
        written = _config_call(func)
        if written is None:
            return None
        config, method = written
        return method if isinstance(self.resolve(config, ctx), ConfigEntity) else None

    def settings_of(self, source: Resolved) -> dict[str, Resolved]:
        """The upper-case attributes `from_object` reads from a class, module or import path."""
        match source:
            case ConstEntity(value=str() as path):
                module, _, name = path.rpartition(".")
                if path in self.files:
                    return self.settings_of(self.module(path))
                return self.settings_of(self.global_name(module, name)) if module else {}
            case ModuleEntity(name):
                names = [n for n in self.bindings.get(name, {}) if n.isupper()]
                return {n: self.global_name(name, n) for n in names}
            case ClassEntity():
                found: dict[str, Resolved] = {}
                for klass in reversed(self.mro(source)):
                    if isinstance(klass, ClassEntity):
                        fact = self.classes[(klass.module, klass.qualname)]
                        found.update(
                            (n, self.resolve(v, Ctx(klass.module)))
                            for n, v in fact.class_attrs
                            if n.isupper()
                        )
                return found
        return {}

    def setting_definitions(self, name: str) -> tuple[tuple[LiteralValue, str], ...]:
        """Every literal the project's classes or modules give the setting `name`, with where
        (the classes' first, in order, then the modules')."""
        self._scanned("setting_definitions")
        if self._definitions is None:
            self._definitions = self._literal_definitions()
        return self._definitions.get(name, ())

    def _literal_definitions(self) -> dict[str, tuple[tuple[LiteralValue, str], ...]]:
        found: dict[str, list[tuple[LiteralValue, str]]] = {}
        for (module, _), fact in self.classes.items():
            for attr, value in fact.class_attrs:
                if isinstance(value, Lit):
                    where = f"{self.files[module].path}:{fact.line}"
                    found.setdefault(attr, []).append((value.value, where))
        for module, bindings in self.bindings.items():
            if self.canonical(module) != module:
                continue  # an alias: its module's names are listed under its own name
            for name, bound in bindings.items():
                if isinstance(bound, Lit):
                    found.setdefault(name, []).append((bound.value, self.files[module].path))
        return {name: tuple(definitions) for name, definitions in found.items()}

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


def _absolute_name(name: str, package: object) -> str | None:
    """`importlib.import_module(".x", package)`'s module name, without importing anything."""
    if not isinstance(package, str):
        return None
    try:
        return importlib.util.resolve_name(name, package)
    except (ImportError, ValueError):
        return None


def _config_call(func: Value) -> tuple[Value, str] | None:
    """(`x.config`, loader) for a call written `x.config.<loader>(...)`, else None (asked of
    every call in the project: the owner is built only for a loader)."""
    if type(func) is Ref:  # by exact type (value classes have no subclasses)
        owner, dot, method = func.dotted.rpartition(".")
        return (Ref(owner), method) if dot and method in _CONFIG_LOADERS else None
    if type(func) is Attr and func.name in _CONFIG_LOADERS:
        return func.base, func.name
    return None


def _config_owner(func: Value) -> Value:
    """`app` in `app.config.<method>`."""
    match func:
        case Ref(dotted):
            return Ref(dotted.rsplit(".", 2)[0])
        case Attr(base=Attr(base=owner)):
            return owner
        case Attr(base=Ref(dotted)):
            return Ref(dotted.rsplit(".", 1)[0])
    return func


_RESOLVERS: dict[type, Callable[[Resolver, Any, Ctx], Resolved]] = {
    Lit: lambda r, v, ctx: ConstEntity(v.value),
    Ref: lambda r, v, ctx: r.ref(v.dotted, ctx),
    Attr: Resolver._attr,
    CallOf: lambda r, v, ctx: r.call(v, ctx),  # `r`'s own: a recording resolver wraps it
    Param: Resolver._param,
    LoopVar: Resolver._loop_var,
    Local: lambda r, v, ctx: r.local(r.canonical(ctx.module), v.qualname),
    SelfOf: Resolver._self_of,
    ClassOf: lambda r, v, ctx: r._class_of(v.class_qualname, ctx),
    SuperOf: lambda r, v, ctx: SuperEntity(ClassEntity(r.canonical(ctx.module), v.class_qualname)),
    ModuleRef: lambda r, v, ctx: r.module(v.module),
    Imported: lambda r, v, ctx: r.imported(v.module, v.name),
    Seq: lambda r, v, ctx: SeqEntity(tuple(r.resolve(item, ctx) for item in v.items)),
    Joined: lambda r, v, ctx: r.joined(v.parts, ctx),
    Pairs: Resolver._pairs,
    Item: lambda r, v, ctx: r.item(r.resolve(v.base, ctx), r.resolve(v.key, ctx)),
    Sum: lambda r, v, ctx: _sum(r.resolve(v.left, ctx), r.resolve(v.right, ctx)),
    Sliced: lambda r, v, ctx: _sliced(*(r.resolve(p, ctx) for p in (v.base, v.lower, v.upper))),
    Divided: lambda r, v, ctx: _divided(r.resolve(v.left, ctx), r.resolve(v.right, ctx)),
    SetUnion: lambda r, v, ctx: _union(r.resolve(v.left, ctx), r.resolve(v.right, ctx)),
    Comprehension: Resolver.comprehension,
    Choice: lambda r, v, ctx: r.chosen(v, ctx),
    Compare: lambda r, v, ctx: _compared(r.resolve(v.left, ctx), v.op, r.resolve(v.right, ctx)),
    Negation: lambda r, v, ctx: _negated(r.resolve(v.operand, ctx)),
}


def _picked_class(mapping: DictEntity) -> Resolved:
    """An item of `mapping` under a key known only at run time: one of its values, when they
    are all project classes."""
    values = tuple(dict.fromkeys(value for _, value in mapping.items))
    classes = tuple(value for value in values if isinstance(value, ClassEntity))
    if not classes or len(classes) != len(values):
        return Opaque("an item under a key known only at run time")
    return classes[0] if len(classes) == 1 else ClassChoiceEntity(classes)


def _from_proto(found: protobuf.Plain, what: str) -> Resolved:
    """A protobuf answer as a resolved value."""
    match found:
        case ProtoEntity():
            return found
        case list():
            return SeqEntity(tuple(_from_proto(item, what) for item in found))
        case str() | int() | float() | bool() | None:
            return ConstEntity(found)
    return Opaque(f"'{what}' of protobuf-generated code, not told by its descriptors")


def _to_proto(entity: Resolved) -> protobuf.Plain:
    """A resolved argument handed to a generated object's method."""
    match entity:
        case ProtoEntity():
            return entity
        case ConstEntity(value=value):
            return value
    return protobuf.UNKNOWN


def _has_either(value: Value) -> bool:
    """Whether a value holds a `Choice` made by an `if`/`else` (where the resolver expands
    them: not inside dicts, sums or comprehensions)."""
    match value:
        case Choice(either=True):
            return True
        case Attr(base, _) | Spread(base):
            return _has_either(base)
        case Item(base, key):
            return _has_either(base) or _has_either(key)
        case Seq(items) | Joined(items):
            return any(_has_either(item) for item in items)
        case CallOf(func, args, kwargs, _):
            return (
                _has_either(func)
                or any(_has_either(a) for a in args)
                or any(_has_either(v) for _, v in kwargs)
            )
    return False


def attribute_key(name: str, class_qualname: str) -> str:
    """The env key holding `self.<name>`, written in a method of `class_qualname`, when a
    call knows what the object holds (`attribute_states`); a private name is mangled as
    Python does (`__x` in class `C` is `_C__x`). No parameter can have this name."""
    if name.startswith("__") and not name.endswith("__"):
        name = f"_{class_qualname.rsplit('.', 1)[-1].lstrip('_')}{name}"
    return f"{INSTANCE}.{name}"


def method_of(func: Value) -> tuple[Value, str] | None:
    """(owner, method) of a called `owner.method`, written as an attribute or a dotted name."""
    match func:
        case Attr(base, name):
            return base, name
        case Ref(dotted) if "." in dotted:
            owner, name = dotted.rsplit(".", 1)
            return Ref(owner), name
    return None


def written_name(value: Value) -> str | None:
    """The name a call is written with (`Service`, `core.Service`), if any."""
    # by exact type (value classes have no subclasses): asked of every call of the project
    if type(value) is Ref:
        return value.dotted.rpartition(".")[2]
    if type(value) is Attr or type(value) is Imported:
        return value.name
    if type(value) is Local:
        return value.qualname.rpartition(".")[2]
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


def _sliced(base: Resolved, lower: Resolved, upper: Resolved) -> Resolved:
    """`base[lower:upper]` of a string or sequence known statically, by bounds known."""
    bounds: list[int | None] = []
    for bound in (lower, upper):
        if not (isinstance(bound, ConstEntity) and not bound.origin):
            return Opaque("a slice by bounds known only at run time")
        if bound.value is not None and type(bound.value) is not int:
            return Opaque("a slice by bounds known only at run time")
        bounds.append(bound.value)
    cut = slice(*bounds)
    match base:
        case ConstEntity(value=str() as text, origin=origin):
            return ConstEntity(text[cut], origin)
        case SeqEntity(items):
            return SeqEntity(items[cut])
    return Opaque("a slice of a value known only at run time")


def _sum(left: Resolved, right: Resolved) -> Resolved:
    """`left + right` for strings, numbers and sequences known statically, and a path
    computed by the code followed by a string (`os.path.dirname(__file__) + "/static"`)."""
    match left, right:
        case (PathEntity(), ConstEntity(value=str())) | (ConstEntity(value=str()), PathEntity()):
            found = paths.concatenated([_path_part(left), _path_part(right)])
            return Opaque("a string built from a path") if found is None else _path_text(found)
        case ConstEntity(value=str() as a), ConstEntity(value=str() as b):
            return ConstEntity(a + b, left.origin or right.origin)
        case ConstEntity(value=int() | float() as a), ConstEntity(value=int() | float() as b):
            return ConstEntity(a + b)
        case SeqEntity(a), SeqEntity(b):
            return SeqEntity(a + b)
        case (SeqEntity() | Opaque(), SeqEntity() | Opaque()):
            known = tuple(i for side in (left, right) for i in _known_items(side))
            if known:
                return Opaque("a sequence partly built at run time", known_items=known)
    return Opaque("a sum of values known only at run time")


def _divided(left: Resolved, right: Resolved) -> Resolved:
    """`path / part` (or `"part" / path`) for a pathlib path."""
    if isinstance(left, PathEntity) or isinstance(right, PathEntity):
        found = paths.joined([_path_part(left), _path_part(right)])
        if found is not None:
            return found
    return Opaque("a quotient of values known only at run time")


def _path_part(entity: Resolved) -> PathEntity | None:
    """A value as a part of a path: a computed path, or a string (a written path)."""
    if isinstance(entity, PathEntity):
        return entity
    if isinstance(entity, ConstEntity) and isinstance(entity.value, str):
        return PathEntity("written", entity.value, entity.origin)
    return None


def _path_text(path: PathEntity) -> Resolved:
    """A path as the str os.path gives: a written one is a string constant."""
    return ConstEntity(path.text, path.origin) if path.anchor == "written" else path


def _chosen(value: Value) -> bool:
    """Whether `value` holds a `Choice` (a value some test decides) anywhere."""
    return isinstance(value, Choice) or any(_chosen(part) for part in parts_of(value))


def _known_items(entity: SeqEntity | Opaque) -> tuple[Resolved, ...]:
    return entity.items if isinstance(entity, SeqEntity) else entity.known_items


def _union(left: Resolved, right: Resolved) -> Resolved:
    """`left | right` for sets known statically (order kept, duplicates once)."""
    if isinstance(left, SeqEntity) and isinstance(right, SeqEntity):
        return SeqEntity(left.items + tuple(i for i in right.items if i not in left.items))
    return Opaque("a union of values known only at run time")


def bind_target(target: Value, item: Resolved, env: dict[str, Resolved]) -> None:
    """Bind the names of a `for` target (`LoopVar`s, nested in tuples) to the parts of `item`."""
    match target:
        case LoopVar(name):
            env[name] = item
        case Seq(parts):
            if isinstance(item, ModuleInfoEntity):  # (module_finder, name, ispkg)
                finder = ExternalEntity(MODULE_FINDER)
                item = SeqEntity((finder, ConstEntity(item.name), ConstEntity(item.ispkg)))
            items = item.items if isinstance(item, SeqEntity) else ()
            if len(items) != len(parts):
                items = (Opaque("an item that does not unpack like the loop target"),) * len(parts)
            for part, sub in zip(parts, items, strict=True):
                bind_target(part, sub, env)


def _built_by(found: FlaskObject, factory: FunctionEntity) -> bool:
    """Whether `found` is the app `factory` itself builds (not one it was handed)."""
    return (
        found.kind == "app"
        and found.call_site is None
        and (found.module, found.scope) == (factory.module, factory.qualname)
    )


def _chained(parts: list[Resolved]) -> Resolved:
    """`itertools.chain(a, b, ...)` of sequences known item by item (a dict: its keys)."""
    items: list[Resolved] = []
    for part in parts:
        if isinstance(part, DictEntity):
            items.extend(key for key, _ in part.items)
        elif isinstance(part, SeqEntity):
            items.extend(part.items)
        else:
            return Opaque("a chain of iterables not all known statically")
    return SeqEntity(tuple(items))


def iterated(entity: Resolved) -> Resolved:
    """What a loop over `entity` runs through: a dict's keys, a set of entry points' items;
    anything else as it is."""
    if isinstance(entity, DictEntity):
        return SeqEntity(tuple(key for key, _ in entity.items))
    if isinstance(entity, EntryPointSet):
        return SeqEntity(entity.items)
    return entity


def truth(entity: Resolved) -> bool | None:
    """Whether a value known statically is true (`if not blueprints:`), None when not known."""
    match entity:
        case ConstEntity(value=value):
            return bool(value)
        case SeqEntity(items) | DictEntity(items):
            return bool(items)
        case ModuleEntity() | FunctionEntity() | ClassEntity() | FlaskObject():
            return True
    return None


_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compared(left: Resolved, op: str, right: Resolved) -> Resolved:
    """`left <op> right` on constants (membership also in a list or dict of constants, or a
    string); anything else, or a constant settings may change, is not known."""
    unknown = Opaque("a comparison of values known only at run time")
    if op in ("in", "not in"):
        found = _member(left, right)
        return unknown if found is None else ConstEntity(found == (op == "in"))
    if not isinstance(left, ConstEntity) or not isinstance(right, ConstEntity):
        return unknown
    if left.origin or right.origin:
        return unknown
    a, b = left.value, right.value
    match op:
        case "==" | "!=":
            return ConstEntity((a == b) == (op == "=="))
        case "is" | "is not" if (
            a is None or b is None or isinstance(a, bool) or isinstance(b, bool)
        ):
            # None, True and False are one object each; other constants' identity is not known
            return ConstEntity((type(a) is type(b) and a == b) == (op == "is"))
        case "<" | "<=" | ">" | ">=" if _comparable(a, b):
            return ConstEntity(_ORDERINGS[op](a, b))
    return unknown


def _comparable(a: LiteralValue, b: LiteralValue) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return True
    return isinstance(a, int | float) and isinstance(b, int | float)


def _member(item: Resolved, container: Resolved) -> bool | None:
    """Whether `item in container`, when every value compared is a constant (None if not)."""
    if not isinstance(item, ConstEntity) or item.origin:
        return None
    match container:
        case ConstEntity(value=str() as text, origin="") if isinstance(item.value, str):
            return item.value in text
        case SeqEntity(items):
            keys = items
        case DictEntity(items):
            keys = tuple(key for key, _ in items)
        case _:
            return None
    if not all(isinstance(k, ConstEntity) and not k.origin for k in keys):
        return None
    return any(item.value == k.value for k in keys if isinstance(k, ConstEntity))


def _negated(operand: Resolved) -> Resolved:
    known = truth(operand)
    if known is None or (isinstance(operand, ConstEntity) and operand.origin):
        return Opaque("a negation of a value known only at run time")
    return ConstEntity(not known)


def _length(sized: Resolved) -> Resolved:
    match sized:
        case SeqEntity(items):
            return ConstEntity(len(items))
        case DictEntity(items):
            return ConstEntity(len(items))
        case ConstEntity(value=str() as text, origin=""):
            return ConstEntity(len(text))
    return Opaque("the length of a value known only at run time")


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


def _constant_parameters(ctor: CallOf, ctx: Ctx) -> tuple[tuple[str, ConstEntity], ...]:
    """The parameters of the function building an object that its constructor's arguments
    read, each bound to a constant by the caller (`ctx`); () when one of them is not."""
    names: set[str] = set()
    stack: list[Value] = [*ctor.args, *(value for _, value in ctor.kwargs)]
    while stack:
        value = stack.pop()
        if isinstance(value, Param):
            names.add(value.name)
        stack.extend(parts_of(value))
    bound = [(name, ctx.env.get(name)) for name in sorted(names)]
    if not bound or not all(isinstance(value, ConstEntity) for _, value in bound):
        return ()
    return tuple((name, value) for name, value in bound if isinstance(value, ConstEntity))
