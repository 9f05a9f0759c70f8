"""The cheap text gates in front of sqlglot: whether a string starts like a SQL statement (and
is not prose), and the shape of what parsing it finds.

Nothing here imports sqlglot: extracting a file whose strings are not SQL never loads it (a
re-run that extracts only the file just edited is timed against `ast.parse`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Dynamic parts of SQL built at run time are replaced by this identifier before parsing.
DYNAMIC_MARK = "strangler_dyn_"

_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.S)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_STATEMENT_KEYWORDS = frozenset(
    {"select", "insert", "update", "delete", "with", "merge", "replace", "upsert"}
    | {"create", "drop", "alter", "truncate"}
)
# "Select a product from the list" is prose; SQL written in Title case carries upper-case clauses.
_UPPER_CLAUSE = re.compile(r"\b(?:FROM|WHERE|INTO|SET|VALUES|JOIN|TABLE|AS)\b")
_SHAPE = re.compile(
    r"^(?:select\b.*\bfrom\b|insert\b.*\binto\b|update\b\s*\S+.*\bset\b|delete\b.*\bfrom\b|"
    r"with\b.*\bas\s*\(|merge\b.*\binto\b|replace\b.*\binto\b|upsert\b.*\binto\b|"
    r"(?:create|drop|alter|truncate)\b.*\b(?:table|view|index)\b)",
    re.I | re.S,
)


@dataclass(frozen=True)
class SqlTables:
    """Tables one SQL string touches. `parsed` is False when the text is not SQL at all
    (then `error` is None) or looks like SQL but failed to parse (then `error` says why)."""

    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    ddl: frozenset[str] = frozenset()  # subset of writes changed by CREATE/DROP/ALTER/TRUNCATE
    parsed: bool = False
    error: str | None = None
    dynamic_table: bool = False  # a table name contains a part built at run time


def _statement_start(sql: str) -> int:
    """Where the statement begins, past blanks, comments and opening parentheses."""
    noise = _LEADING_NOISE.match(sql)
    return noise.end() if noise else 0


def leading_keyword(sql: str) -> str | None:
    """The first word of the statement, skipping comments and "(", lower-cased."""
    match = _FIRST_WORD.match(sql, _statement_start(sql))
    return match.group(0).lower() if match else None


def is_sql_candidate(sql: str) -> bool:
    """Cheap gate before parsing: the text starts like a SQL statement and is not prose."""
    match = _FIRST_WORD.match(sql, _statement_start(sql))
    if match is None or match.group(0).lower() not in _STATEMENT_KEYWORDS:
        return False
    word = match.group(0)
    if word[0].isupper() and word[1:].islower():
        return _UPPER_CLAUSE.search(sql, match.end()) is not None
    return True


def looks_like_sql(sql: str) -> bool:
    """Stricter: the text has a statement's shape (SELECT ... FROM, INSERT ... INTO, ...)."""
    return is_sql_candidate(sql) and _SHAPE.match(sql, _statement_start(sql)) is not None
