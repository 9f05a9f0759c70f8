"""tables_in_sql against the hand-written cases in tests/fixtures/analyzer_db/sql_cases.txt."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from analyzer.database.sql_tables import tables_in_sql

CASES_FILE = Path(__file__).parents[2] / "fixtures" / "analyzer_db" / "sql_cases.txt"


@dataclass
class Case:
    sql: str
    expect: dict[str, str] = field(default_factory=dict)


def _names(value: str) -> frozenset[str]:
    return frozenset(name.strip() for name in value.split(",") if name.strip())


def load_cases() -> list[Case]:
    cases: list[Case] = []
    text = CASES_FILE.read_text()
    for block in text.split("\n====\n"):
        lines = [line for line in block.splitlines() if not line.startswith("# ")]
        case = Case("\n".join(line for line in lines if not line.startswith(">> ")).strip())
        for line in lines:
            if line.startswith(">> "):
                key, _, value = line[3:].partition(":")
                case.expect[key.strip()] = value.strip()
        cases.append(case)
    return cases


CASES = load_cases()


def test_the_fixture_file_holds_many_cases() -> None:
    assert len(CASES) >= 45
    assert all(case.expect for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.sql.splitlines()[0][:60] for c in CASES])
def test_reads_and_writes(case: Case) -> None:
    found = tables_in_sql(case.sql, dialect=case.expect.get("dialect") or None)
    if "not sql" in case.expect:
        assert not found.parsed and found.error is None
        assert not found.reads and not found.writes
        return
    if "error" in case.expect:
        assert not found.parsed and found.error
        return
    assert found.parsed, found.error
    assert found.reads == _names(case.expect.get("reads", ""))
    assert found.writes == _names(case.expect.get("writes", ""))
    assert found.ddl == _names(case.expect.get("ddl", ""))
    assert found.dynamic_table == ("dynamic" in case.expect)


def test_parses_are_cached() -> None:
    sql = "SELECT * FROM cache_probe_table WHERE id = ?"
    assert tables_in_sql(sql) is tables_in_sql(sql)


def test_unparsable_sql_says_where() -> None:
    error = tables_in_sql("SELECT * FROM WHERE id = 1").error
    assert error is not None and "WHERE" in error and "col" in error
