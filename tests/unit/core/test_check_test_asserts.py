"""scripts/check_test_asserts.py flags test functions that assert nothing, and only those."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "check_test_asserts.py"

MODULE = """\
import pytest
from pytest import warns as warned

from helpers import assert_same_rows


def test_runs_but_checks_nothing():
    print("looks busy")


def test_with_assert():
    assert 1 + 1 == 2


def test_with_raises():
    with pytest.raises(ZeroDivisionError):
        1 / 0


def test_with_helper():
    assert_same_rows([1], [1])


def test_with_warns_imported_by_name():
    with warned(UserWarning):
        pass


def helper_is_not_a_test():
    pass


class TestGrouped:
    def test_method_without_assert(self):
        self.value = 1

    def test_method_with_fail(self):
        pytest.fail("always")
"""


def run(tests: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(tests)], capture_output=True, text=True, check=False
    )


def test_only_the_tests_without_an_assertion_are_flagged(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "unit").mkdir(parents=True)
    (tests / "unit" / "test_sample.py").write_text(MODULE)
    source = MODULE.splitlines()
    first = source.index("def test_runs_but_checks_nothing():") + 1
    method = source.index("    def test_method_without_assert(self):") + 1

    completed = run(tests)

    assert completed.returncode == 1
    shown = "tests/unit/test_sample.py"
    assert completed.stdout.splitlines() == [
        f"{shown}:{first}: test_runs_but_checks_nothing asserts nothing",
        f"{shown}:{method}: TestGrouped.test_method_without_assert asserts nothing",
    ]
    assert "2 of 7 test functions assert nothing" in completed.stderr


def test_a_tree_where_every_test_asserts_passes_and_fixtures_are_skipped(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "fixtures" / "app").mkdir(parents=True)
    (tests / "fixtures" / "app" / "test_sample_app.py").write_text(
        "def test_nothing():\n    pass\n"
    )
    (tests / "test_ok.py").write_text("def test_ok():\n    assert True\n")

    completed = run(tests)

    assert (completed.returncode, completed.stdout) == (0, "1 test functions checked, all assert\n")
