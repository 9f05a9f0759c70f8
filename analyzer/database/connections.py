"""Which connection a SQL call is sent through, when it is not Flask-SQLAlchemy's default one.

Followed within one module, by the names as written: a Flask-SQLAlchemy bind
(`db.engines["x"]`, `db.get_engine(bind="x")`, `session.execute(..., bind_arguments={"bind":
...})`), a `create_engine(...)`, a DB-API library's `connect(...)` (`sqlite3`, `psycopg2`,
`pymysql`...), through the locals that hold what they give (`conn = engine.connect()`,
`with engine.begin() as conn:`, `cur = conn.cursor()`) and SQLAlchemy sessions on them
(`Session(engine)`, `sessionmaker(bind=engine)()`, `scoped_session(...)`). What only other
modules can tell is kept as written, for the resolution stage: a project function's result
(`get_db().execute(...)`, `with get_conn() as conn:`), an imported session factory's session
(`ReportSession()`), a function handed the SQL (`query_db("SELECT ...")`), an attribute of
Flask's `g` (`g.reporting.cursor()`). Each function's returned (or, in a `@contextmanager`,
yielded) connections, those it stores in `g`, and the module's session factories are kept for
the same reason.
A connection made here notes the setting naming its database (`current_app.config["DATABASE"]`,
`os.environ["REPORTING_DSN"]`, a `DATABASE` constant), or that the request names it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TypeGuard

from analyzer.database.names import callee_name, dotted_name
from analyzer.facts.database import Connection, StoredConnection
from analyzer.syntax.scopes import ModuleScopes, Scope

_LIBRARIES = frozenset(
    {"sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "mysql.connector", "pyodbc"}
    | {"cx_Oracle", "oracledb", "pymssql"}
)
# what a connection or engine hands out that still talks to the same database
_PASSING_ON = frozenset({"connect", "begin", "cursor", "raw_connection", "execution_options"})
# SQLAlchemy sessions on an engine: `Session(engine)`, `sessionmaker(bind=engine)`,
# `scoped_session(sessionmaker(...))`; the session (factory) argument, by position and keyword
_SESSIONS = {"Session": (0, "bind"), "sessionmaker": (0, "bind"), "scoped_session": (0, "")}
_BIND_ARGUMENTS = ("bind_arguments", "bind", "con")
_PANDAS_READERS = frozenset({"read_sql", "read_sql_query", "read_sql_table"})
# the arguments of a connect call that may name its database
_DATABASE_KEYWORDS = frozenset(
    {"dsn", "database", "db", "dbname", "url", "host", "conninfo", "name_or_url", "filename"}
)
_CONFIG_HOLDERS = ("config", "environ", "settings")
_G_READERS = frozenset({"get", "pop", "setdefault"})
_CONTEXT_MANAGERS = frozenset({"contextmanager", "asynccontextmanager"})
_MAX_DEPTH = 8


class ConnectionFinder:
    """The connection of each SQL call of a module's scopes (None: Flask-SQLAlchemy's
    default one, or one the module cannot tell)."""

    def __init__(self, module: str, scopes: ModuleScopes, sql_calls: frozenset[str]) -> None:
        self.module = module
        self.scopes = scopes
        self.sql_calls = sql_calls  # names that are SQL entry points, not project functions
        self._with_values: dict[int, dict[tuple[int, str], ast.expr]] = {}
        self._nodes: dict[int, ast.AST] | None = None
        self._yields: dict[int, list[ast.expr]] | None = None

    def of_call(self, call: ast.Call, scope: Scope) -> Connection | None:
        """The connection `call` (`conn.execute(...)`, `db.session.execute(...)`,
        `query_db(...)`) sends its SQL through."""
        for keyword in call.keywords:
            if keyword.arg in _BIND_ARGUMENTS:
                found = self._of_bind_argument(keyword.value, scope)
                if found is not None:
                    return found
        name = callee_name(call)
        if name in _PANDAS_READERS:  # `pd.read_sql(sql, conn)`: the connection is an argument
            return self._of(call.args[1], scope, 0) if len(call.args) > 1 else None
        receiver = None
        if isinstance(call.func, ast.Attribute):
            receiver = self._of(call.func.value, scope, 0)
        if name is None or name in self.sql_calls or _made_here(receiver):
            return receiver  # `conn.execute(...)`, or `conn.run_query(...)` on a known one
        return self._called(call, scope, "sink")

    def _of_bind_argument(self, value: ast.expr, scope: Scope) -> Connection | None:
        """`bind_arguments={"bind": engine}`, `bind=engine` or `con=conn`."""
        if isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "bind":
                    return self._of(item, scope, 0)
            return None
        return self._of(value, scope, 0)

    def _of(
        self, node: ast.expr, scope: Scope, depth: int, *, calls: bool = True
    ) -> Connection | None:
        """The connection `node` holds; with `calls` False, not a project function's result."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Subscript):
            return _engines_item(node)
        if isinstance(node, ast.Name):
            return self._of_name(node.id, node.lineno, scope, depth, calls)
        if isinstance(node, ast.Attribute):
            if self._is_g(node.value, scope):
                return Connection(node.attr, "g")
            return self._of_imported(node, scope)
        if not isinstance(node, ast.Call):
            return None
        name = callee_name(node)
        if name == "get_engine":
            return _get_engine_bind(node)
        if name == "connect" and (library := _library(node)) is not None:
            setting, user_provided = self._setting(node, scope)
            return Connection(f"{library}.connect", "library", setting, user_provided)
        if _is_create_engine(node):  # made in a function: named after it
            setting, user_provided = self._setting(node, scope)
            where = (
                self.module if scope is self.scopes.module else f"{self.module}.{scope.qualname}"
            )
            return Connection(where, "engine", setting, user_provided)
        if name in _PASSING_ON and isinstance(node.func, ast.Attribute):
            return self._of(node.func.value, scope, depth + 1, calls=calls)
        if name in _SESSIONS:
            bind = _argument(node, *_SESSIONS[name])
            return None if bind is None else self._of(bind, scope, depth + 1, calls=calls)
        if isinstance(node.func, ast.Name) and (made := self._session_factory(node.func, scope)):
            return self._of(made, scope, depth + 1, calls=calls)  # `ReportSession()`
        if (attribute := self._g_read(node, scope)) is not None:
            return Connection(attribute, "g")
        return self._called(node, scope, "call") if calls else None

    def _called(self, call: ast.Call, scope: Scope, kind: str) -> Connection | None:
        """A project function's result ("call") or the function handed the SQL ("sink"), by
        the name it is called with (a method of the class the scope is a method of, through
        its receiver, as `self.name`); a result noting the setting or request data its
        arguments hand over (`connect_db(current_app.config["DATABASE"])`)."""
        name = dotted_name(call.func)
        if name is None:
            return None
        head, dot, rest = name.partition(".")
        if dot and head == scope.receiver and scope.class_qualname is not None:
            name = f"self.{rest}"
        elif scope.lookup(head) is None and not dot:
            return None  # a builtin, or a name bound nowhere in the module
        if kind == "sink":
            return Connection(name, "sink")
        given = call.args or call.keywords
        setting, user_provided = self._setting(call, scope) if given else (None, False)
        return Connection(name, "call", setting, user_provided)

    def engines(self) -> tuple[str, ...]:
        """The module-level names bound to a `create_engine(...)`."""
        return tuple(name for name, _ in self._module_engines())

    def engine_settings(self) -> dict[str, str]:
        """The module-level engines whose URL is read from a setting, with the setting's key."""
        found: dict[str, str] = {}
        for name, value in self._module_engines():
            setting, _ = self._setting(value, self.scopes.module)
            if setting is not None:
                found[name] = setting
        return found

    def session_factories(self) -> dict[str, Connection]:
        """Module-level names bound to a session factory on a connection
        (`ReportSession = sessionmaker(bind=reports_engine)`), with that connection."""
        found: dict[str, Connection] = {}
        module = self.scopes.module
        for name, bindings in module.bindings.items():
            for binding in bindings:
                value = binding.value
                if isinstance(value, ast.Call) and callee_name(value) in _SESSIONS:
                    connection = self._of(value, module, 0, calls=False)
                    if connection is not None:
                        found[name] = connection
                        break
        return found

    def _module_engines(self) -> Iterator[tuple[str, ast.Call]]:
        for name, bindings in self.scopes.module.bindings.items():
            for binding in bindings:
                if isinstance(binding.value, ast.Call) and _is_create_engine(binding.value):
                    yield name, binding.value
                    break

    def returned(self, scope: Scope) -> tuple[Connection, ...]:
        """The connections a function returns (not a project function's result: the Python
        facts' `returns` tell those), or yields when it is a `@contextmanager`."""
        found = [c for v in scope.returns if (c := self._of(v, scope, 0, calls=False))]
        for value in self.yields().get(id(scope), ()):
            connection = self._of(value, scope, 0)
            if connection is not None:
                found.append(connection)
        return tuple(dict.fromkeys(found))

    def stored(self, scope: Scope) -> tuple[StoredConnection, ...]:
        """`g.name = <connection>` in the scope."""
        targets = [t for t in scope.attribute_stores if self._is_g(t.value, scope)]
        if not targets:
            return ()
        found: list[StoredConnection] = []
        for target in targets:
            value = self.scopes.attribute_values.get(id(target))
            if value is None:
                continue
            connection = self._of(value, scope, 0)
            if connection is not None:
                found.append(StoredConnection(target.attr, connection, target.lineno))
        return tuple(dict.fromkeys(found))

    def _of_imported(self, node: ast.expr, scope: Scope) -> Connection | None:
        """`engines.reports` or an imported `reports_engine`: maybe another module's engine."""
        name = dotted_name(node)
        head = (name or "").split(".", 1)[0]
        if name is None or scope.lookup(head) is not self.scopes.module:
            return None
        return Connection(name, "imported") if head in self.scopes.imported else None

    def _of_name(
        self, name: str, line: int, scope: Scope, depth: int, calls: bool
    ) -> Connection | None:
        """A local holding a connection (its last binding before `line` first), a module
        variable holding an engine, or an imported name that may hold one."""
        owner = scope.lookup(name)
        if owner is None:
            return None
        if owner is self.scopes.module and name in self.scopes.imported:
            return Connection(name, "imported")
        bindings = owner.bindings.get(name, [])
        before = sorted((b for b in bindings if b.line <= line), key=lambda b: -b.line)
        for binding in [*before, *(b for b in bindings if b.line > line)]:
            value = binding.value or self.with_values(owner).get((binding.line, name))
            if value is None:
                continue
            if owner is self.scopes.module and _is_create_engine(value):
                setting, user_provided = self._setting(value, owner)
                return Connection(f"{self.module}.{name}", "engine", setting, user_provided)
            found = self._of(value, owner, depth + 1, calls=calls)
            if found is not None:
                return found
        return None

    def _session_factory(self, func: ast.Name, scope: Scope) -> ast.Call | None:
        """`ReportSession` bound to `sessionmaker(...)` or `scoped_session(...)`: that call."""
        owner = scope.lookup(func.id)
        for binding in owner.bindings.get(func.id, []) if owner else ():
            value = binding.value
            if isinstance(value, ast.Call) and callee_name(value) in _SESSIONS:
                return value
        return None

    def _is_g(self, node: ast.expr, scope: Scope) -> bool:
        """Flask's `g`, imported at module level (`from flask import g`) or as `flask.g`."""
        name = dotted_name(node)
        if name == "g":
            return "g" in self.scopes.imported and scope.lookup("g") is self.scopes.module
        return name == "flask.g" and "flask" in self.scopes.imported

    def _g_read(self, call: ast.Call, scope: Scope) -> str | None:
        """`getattr(g, "db", None)`, `g.get("db")`, `g.pop("db")`: the attribute read."""
        func = call.func
        if isinstance(func, ast.Name) and func.id == "getattr" and len(call.args) >= 2:
            holder, key = call.args[0], call.args[1]
        elif isinstance(func, ast.Attribute) and func.attr in _G_READERS and call.args:
            holder, key = func.value, call.args[0]
        else:
            return None
        if not self._is_g(holder, scope):
            return None
        return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None

    def _setting(self, call: ast.Call, scope: Scope) -> tuple[str | None, bool]:
        """The setting naming the database a connect call connects to, and whether the
        request's data names it."""
        arguments = [*call.args, *(k.value for k in call.keywords if k.arg in _DATABASE_KEYWORDS)]
        setting: str | None = None
        user_provided = False
        for argument in arguments:
            for key, from_request in self._settings_in(argument, scope, 0):
                user_provided = user_provided or from_request
                setting = setting or key
        return setting, user_provided

    def _settings_in(
        self, node: ast.expr, scope: Scope, depth: int
    ) -> Iterator[tuple[str | None, bool]]:
        """(setting key, False) for each setting read in `node`, (None, True) for the request."""
        for part in ast.walk(node):
            if isinstance(part, ast.Name):
                if part.id == "request":
                    yield None, True
                elif part.id.isupper():
                    yield part.id, False
                elif depth < 2 and (owner := scope.lookup(part.id)) is not None:
                    for binding in owner.bindings.get(part.id, []):
                        if binding.value is not None:
                            yield from self._settings_in(binding.value, owner, depth + 1)
            elif (key := _setting_key(part)) is not None:
                yield key, False

    def with_values(self, scope: Scope) -> dict[tuple[int, str], ast.expr]:
        """`with X as name:` in `scope` (a function's own code, or the module) -> X, by
        (line of X, name): the scopes keep no value for it."""
        found = self._with_values.get(id(scope))
        if found is None:
            if self._nodes is None:
                self._nodes = {id(s): node for node, s in self.scopes.functions.items()}
            found = {
                (item.context_expr.lineno, item.optional_vars.id): item.context_expr
                for node in ast.walk(self._nodes.get(id(scope), self.scopes.tree))
                if isinstance(node, ast.With | ast.AsyncWith)
                for item in node.items
                if isinstance(item.optional_vars, ast.Name)
            }
            self._with_values[id(scope)] = found
        return found

    def yields(self) -> dict[int, list[ast.expr]]:
        """By `id()` of the scope: what each `@contextmanager` function yields."""
        if self._yields is None:
            self._yields = {}
            for node, scope in self.scopes.functions.items():
                if any(_names_context_manager(d) for d in node.decorator_list):
                    self._yields[id(scope)] = list(_yielded(node.body))
        return self._yields


