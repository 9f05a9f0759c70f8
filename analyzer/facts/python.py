"""Per-file facts: everything later stages need from one source file (plain data, cacheable).

Names are kept as written (`Value`s); the resolution stage maps them across modules.
Later stages never re-read source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analyzer.facts.database import ModuleDbFacts, TableDefinition
from analyzer.facts.openapi import OpenApiSpec
from analyzer.facts.procedures import Step
from analyzer.facts.protobuf import ProtoFile
from analyzer.facts.values import Value

FACTS_VERSION = "44"  # bump when the shape or meaning of FileFacts changes (invalidates caches)
MODULE_SCOPE = "<module>"

ParamKind = Literal["positional", "keyword", "varargs", "varkw"]
AttributePlace = Literal["top", "before-yield", "after-yield", "nested"]


@dataclass(frozen=True)
class Diagnostic:
    """Something the analyzer could not read or resolve, with where it happened."""

    file: str
    line: int
    kind: str  # "unparsable", "encoding", "unresolved-call", "dynamic-route", ...
    message: str


@dataclass(frozen=True)
class ImportFact:
    """One imported module (absolute), for the module graph."""

    target: str
    line: int
    names: tuple[str, ...] = ()  # for `from target import a, b`: the imported names


@dataclass(frozen=True)
class ParamFact:
    name: str
    kind: ParamKind = "positional"
    default: Value | None = None
    annotation: Value | None = None


@dataclass(frozen=True)
class CallFact:
    """A call made by a function. Arguments are kept only for the outermost call of a statement
    (`f(a)`, `x = f(a)`, `return f(a)`)."""

    func: Value
    line: int
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    loops: tuple[LoopFact, ...] = ()  # enclosing loops to unroll when resolving, outermost first
    # what a call whose arguments are not kept (not the outermost of its statement) passes:
    # positions as "0", "1"..., keywords by name, "*" and "**" for spread ones
    unkept: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttributeSet:
    """`self.<name> = value` in a method (`name` as written, not mangled). `place`: "top" at
    the top level of a method that does not yield; "before-yield"/"after-yield" at the top
    level of a generator method whose one `yield` is a statement there; "nested" anywhere else
    (in an `if`, loop, `with` or `try`, an augmented or unpacking assignment, or a generator
    yielding otherwise: its `value` is then UNKNOWN). `restores`: the value is the attribute's
    own as the method found it (`saved = self.x` at the top level before any set of it, then
    `self.x = saved`)."""

    name: str
    value: Value
    place: AttributePlace = "top"
    restores: bool = False


@dataclass(frozen=True)
class FunctionFact:
    """A function or method (or `<module>` for module-level code)."""

    qualname: str  # "f", "Cls.method", "create_app.index"; MODULE_SCOPE for module code
    line: int
    class_qualname: str | None = None
    params: tuple[ParamFact, ...] = ()
    calls: tuple[CallFact, ...] = ()
    returns: Value | None = None
    decorators: tuple[Value, ...] = ()
    nested: tuple[str, ...] = ()  # qualnames of functions defined directly inside
    # the one class its return annotation names (`-> User | None`): what its calls return
    # when `returns` does not tell
    returned_class: Value | None = None
    # the whole body as steps the resolver can run, for a function with a `for` loop written
    # only with the statements a procedure holds (empty otherwise)
    procedure: tuple[Step, ...] = ()
    # a method's `self.<name> = value` assignments, in order (empty for other functions)
    attribute_sets: tuple[AttributeSet, ...] = ()


@dataclass(frozen=True)
class ClassFact:
    qualname: str
    line: int
    bases: tuple[Value, ...] = ()
    methods: tuple[str, ...] = ()
    class_attrs: tuple[tuple[str, Value], ...] = ()
    instance_attrs: tuple[tuple[str, Value], ...] = ()  # `self.x = ...` in any method


RegistrationKind = Literal[
    "route",  # @target.route(...) / @target.get(...) ... on a function or class
    "add_url_rule",
    "register_blueprint",
    "add_resource",  # Api.add_resource / Namespace.add_resource
    "resource",  # @api.resource(...) (Flask-RESTful) on a class
    "add_namespace",
    "init_app",
    "add_view",  # Flask-AppBuilder add_view/add_view_no_menu/add_api, Flask-Admin add_view(s)
    "endpoint",  # @target.endpoint("name")
    "classful_view",  # Flask-Classful `View.register(app)`, made from calls (`classful_views`)
    "hook",  # before_request, user_loader, ... (decorator or call form)
]


ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete"})


@dataclass(frozen=True)
class LoopFact:
    """An enclosing `for` loop whose items are known only after resolution: `target` is the
    loop variable pattern (`LoopVar`s, `Seq`s of them for tuple unpacking)."""

    target: Value
    iterable: Value


@dataclass(frozen=True)
class RegistrationFact:
    """A call or decorator that may register a route, blueprint, resource or hook."""

    kind: RegistrationKind
    attr: str  # the attribute used: "route", "get", "before_app_request", ...
    scope: str  # qualname of the enclosing function, or MODULE_SCOPE
    target: Value  # the object the attribute belongs to (`bp` in `bp.route`)
    line: int
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    view: Value | None = None  # the decorated function/class, or the registered callable
    loops: tuple[LoopFact, ...] = ()  # enclosing loops to unroll when resolving, outermost first
    # the tests of the enclosing `if` statements whose body holds it (not their `else`)
    tests: tuple[Value, ...] = ()
    # the context managers of the enclosing `with` statements, outermost first
    managers: tuple[Value, ...] = ()


# "manifest": a file declaring the project's requirements (requirements*.txt, pyproject.toml...)
FileKind = Literal["python", "sql", "openapi", "manifest"]


@dataclass(frozen=True)
class Requirement:
    """A distribution the project requires: its normalized name (PEP 503) and the versions it
    allows, as a PEP 440 specifier ('' for any; Poetry's `^` and `~` already translated)."""

    name: str
    specifier: str


@dataclass(frozen=True)
class EntryPoint:
    """An entry point a manifest declares: `name = module:attr` in `group` (`attr` '' when it
    names a module), at `line` of the manifest."""

    group: str
    name: str
    module: str
    attr: str
    line: int


@dataclass(frozen=True)
class FileFacts:
    """What one file contributes. `module` is its dotted module name ('' for .sql files,
    OpenAPI specs and manifests)."""

    path: str  # relative to the analyzed root, '/'-separated
    module: str
    is_package: bool
    kind: FileKind
    lines: int
    bindings: tuple[tuple[str, Value], ...] = ()  # module-level names at the end of the module
    star_imports: tuple[str, ...] = ()
    # module-level names some function rebinds after declaring them `global`: not their
    # `bindings` value, which code reading them may find replaced
    rebound_globals: tuple[str, ...] = ()
    imports: tuple[ImportFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    registrations: tuple[RegistrationFact, ...] = ()
    db: ModuleDbFacts | None = None
    schema_tables: tuple[TableDefinition, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    # a protobuf-generated module (`AddSerializedFile(b"...")`): what its descriptor defines
    protobuf: ProtoFile | None = None
    # an OpenAPI/Swagger spec file (kind "openapi"): what connexion would route from it
    openapi: OpenApiSpec | None = None
    # what a manifest, or a `setup.py`'s literal `install_requires`/`extras_require`, requires
    requirements: tuple[Requirement, ...] = ()
    # the entry points a manifest, or a `setup.py`'s literal `entry_points`, declares
    entry_points: tuple[EntryPoint, ...] = ()
