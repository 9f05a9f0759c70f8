"""Tables and foreign keys declared in SQL schema text (a `.sql` file, or an executescript string).

CREATE TABLE gives a table (line = where its statement starts) with inline `REFERENCES` and
table-level `FOREIGN KEY` constraints; `ALTER TABLE ... ADD [CONSTRAINT] FOREIGN KEY` (pg_dump's
style) adds foreign keys to the table it alters. Statements are parsed one by one, so one that
fails costs only itself: a CREATE/ALTER TABLE that cannot be parsed becomes a diagnostic; other
statements (SET, COPY, functions, seed data) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from analyzer.database.sql_tables import (
    DEFAULT_DIALECTS,
    identifier_name,
    parse_statements,
    table_name,
)
from analyzer.database.sql_text import leading_keyword
from analyzer.facts.database import DbDiagnostic, ForeignKey, TableDefinition

_SCHEMA_STATEMENT = re.compile(r"^\s*(?:create|alter)\b[^;]*?\btable\b", re.I)


@dataclass(frozen=True)
class SchemaFacts:
    tables: tuple[TableDefinition, ...] = ()
    diagnostics: tuple[DbDiagnostic, ...] = ()


@dataclass(frozen=True)
class _Chunk:
    text: str
    line: int


def parse_schema_sql(text: str, *, dialect: str | None = None) -> SchemaFacts:
    """Table definitions in `text`, in order of appearance, and what could not be parsed."""
    definitions: dict[str, TableDefinition] = {}
    diagnostics: list[DbDiagnostic] = []
    for chunk in _split(text, dialect):
        if leading_keyword(chunk.text) not in ("create", "alter"):
            continue
        statements, error = parse_statements(chunk.text, dialect)
        if statements is None:
            if _SCHEMA_STATEMENT.match(chunk.text):
                reason = error or "not a SQL statement"
                diagnostics.append(DbDiagnostic(chunk.line, f"SQL could not be parsed: {reason}"))
            continue
        for statement in statements:
            _add_definition(statement, chunk.line, definitions)
    return SchemaFacts(tuple(definitions.values()), tuple(diagnostics))


def _add_definition(
    statement: exp.Expr, line: int, definitions: dict[str, TableDefinition]
) -> None:
    if isinstance(statement, exp.Create) and str(statement.args.get("kind")).upper() == "TABLE":
        target = statement.this
        table = target.this if isinstance(target, exp.Schema) else target
        if not isinstance(table, exp.Table):
            return
        name = table_name(table)
        definitions[name] = TableDefinition(name, line, _foreign_keys(target))
    elif isinstance(statement, exp.Alter) and isinstance(statement.this, exp.Table):
        name = table_name(statement.this)
        added = _foreign_keys(statement)
        if not added:
            return
        known = definitions.get(name, TableDefinition(name, line))
        merged = tuple(dict.fromkeys((*known.foreign_keys, *added)))
        definitions[name] = TableDefinition(name, known.line, merged)


def _foreign_keys(node: exp.Expr) -> tuple[ForeignKey, ...]:
    found: list[ForeignKey] = []
    for reference in node.find_all(exp.Reference, bfs=False):
        target = reference.this
        referenced_columns: list[str] = []
        if isinstance(target, exp.Schema):
            referenced_columns = [identifier_name(c) for c in target.expressions]
            target = target.this
        if not isinstance(target, exp.Table):
            continue
        owner = reference.parent
        if isinstance(owner, exp.ForeignKey):
            columns = [identifier_name(c) for c in owner.expressions]
        else:
            column_def = reference.find_ancestor(exp.ColumnDef)
            columns = [identifier_name(column_def.this)] if column_def else []
        for index, column in enumerate(columns):
            referenced = referenced_columns[index] if index < len(referenced_columns) else None
            found.append(ForeignKey(column, table_name(target), referenced))
    return tuple(found)


def _split(text: str, dialect: str | None) -> list[_Chunk]:
    """Statements of `text` with the line each starts on, split at top-level semicolons."""
    for read in (dialect, *(d for d in DEFAULT_DIALECTS if d != dialect)):
        try:
            tokens = Dialect.get_or_raise(read).tokenize(text)
        except SqlglotError:
            continue
        chunks: list[_Chunk] = []
        start = None
        for token in tokens:
            if token.token_type == TokenType.SEMICOLON:
                if start is not None:
                    chunks.append(_Chunk(text[start.start : token.start], start.line))
                start = None
            elif start is None:
                start = token
        if start is not None:
            chunks.append(_Chunk(text[start.start :], start.line))
        return chunks
    return _split_lines(text)


def _split_lines(text: str) -> list[_Chunk]:
    """Last resort for text no tokenizer accepts: statements end with ';' at a line's end."""
    chunks: list[_Chunk] = []
    line = 1
    for piece in re.split(r"(?<=;)[ \t]*\n", text):
        stripped = piece.lstrip()
        first_line = line + piece[: len(piece) - len(stripped)].count("\n")
        if stripped:
            chunks.append(_Chunk(stripped.rstrip().rstrip(";"), first_line))
        line += piece.count("\n") + 1
    return chunks
