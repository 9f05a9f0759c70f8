"""Raw SQL handed to database calls in a function: which tables it reads and writes.

A call carries SQL when it is named like a SQL entry point (`execute`, `executemany`,
`executescript`, `exec_driver_sql`, `text`, `read_sql`, `read_sql_query`, `raw`, `SQL`,
asyncpg's `fetch`/`fetchrow`/`fetchval`), when its name says so (contains "sql", "query" or
"exec": `query_db`, `run_query`, `execute_sql`), or when it is a function of this module that
passes one of its parameters on to such a call. Its first argument (or `sql=`/`statement=`/
`query=`/`operation=`) only counts when it really is SQL: it must start like a statement and
sqlglot must parse it into statements. `read_sql_table("t", ...)` reads table t.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from analyzer.db_facts import Confidence, DbDiagnostic, SqlNameUse, TableAccess, TableDefinition
from analyzer.db_scope import ModuleScopes, Scope, callee_name, is_camel
from analyzer.schema_sql import parse_schema_sql
from analyzer.sql_strings import WRAPPERS, SqlText, SqlTextResolver
from analyzer.sql_tables import SqlTables, is_sql_candidate, looks_like_sql, tables_in_sql

SQL_CALLS = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "text", "SQL", "raw"}
    | {"read_sql", "read_sql_query", "fetch", "fetchrow", "fetchval"}
)
_SQL_KEYWORDS = ("sql", "statement", "query", "operation", "stmt", "sql_script")
_SQL_NAME_HINT = re.compile(r"sql|query|exec", re.I)
_SQL_WORDS = re.compile(r"\b(?:from|into|update|join)\b", re.I)
DYNAMIC_TABLE = "dynamic SQL: table name built at run time"
DYNAMIC_STATEMENT = "dynamic SQL: statement built at run time, tables unknown"

Forwarders = dict[str, tuple[int, str]]  # function name -> (argument index, parameter name)


@dataclass
class SqlFindings:
    accesses: list[TableAccess] = field(default_factory=list)
    name_uses: list[SqlNameUse] = field(default_factory=list)
    diagnostics: list[DbDiagnostic] = field(default_factory=list)
    definitions: list[TableDefinition] = field(default_factory=list)


def find_forwarders(scopes: ModuleScopes) -> Forwarders:
    """Functions of this module passing a parameter straight on as SQL (`def query_db(q)`)."""
    forwarders: Forwarders = {}
    for scope in scopes.functions:
        for call in scope.calls:
            argument = sql_argument(call, {})
            if isinstance(argument, ast.Name) and argument.id in scope.params:
                position = scope.params.index(argument.id)
                if scope.params[:1] in (["self"], ["cls"]):
                    position -= 1
                forwarders[scope.qualname.rsplit(".", 1)[-1]] = (position, argument.id)
    return forwarders


def sql_argument(call: ast.Call, forwarders: Forwarders) -> ast.expr | None:
    """The expression a call receives as SQL, if the call is a SQL entry point."""
    name = callee_name(call)
    if name is None:
        return None
    if name in forwarders:
        position, parameter = forwarders[name]
        if 0 <= position < len(call.args):
            return _plain(call.args[position])
        return next((k.value for k in call.keywords if k.arg == parameter), None)
    if name not in SQL_CALLS and not _SQL_NAME_HINT.search(name):
        return None
    if call.args:
        return _plain(call.args[0])
    return next((k.value for k in call.keywords if k.arg in _SQL_KEYWORDS), None)


def _plain(argument: ast.expr) -> ast.expr | None:
    return None if isinstance(argument, ast.Starred) else argument


def sql_in_scope(
    scope: Scope,
    resolver: SqlTextResolver,
    forwarders: Forwarders,
    dialect: str | None,
) -> SqlFindings:
    """Tables touched by the raw SQL of every SQL call written directly in `scope`."""
    findings = SqlFindings()
    module_level = scope.enclosing is None
    for call in scope.calls:
        if module_level and callee_name(call) in WRAPPERS:
            continue  # `QUERY = text("...")` defines a constant; its uses are the accesses
        if callee_name(call) == "read_sql_table" and call.args:
            table = resolver.static_text(call.args[0], scope, call.lineno, 0)
            if table:
                findings.accesses.append(TableAccess(table, "read", call.lineno))
            continue
        argument = sql_argument(call, forwarders)
        if argument is None:
            continue
        resolved = resolver.resolve(argument, scope)
        explicit = callee_name(call) in SQL_CALLS or callee_name(call) in forwarders
        for text in resolved.texts:
            add_text_findings(text, call.lineno, dialect, findings, explicit=explicit)
        for name_ref in resolved.name_refs:
            if not is_camel(name_ref.rsplit(".", 1)[-1]):
                findings.name_uses.append(SqlNameUse(name_ref, call.lineno))
    return findings


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
