"""Which database a SQL call is sent to, when it is not the app's default one.

Followed within one module, by the names as written: a Flask-SQLAlchemy bind
(`db.engines["x"]`, `db.get_engine(bind="x")`, `session.execute(..., bind_arguments={"bind":
...})`), a `create_engine(...)` held in a module variable, or a DB-API library's `connect(...)`
(`sqlite3`, `psycopg2`, `pymysql`...), through the locals that hold what they give
(`conn = engine.connect()`, `with engine.begin() as conn:`, `cur = conn.cursor()`).
"""

from __future__ import annotations

import ast

from analyzer.database.names import callee_name, dotted_name
from analyzer.facts.database import Connection
from analyzer.syntax.scopes import ModuleScopes, Scope

_LIBRARIES = frozenset(
    {"sqlite3", "psycopg2", "psycopg", "pymysql", "MySQLdb", "mysql.connector", "pyodbc"}
    | {"cx_Oracle", "oracledb", "pymssql"}
)
# what a connection or engine hands out that still talks to the same database
_PASSING_ON = frozenset({"connect", "begin", "cursor", "raw_connection", "execution_options"})
_BIND_ARGUMENTS = ("bind_arguments", "bind")
_MAX_DEPTH = 8


class ConnectionFinder:
    """The connection of each SQL call of a module's scopes (None: the app's own database)."""

    def __init__(self, module: str, scopes: ModuleScopes) -> None:
        self.module = module
        self.scopes = scopes
        self._with_values: dict[tuple[int, str], ast.expr] | None = None

    def of_call(self, call: ast.Call, scope: Scope) -> Connection | None:
        """The database `call` (`conn.execute(...)`, `db.session.execute(...)`) is sent to."""
        for keyword in call.keywords:
            if keyword.arg in _BIND_ARGUMENTS:
                found = self._of_bind_argument(keyword.value, scope)
                if found is not None:
                    return found
        if isinstance(call.func, ast.Attribute):
            return self._of(call.func.value, scope, 0)
        return None

    def _of_bind_argument(self, value: ast.expr, scope: Scope) -> Connection | None:
        """`bind_arguments={"bind": engine}` or `bind=engine`."""
        if isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "bind":
                    return self._of(item, scope, 0)
            return None
        return self._of(value, scope, 0)

    def _of(self, node: ast.expr, scope: Scope, depth: int) -> Connection | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Subscript):
            return _engines_item(node)
        if isinstance(node, ast.Name):
            return self._of_name(node.id, scope, depth)
        if isinstance(node, ast.Attribute):
            return self._of_imported(node, scope)
        if not isinstance(node, ast.Call):
            return None
        name = callee_name(node)
        if name == "get_engine":
            return _get_engine_bind(node)
        if name == "connect" and (library := _library(node)) is not None:
            return Connection(f"{library}.connect", "library")
        if name in _PASSING_ON and isinstance(node.func, ast.Attribute):
            return self._of(node.func.value, scope, depth + 1)
        return None

    def engines(self) -> tuple[str, ...]:
        """The module-level names bound to a `create_engine(...)`."""
        return tuple(
            name
            for name, bindings in self.scopes.module.bindings.items()
            if any(b.value is not None and _is_create_engine(b.value) for b in bindings)
        )

    def _of_imported(self, node: ast.expr, scope: Scope) -> Connection | None:
        """`engines.reports` or an imported `reports_engine`: maybe another module's engine."""
        name = dotted_name(node)
        head = (name or "").split(".", 1)[0]
        if name is None or scope.lookup(head) is not self.scopes.module:
            return None
        return Connection(name, "imported") if head in self.scopes.imported else None

    def _of_name(self, name: str, scope: Scope, depth: int) -> Connection | None:
        """A local holding a connection, a module variable holding an engine, or an imported
        name that may hold one."""
        owner = scope.lookup(name)
        if owner is None:
            return None
        if owner is self.scopes.module and name in self.scopes.imported:
            return Connection(name, "imported")
        for binding in owner.bindings.get(name, []):
            value = binding.value or self.with_values().get((binding.line, name))
            if value is None:
                continue
            if owner is self.scopes.module and _is_create_engine(value):
                return Connection(f"{self.module}.{name}", "engine")
            found = self._of(value, owner, depth + 1)
            if found is not None:
                return found
        return None

    def with_values(self) -> dict[tuple[int, str], ast.expr]:
        """`with X as name:` -> X, by (line of X, name): the scopes keep no value for it."""
        if self._with_values is None:
            self._with_values = {
                (item.context_expr.lineno, item.optional_vars.id): item.context_expr
                for node in ast.walk(self.scopes.tree)
                if isinstance(node, ast.With | ast.AsyncWith)
                for item in node.items
                if isinstance(item.optional_vars, ast.Name)
            }
        return self._with_values


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


def _is_create_engine(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and callee_name(value) in (
        "create_engine",
        "create_async_engine",
    )