def _made_here(connection: Connection | None) -> bool:
    """A connection this module makes (not one only other modules can tell)."""
    return connection is not None and connection.kind in ("bind", "engine", "library", "g")


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if len(call.args) > position else None


def _names_context_manager(decorator: ast.expr) -> bool:
    name = dotted_name(decorator)
    return name is not None and name.rsplit(".", 1)[-1] in _CONTEXT_MANAGERS


def _yielded(body: list[ast.stmt]) -> Iterator[ast.expr]:
    """The values of the `yield`s of a function body (not of the functions inside it)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Yield) and node.value is not None:
            yield node.value
        stack.extend(ast.iter_child_nodes(node))


def _setting_key(node: ast.AST) -> str | None:
    """`app.config["K"]`, `os.environ["K"]`, `config.get("K")`, `os.getenv("K")`,
    `settings.K`: the key "K"."""
    if isinstance(node, ast.Subscript) and _holds_settings(node.value):
        return _text(node.slice)
    if isinstance(node, ast.Call) and node.args:
        name = dotted_name(node.func) or ""
        if name.endswith("getenv") or (name.endswith(".get") and _holds_settings(node.func)):
            return _text(node.args[0])
    if isinstance(node, ast.Attribute) and node.attr.isupper():
        return node.attr
    return None


def _holds_settings(node: ast.expr) -> bool:
    """`app.config`, `os.environ`, `settings` (and `.get` on those)."""
    name = dotted_name(node.value if isinstance(node, ast.Attribute) else node) or ""
    if isinstance(node, ast.Attribute) and node.attr != "get":
        name = f"{name}.{node.attr}"
    return name.rsplit(".", 1)[-1].lower() in _CONFIG_HOLDERS


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _engines_item(node: ast.Subscript) -> Connection | None:
    """`db.engines["x"]`: the engine of bind "x"."""
    key = node.slice
    if (
        isinstance(node.value, ast.Attribute)
        and node.value.attr == "engines"
        and isinstance(key, ast.Constant)
        and isinstance(key.value, str)
    ):
        return Connection(key.value, "bind")
    return None


def _get_engine_bind(call: ast.Call) -> Connection | None:
    """`db.get_engine(bind="x")`, `db.get_engine(bind_key="x")`, `db.get_engine(app, "x")`."""
    values = [k.value for k in call.keywords if k.arg in ("bind", "bind_key")]
    values.extend(call.args[1:2])
    for value in values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return Connection(value.value, "bind")
    return None


def _library(call: ast.Call) -> str | None:
    """`sqlite3` for `sqlite3.connect(...)`: a DB-API library's connect."""
    if not isinstance(call.func, ast.Attribute):
        return None
    library = dotted_name(call.func.value)
    return library if library in _LIBRARIES else None


def _is_create_engine(value: ast.expr) -> TypeGuard[ast.Call]:
    return isinstance(value, ast.Call) and callee_name(value) in (
        "create_engine",
        "create_async_engine",
    )
