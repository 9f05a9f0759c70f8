"""What the analysis found, in the project's own types (no networkx, no ast)."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.facts.python import Diagnostic

FunctionKey = tuple[str, str]  # (module, qualname)


@dataclass(frozen=True, slots=True)
class App:
    name: str  # "pkg.module:app" or "pkg.module:create_app()"
    kind: str  # "flask", "apiflask", ...
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Route:
    """One (rule, endpoint) of one app, as Flask's url_map would hold it."""

    app: str | None  # None: a blueprint no app registers (statically)
    rule: str
    endpoint: str
    methods: tuple[str, ...]  # sorted, without HEAD/OPTIONS
    file: str
    line: int
    handlers: tuple[FunctionKey, ...]  # the functions that run for it
    blueprint: str | None = None
    kind: str = "view"  # "view", "class-view", "resource", "static"


@dataclass(frozen=True, slots=True)
class Hook:
    """A function Flask runs around every request (of an app or of a blueprint's routes)."""

    kind: str  # "before_request", "user_loader", ...
    applies_to: str  # "app <name>", "blueprint <name>", or the object it is registered on
    handler: FunctionKey
    file: str
    line: int
    # the class of the object a loader is registered on ("flask_login.LoginManager"), which
    # tells whose guards make it run; None for Flask's own hooks or when unknown
    registered_on: str | None = None


@dataclass(frozen=True, slots=True)
class Guard:
    """An authentication/authorization check protecting a route, so a moved route can be
    proved to stay protected."""

    name: str  # a library guard ("flask_login.login_required") or a project "module:qualname"
    kind: str  # "decorator" (on the view), "class-decorators" (`decorators` /
    # `method_decorators` of its class), "hook" (a `before_request` hook that refuses requests)
    file: str
    line: int  # the view's or class's `def`/`class` line, or the hook's registration


@dataclass(frozen=True, slots=True)
class TableUse:
    """A table read or written by a function (directly), with where."""

    table: str
    mode: str  # "read" | "write"
    function: FunctionKey
    file: str
    line: int
    confidence: str = "high"
    via: str = "sql"
    indirect: bool = False
    # the other database it is in (a bind key, an engine's "module.variable", a library's
    # connect call): None for the app's own tables
    database: str | None = None
    loads: bool = True  # an ORM read of a model that loads its rows (see ModelUse.loads)


@dataclass(frozen=True, slots=True)
class Access:
    """Tables a route (or hook) touches, folded through the functions it calls."""

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    indirect: tuple[str, ...] = ()  # reached only through ORM relationships
    low_confidence: tuple[str, ...] = ()  # known only from dynamic SQL or best-effort rules
    evidence: tuple[TableUse, ...] = ()
    external: tuple[TableUse, ...] = ()  # tables of other databases (none of the above)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    file: str | None = None  # where it is defined (model, Table(), CREATE TABLE)
    line: int | None = None
    model: str | None = None  # "module.Class" for ORM models
    foreign_keys: tuple[str, ...] = ()  # referenced table names


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    name: str
    file: str
    lines: int
    imports: tuple[str, ...]  # project modules it imports
    # (project module, line) for each import statement naming one, in source order
    import_lines: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    root: str
    apps: tuple[App, ...]
    routes: tuple[Route, ...]
    route_access: dict[tuple[str | None, str, str], Access]  # (app, rule, endpoint)
    hooks: tuple[Hook, ...]
    hook_access: dict[Hook, Access]
    tables: tuple[Table, ...]
    modules: tuple[ModuleInfo, ...]
    import_cycles: tuple[tuple[str, ...], ...]
    calls: dict[FunctionKey, tuple[FunctionKey, ...]]
    function_uses: dict[FunctionKey, tuple[TableUse, ...]]
    diagnostics: tuple[Diagnostic, ...]
    stats: dict[str, int] = field(default_factory=dict)
    # per (app, rule, endpoint): its guards, and the tables read/written by what runs for it
    # besides the view (hooks, user loaders, decorators)
    route_guards: dict[tuple[str | None, str, str], tuple[Guard, ...]] = field(default_factory=dict)
    route_hook_access: dict[tuple[str | None, str, str], Access] = field(default_factory=dict)
    # tables reached through another connection than the app's own database, where
    external: tuple[TableUse, ...] = ()
