"""Which tables a SQL string reads and writes, parsed with sqlglot.

Rules (what a migration engineer expects from "who touches this table"):
- SELECT / JOIN / subquery / CTE bodies / UNION parts are reads; CTE names are not tables.
- INSERT / UPDATE / DELETE / MERGE / upserts (ON CONFLICT, REPLACE INTO, INSERT OR REPLACE,
  ON DUPLICATE KEY) write their target; every other table in the statement (UPDATE ... FROM,
  DELETE ... USING, INSERT ... SELECT, MERGE ... USING) is read.
- DDL (CREATE / DROP / ALTER / TRUNCATE, CREATE INDEX ON t) writes its target: whoever changes a
  table's schema or empties it must own it. Such targets are also listed in `ddl`, so a report can
  tell schema changes from data changes. Tables named only in REFERENCES are neither.
- Unquoted names are lower-cased, quoted ones kept; "schema.table" is kept qualified.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from analyzer.database.sql_text import DYNAMIC_MARK, SqlTables, is_sql_candidate, looks_like_sql

DEFAULT_DIALECTS: tuple[str | None, ...] = (None, "postgres", "sqlite", "mysql")

_PYFORMAT = re.compile(r"%\(\w+\)s|(?<!%)%s")
_REPLACE_INTO = re.compile(r"(?:(?<=;)|^)(\s*)(?:REPLACE|UPSERT)(?=\s+INTO\b)", re.I)

_STATEMENTS = (
    exp.Select,
    exp.SetOperation,
    exp.Subquery,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
)
_DML = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_DDL = (exp.Create, exp.Drop, exp.Alter, exp.TruncateTable)


def tables_in_sql(sql: str, *, dialect: str | None = None) -> SqlTables:
    """Reads and writes of `sql` (one or several statements). Cached: the same SQL recurs."""
    return _tables_in_sql(sql, dialect)


@lru_cache(maxsize=8192)
def _tables_in_sql(sql: str, dialect: str | None) -> SqlTables:
    if not is_sql_candidate(sql):
        return SqlTables()
    statements, error = parse_statements(sql, dialect)
    if statements is None:
        return SqlTables(error=error if looks_like_sql(sql) else None)
    reads: set[str] = set()
    writes: set[str] = set()
    ddl: set[str] = set()
    dynamic = False
    for statement in statements:
        targets = _write_targets(statement)
        if not targets and isinstance(statement, _DML):
            return SqlTables(error=f"{statement.key.upper()} without a target table")
        ctes: set[str] = set()
        found: list[exp.Table] = []
        for node in statement.walk():
            if isinstance(node, exp.Table):
                found.append(node)
            elif isinstance(node, exp.CTE):
                ctes.add(identifier_name(node.args["alias"].this))
        in_ddl = isinstance(statement, _DDL)
        for table in found:
            if not isinstance(table.this, exp.Identifier):
                continue
            if in_ddl and table.find_ancestor(exp.Reference):
                continue
            name = table_name(table)
            if DYNAMIC_MARK in identifier_name(table.this):
                dynamic = True
                continue
            if id(table) in targets:
                writes.add(name)
                if isinstance(statement, _DDL):
                    ddl.add(name)
            elif not (name in ctes and not table.args.get("db")):
                reads.add(name)
    return SqlTables(
        reads=frozenset(reads),
        writes=frozenset(writes),
        ddl=frozenset(ddl),
        parsed=True,
        dynamic_table=dynamic,
    )


def parse_statements(
    sql: str, dialect: str | None = None
) -> tuple[tuple[exp.Expr, ...] | None, str | None]:
    """Parse `sql` trying `dialect` first, then the default chain; (statements, None) on success,
    (None, error) when no dialect yields real statements. Placeholders of every paramstyle parse."""
    return _parse_statements(_normalise(sql), dialect)


class _CommandFallbackFilter(logging.Filter):
    """Drops sqlglot's "Falling back to parsing as a 'Command'" warning: a Command is handled here
    (next dialect, then a diagnostic), so the warning would only be noise on the user's stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


_FALLBACK_FILTER = _CommandFallbackFilter()


@lru_cache(maxsize=8192)
def _parse_statements(
    sql: str, dialect: str | None
) -> tuple[tuple[exp.Expr, ...] | None, str | None]:
    logger = logging.getLogger("sqlglot")
    if _FALLBACK_FILTER not in logger.filters:
        logger.addFilter(_FALLBACK_FILTER)
    first_error: str | None = None
    chain = (dialect, *(d for d in DEFAULT_DIALECTS if d != dialect))
    for read in chain:
        try:
            parsed = sqlglot.parse(sql, read=read)
        except SqlglotError as error:
            first_error = first_error or _describe(error)
            continue
        statements: tuple[exp.Expr, ...] = tuple(node for node in parsed if node)
        if statements and all(isinstance(node, _STATEMENTS) for node in statements):
            return statements, None
        if not any(isinstance(node, exp.Command) for node in statements):
            return None, None  # an expression or identifier, not a statement: not SQL
        first_error = first_error or "unsupported statement"
    return None, first_error


def table_name(table: exp.Table) -> str:
    """ "schema.table" (or "catalog.schema.table"), unquoted parts lower-cased."""
    parts = [table.args.get("catalog"), table.args.get("db"), table.this]
    names = [identifier_name(part) for part in parts if isinstance(part, exp.Identifier)]
    if len(names) > 1 and DYNAMIC_MARK in names[0]:
        names = names[1:]  # "{schema}.orders": the table is known, its schema is not
    return ".".join(names)


def _write_targets(statement: exp.Expr) -> set[int]:
    target: exp.Expr | None = None
    if isinstance(statement, (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Alter)):
        target = statement.this
    elif isinstance(statement, exp.Create):
        target = statement.this
        if isinstance(target, exp.Index):
            target = target.args.get("table")
    elif isinstance(statement, exp.Drop | exp.TruncateTable):
        return {id(table) for table in statement.find_all(exp.Table)}
    if isinstance(target, exp.Schema):
        target = target.this
    return {id(target)} if isinstance(target, exp.Table) else set()


def identifier_name(identifier: exp.Expr) -> str:
    """An identifier as written: unquoted names lower-cased, quoted ones kept."""
    text = identifier.name
    return text if identifier.args.get("quoted") else text.lower()


def _normalise(sql: str) -> str:
    sql = _PYFORMAT.sub("?", sql)
    return _REPLACE_INTO.sub(r"\1INSERT", sql)


def _describe(error: SqlglotError) -> str:
    details = error.errors[0] if isinstance(error, ParseError) and error.errors else None
    if details is None:
        return str(error).strip().splitlines()[0] if str(error).strip() else "parse error"
    description = details["description"].split(" <Token")[0].removesuffix(" but got")
    near = details.get("highlight") or ""
    return f"{description} near {near!r} (col {details['col']})"
