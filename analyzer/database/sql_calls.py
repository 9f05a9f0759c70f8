"""Raw SQL handed to database calls in a function: which tables it reads and writes.

A call carries SQL when it is named like a SQL entry point (`execute`, `executemany`,
`executescript`, `exec_driver_sql`, `text`, `read_sql`, `read_sql_query`, `raw`, `SQL`,
asyncpg's `fetch`/`fetchrow`/`fetchval`), or when its name says so (contains "sql", "query" or
"exec": `query_db`, `run_query`, `execute_sql`). Its first argument (or `sql=`/`statement=`/
`query=`/`operation=`) only counts when it really is SQL: it must start like a statement and
sqlglot must parse it into statements. `read_sql_table("t", ...)` reads table t.

A parameter of the function that becomes part of such SQL is a "SQL parameter"; an argument of
any other call that may carry SQL is kept as a `SqlArgument`, for the resolution stage to credit
to callers of project functions that run that parameter as SQL
(`helpers.insert_returning_id("INSERT INTO users ...")`).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from analyzer.database.connections import ConnectionFinder
from analyzer.database.names import callee_name, is_camel
from analyzer.database.sql_strings import WRAPPERS, Resolved, SqlText, SqlTextResolver
from analyzer.database.sql_text import SqlTables, is_sql_candidate, looks_like_sql
from analyzer.facts.database import (
    Confidence,
    Connection,
    DbDiagnostic,
    SqlArgument,
    SqlNameUse,
    TableAccess,
    TableDefinition,
)
from analyzer.syntax.scopes import Scope

SQL_CALLS = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "text", "SQL", "raw"}
    | {"read_sql", "read_sql_query", "fetch", "fetchrow", "fetchval"}
)
_SQL_KEYWORDS = ("sql", "statement", "query", "operation", "stmt", "sql_script")
_SQL_NAME_HINT = re.compile(r"sql|query|exec", re.I)
_BUILTINS = frozenset(dir(builtins))
_SQL_WORDS = re.compile(r"\b(?:from|into|update|join)\b", re.I)
DYNAMIC_TABLE = "dynamic SQL: table name built at run time"
DYNAMIC_STATEMENT = "dynamic SQL: statement built at run time, tables unknown"
_BUILT_TEXT = (ast.JoinedStr, ast.BinOp, ast.IfExp, ast.Subscript)
_TEXT_METHODS = frozenset({"format", "join"})


@dataclass
class SqlFindings:
    accesses: list[TableAccess] = field(default_factory=list)
    name_uses: list[SqlNameUse] = field(default_factory=list)
    diagnostics: list[DbDiagnostic] = field(default_factory=list)
    definitions: list[TableDefinition] = field(default_factory=list)
    sql_params: list[str] = field(default_factory=list)
    arguments: list[SqlArgument] = field(default_factory=list)
    sent_through: list[Connection] = field(default_factory=list)  # the SQL parameters' SQL's


def sql_argument(call: ast.Call) -> ast.expr | None:
    """The expression a call receives as SQL, if the call is a SQL entry point (not an ORM
    session's `query(...)`, which takes models and columns, nor a session handed over)."""
    name = callee_name(call)
    if name is None or not _names_sql_entry(name):
        return None
    if name == "query" and _is_session(getattr(call.func, "value", None)):
        return None
    if call.args:
        first = call.args[0]  # `create_query_func(db.session, Model)` hands over no SQL
        return None if _is_session(first) else _plain(first)
    return next((k.value for k in call.keywords if k.arg in _SQL_KEYWORDS), None)


@lru_cache(maxsize=4096)
def _names_sql_entry(name: str) -> bool:
    """Whether a call named `name` is a SQL entry point (cached: the same names recur, and
    every call of every function is asked about, twice)."""
    return name in SQL_CALLS or _SQL_NAME_HINT.search(name) is not None


def _is_session(node: ast.expr | None) -> bool:
    """`session`, `db.session`, `self.session`: an ORM session, by its name."""
    if isinstance(node, ast.Attribute):
        return node.attr == "session"
    return isinstance(node, ast.Name) and node.id == "session"


def _plain(argument: ast.expr) -> ast.expr | None:
    return None if isinstance(argument, ast.Starred) else argument


def sql_in_scope(
    scope: Scope, resolver: SqlTextResolver, dialect: str | None, connections: ConnectionFinder
) -> SqlFindings:
    """Tables touched by the raw SQL of every SQL call written directly in `scope` (each with
    the other database it is sent to, if any), the parameters that SQL is built from, and what
    the other calls' arguments may carry."""
    findings = SqlFindings()
    module_level = scope.enclosing is None
    arguments = [sql_argument(call) for call in scope.calls]  # by both loops, asked once
    sent_through = _calls_sent_through(scope, arguments, connections)
    for call, argument in zip(scope.calls, arguments, strict=True):
        name = callee_name(call)
        if module_level and name in WRAPPERS:
            continue  # `QUERY = text("...")` defines a constant; its uses are the accesses
        if name == "read_sql_table" and call.args:
            table = resolver.static_text(call.args[0], scope, call.lineno, 0)
            if table:
                findings.accesses.append(TableAccess(table, "read", call.lineno))
            continue
        if argument is None:
            if name is not None and not _builtin_call(call, scope):
                _call_arguments(call, name, scope, resolver, dialect, findings)
            continue
        resolved = resolver.resolve(argument, scope)
        before = len(findings.accesses)
        for text in resolved.texts:
            add_text_findings(text, call.lineno, dialect, findings, explicit=name in SQL_CALLS)
        connection = sent_through.get(id(call))
        if connection is not None:
            findings.accesses[before:] = [
                replace(a, connection=connection) for a in findings.accesses[before:]
            ]
        findings.name_uses.extend(
            SqlNameUse(ref, call.lineno, connection) for ref in _sql_name_refs(resolved)
        )
        params = [p for p in resolved.params if p in _own_params(scope)]
        findings.sql_params.extend(params)
        if params and connection is not None:
            findings.sent_through.append(connection)
    return findings


def _calls_sent_through(
    scope: Scope, arguments: list[ast.expr | None], connections: ConnectionFinder
) -> dict[int, Connection]:
    """By `id()`: the SQL calls of `scope` (those with a SQL argument, in `arguments`) sent to
    another database, and the calls in their arguments (`text(...)` in
    `conn.execute(text(...))`), with that database."""
    found: dict[int, Connection] = {}
    for call, argument in zip(scope.calls, arguments, strict=True):
        if argument is None:
            continue
        connection = connections.of_call(call, scope)
        if connection is None:
            continue
        found[id(call)] = connection
        for argument in (*call.args, *(k.value for k in call.keywords)):
            found.update((id(n), connection) for n in ast.walk(argument) if isinstance(n, ast.Call))
    return found


def _call_arguments(
    call: ast.Call,
    callee: str,
    scope: Scope,
    resolver: SqlTextResolver,
    dialect: str | None,
    findings: SqlFindings,
) -> None:
    """Keep each argument of a non-SQL call that may carry SQL."""
    slots: list[tuple[int | str, ast.expr]] = list(enumerate(call.args))
    slots.extend((k.arg, k.value) for k in call.keywords if k.arg is not None)
    for slot, node in slots:
        if not _may_be_sql_text(node, scope):
            continue
        resolved = resolver.resolve(node, scope)
        if not resolved.texts and not resolved.name_refs:
            continue  # most arguments: nothing to keep
        carried = SqlFindings()
        for text in resolved.texts:
            add_text_findings(text, call.lineno, dialect, carried, explicit=True)
        name_refs = tuple(dict.fromkeys(r for r in resolved.name_refs if _constant_like(r)))
        if carried.accesses or name_refs:
            findings.arguments.append(
                SqlArgument(
                    callee,
                    call.lineno,
                    slot,
                    tuple(dict.fromkeys(carried.accesses)),
                    name_refs,
                    tuple(dict.fromkeys(carried.diagnostics)),
                )
            )


def _may_be_sql_text(node: ast.expr, scope: Scope) -> bool:
    """A cheap look before resolving an argument: a literal that starts like SQL, a string
    built in place, a local or constant-like name, a `.format()`/`.join()` call."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and is_sql_candidate(node.value)
    if isinstance(node, ast.Name):
        return node.id not in scope.params or node.id in scope.bindings
    if isinstance(node, ast.Attribute):
        return node.attr.isupper()
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_METHODS
    return isinstance(node, _BUILT_TEXT)


def _builtin_call(call: ast.Call, scope: Scope) -> bool:
    """`sorted(x)`, `len(x)`: a builtin the module does not rebind."""
    func = call.func
    return isinstance(func, ast.Name) and func.id in _BUILTINS and scope.lookup(func.id) is None


def _own_params(scope: Scope) -> frozenset[str]:
    """The parameters a caller passes (a method's receiver left out)."""
    return frozenset(p for p in scope.params if p != scope.receiver)


def _constant_like(name_ref: str) -> bool:
    """`GET_USER`, `queries.LIST_ORDERS`: how a name holding SQL is spelled (not `request.args`)."""
    return name_ref.rsplit(".", 1)[-1].isupper()


def _sql_name_refs(resolved: Resolved) -> list[str]:
    """Unresolved names that may hold SQL (class-like names are models or classes, not SQL)."""
    return [ref for ref in resolved.name_refs if not is_camel(ref.rsplit(".", 1)[-1])]


def add_text_findings(
    text: SqlText, line: int, dialect: str | None, findings: SqlFindings, *, explicit: bool
) -> None:
    """Accesses (and diagnostics, table definitions) for one possible SQL text."""
    rendered = text.render()
    if not is_sql_candidate(rendered):
        literal = " ".join(part for part in text.parts if part)
        if explicit and text.dynamic and _SQL_WORDS.search(literal):
            findings.diagnostics.append(DbDiagnostic(line, DYNAMIC_STATEMENT))
        return
    # sqlglot is loaded only once a string looks like SQL: most files have none
    from analyzer.database.schema_sql import parse_schema_sql
    from analyzer.database.sql_tables import tables_in_sql

    tables = tables_in_sql(rendered, dialect=dialect)
    if not tables.parsed and text.dynamic:
        tables = tables_in_sql(text.render(as_condition=True), dialect=dialect)
    if tables.error is not None:
        findings.diagnostics.append(DbDiagnostic(line, f"SQL could not be parsed: {tables.error}"))
        return
    if not tables.parsed:
        if text.dynamic and looks_like_sql(rendered):
            findings.diagnostics.append(DbDiagnostic(line, DYNAMIC_STATEMENT))
        return
    if tables.dynamic_table:
        findings.diagnostics.append(DbDiagnostic(line, DYNAMIC_TABLE))
    findings.accesses.extend(accesses_of(tables, line, low=text.dynamic))
    if tables.ddl and "create" in rendered.lower():
        schema = parse_schema_sql(rendered, dialect=dialect)
        findings.definitions.extend(
            TableDefinition(t.name, line, t.foreign_keys) for t in schema.tables
        )


def accesses_of(tables: SqlTables, line: int, *, low: bool) -> list[TableAccess]:
    """TableAccess entries for a parsed statement, reads then writes, each sorted by name."""
    confidence: Confidence = "low" if low else "high"
    accesses = [TableAccess(t, "read", line, confidence) for t in sorted(tables.reads)]
    accesses.extend(
        TableAccess(t, "write", line, confidence, ddl=t in tables.ddl)
        for t in sorted(tables.writes)
    )
    return accesses
