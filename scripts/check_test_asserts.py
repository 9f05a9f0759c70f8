"""Fail when a test function asserts nothing.

Walks a tests directory (default: tests/ beside this script's folder), skipping its fixtures/
folder, and parses every .py file with `ast` (nothing is imported or run). A test function is a
`test_*` function (sync or async) at module level or in a `Test*` class. It asserts when its
body, nested functions and lambdas included, holds at least one of:

- an `assert` statement;
- a use of `pytest.raises`, `pytest.warns` or `pytest.fail` (or of those names imported with
  `from pytest import ...`);
- a call of an assertion helper: a function or method whose name starts with `assert` or
  `expect` (`assert_answers_like_the_source(...)`, `helpers.expect_error(...)`). Names like
  `check_...` do not count: production code uses them for checks that may do nothing.

Prints `path:line: name asserts nothing` for each offender and exits 1, else prints
"N test functions checked, all assert".
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PYTEST_CHECKS = frozenset({"raises", "warns", "fail"})
HELPER_PREFIXES = ("assert", "expect")
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "tests"

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def find_test_functions(tree: ast.Module) -> Iterator[tuple[str, FunctionNode]]:
    """(display name, node) of each test function in a module."""
    for node in tree.body:
        if isinstance(node, FunctionNode) and node.name.startswith("test_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, FunctionNode) and member.name.startswith("test_"):
                    yield f"{node.name}.{member.name}", member


def pytest_aliases(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to the pytest module, and names bound to its raises/warns/fail."""
    modules: set[str] = set()
    checks: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "pytest")
        elif isinstance(node, ast.ImportFrom) and node.module == "pytest":
            checks.update(a.asname or a.name for a in node.names if a.name in PYTEST_CHECKS)
    return modules, checks


def asserts(function: FunctionNode, modules: set[str], checks: set[str]) -> bool:
    """Whether the function's body holds an assertion, as the module docstring defines it."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Name) and node.id in checks:
            return True
        if (
            isinstance(node, ast.Attribute)
            and node.attr in PYTEST_CHECKS
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            return True
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if name.startswith(HELPER_PREFIXES):
                return True
    return False


def check_file(path: Path, shown: str) -> tuple[int, list[str]]:
    """(test functions in the file, one message per test function that asserts nothing)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules, checks = pytest_aliases(tree)
    found = list(find_test_functions(tree))
    problems = [
        f"{shown}:{node.lineno}: {name} asserts nothing"
        for name, node in found
        if not asserts(node, modules, checks)
    ]
    return len(found), problems


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve() if argv else DEFAULT_ROOT
    fixtures = root / "fixtures"
    checked = 0
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(fixtures):
            continue
        count, found = check_file(path, str(path.relative_to(root.parent)))
        checked += count
        problems += found
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} of {checked} test functions assert nothing", file=sys.stderr)
        return 1
    print(f"{checked} test functions checked, all assert")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
