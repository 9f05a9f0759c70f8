"""parse_schema_sql on .sql files, compared with the tables written by hand beside each one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.database.schema_sql import parse_schema_sql

SCHEMAS = sorted((Path(__file__).parents[2] / "fixtures" / "analyzer_db" / "schemas").glob("*.sql"))


@pytest.mark.parametrize("schema", SCHEMAS, ids=[p.stem for p in SCHEMAS])
def test_tables_and_foreign_keys(schema: Path) -> None:
    expected = json.loads(schema.with_suffix(".expected.json").read_text())
    facts = parse_schema_sql(schema.read_text())
    found = {
        table.name: {
            "line": table.line,
            "fks": [
                f"{fk.column} -> {fk.references_table}.{fk.references_column}"
                for fk in table.foreign_keys
            ],
        }
        for table in facts.tables
    }
    assert found == expected["tables"]
    diagnostics = [(d.line, d.message) for d in facts.diagnostics]
    assert [line for line, _ in diagnostics] == [line for line, _ in expected["diagnostics"]]
    for (_, message), (_, start) in zip(diagnostics, expected["diagnostics"], strict=True):
        assert message.startswith(start)


def test_a_foreign_key_without_columns_names_only_the_table() -> None:
    facts = parse_schema_sql("CREATE TABLE b (a_id INT REFERENCES a)")
    (table,) = facts.tables
    assert [
        (fk.column, fk.references_table, fk.references_column) for fk in table.foreign_keys
    ] == [("a_id", "a", None)]


def test_text_no_tokenizer_accepts_is_split_by_lines() -> None:
    text = "CREATE TABLE a (id INT);\nCREATE TABLE b (note TEXT DEFAULT 'unterminated);\n"
    facts = parse_schema_sql(text)
    assert [table.name for table in facts.tables] == ["a"]
    assert [d.line for d in facts.diagnostics] == [2]


def test_empty_text_has_no_tables() -> None:
    assert parse_schema_sql("-- nothing here\n") == type(parse_schema_sql(""))()
