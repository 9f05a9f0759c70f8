"""Strings the analyzer computes from the analyzed code's constants (rules, prefixes,
names): it computes what Flask would get, and refuses what could fail, reach into an
object, take unbounded time or build an unbounded string (the code is untrusted)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from analyzer.resolution.strings import (
    LONGEST_STRING,
    formatted_text,
    joined_text,
    method_result,
    substituted_text,
)
from strangler_cli import cli


def test_plain_format_fields_are_filled() -> None:
    assert formatted_text("/{0}/{name}/{0}", ["a"], {"name": "b"}) == "/a/b/a"
    assert formatted_text("/v{:02d}", [3], {}) == "/v03"


def test_format_calls_that_would_fail_give_nothing() -> None:
    assert formatted_text("/{:d}", [None], {}) is None  # TypeError in Python
    assert formatted_text("/{}/{}", ["a"], {}) is None  # IndexError
    assert formatted_text("/{x}", [], {}) is None  # KeyError
    assert formatted_text("/{", [], {}) is None  # ValueError
    assert formatted_text("/{}/{0}", ["a"], {}) is None  # ValueError: mixed numbering


def test_format_fields_reaching_into_objects_or_asking_huge_widths_are_refused() -> None:
    assert formatted_text("{0.__class__}", ["x"], {}) is None
    assert formatted_text("{0[0]}", ["x"], {}) is None
    assert formatted_text("{:>999999999}", ["x"], {}) is None
    assert formatted_text("{:>{}}", ["x", 5], {}) is None  # nested field


def test_joins_and_str_methods_longer_than_the_bound_give_nothing() -> None:
    assert joined_text(["/a", "/b"]) == "/a/b"
    assert joined_text(["a", "b", "c"], "/") == "a/b/c"
    assert joined_text(["x" * LONGEST_STRING, "y"]) is None
    assert method_result("/a/b", "replace", ["/", "-"]) == "-a-b"
    assert method_result("ab" * 100, "replace", ["a", "x" * 100]) is None
    assert method_result("/a", "startswith", ["/"]) is True
    assert method_result("/a", "replace", ["/"]) is None  # TypeError: too few arguments


def test_str_methods_splitting_a_string_give_its_pieces() -> None:
    assert method_result("get_source_slice", "partition", ["_"]) == ("get", "_", "source_slice")
    assert method_result("a.b.c", "rsplit", [".", 1]) == ("a.b", "c")
    assert method_result("a b", "split", [None]) == ("a", "b")
    assert method_result("a.b", "split", [".", 10**30]) is None  # OverflowError
    assert method_result("a.b", "partition", [""]) is None  # ValueError: empty separator
    assert method_result("a.b", "split", [1]) is None  # TypeError


def test_re_sub_applies_patterns_that_cannot_backtrack_without_bound() -> None:
    assert substituted_text(r"<([^>]+)>", r"{\1}", "/a/<id>/b") == "/a/{id}/b"
    assert substituted_text(r"(?:/)+", "/", "//a//b") == "/a/b"
    assert substituted_text(r"[(", "", "x") is None  # not a pattern
    started = time.monotonic()
    assert substituted_text(r"(a+)+$", "", "a" * 40 + "b") is None  # nested repeat
    assert substituted_text(r"(a|aa)*$", "", "a" * 40 + "b") is None  # alternatives repeated
    assert time.monotonic() - started < 1  # refused, not run (running takes hours)


HOSTILE_RULES = """\
import re
from flask import Flask

app = Flask(__name__)
WIDE = "{:>999999999999}".format("x")
GROWN = "aaaaaaaaaa".replace("a", "aaaaaaaaaa").replace("a", "aaaaaaaaaa").replace(
    "a", "aaaaaaaaaa").replace("a", "aaaaaaaaaa").replace("a", "aaaaaaaaaa")
STUCK = re.sub(r"(a+)+$", "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")
BROKEN = "/{:d}".format(None)


@app.route("/wide" + WIDE)
def wide():
    return "w"


@app.route("/grown" + GROWN)
def grown():
    return "g"


@app.route("/stuck" + STUCK)
def stuck():
    return "s"


@app.route("/broken" + BROKEN)
def broken():
    return "b"


@app.route("/plain/{}".format("ok"))
def plain():
    return "p"
"""


def test_hostile_string_building_neither_crashes_nor_hangs_the_analyzer(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HOSTILE_RULES)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path), "--no-cache", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30
    report = json.loads(result.stdout)
    assert [r["endpoint"] for r in report["routes"] if r["kind"] == "view"] == ["plain"]
    assert [r["rule"] for r in report["routes"] if r["kind"] == "view"] == ["/plain/ok"]
    skipped = [d["line"] for d in report["diagnostics"] if d["kind"] == "dynamic-route"]
    assert skipped == [12, 17, 22, 27]  # each hostile rule: named, not computed


def doubling_app(lines: int) -> str:
    """An app whose values double on each line, in every way the analyzer folds values:
    strings, lists, calls, dicts, SQL, `if` branches, a function's locals and loops."""
    body = ["from flask import Flask", "app = Flask(__name__)", "def f(*a): return a"]
    body += ['S = "xx"', 'L = ["/a"]', 'C = "c"', 'D = {"k": "/d"}', 'Q = "SELECT 1"']
    for statement in ("S = S + S", "L = L + L", "C = f(C, C)", 'D = {"a": D, "b": D}'):
        body += [statement] * lines
    body += ["Q = Q + Q"] * lines
    body += ["if app.debug:\n    S = S + S\nelse:\n    S = S + 'y'"] * lines
    body += ["def grow():", "    T = '/t'", *["    T = T + T"] * lines]
    body += ["    for x in range(3):\n        T = T + T"] * 5
    body += ["    db.execute(Q)", "    return T"]
    body += ['@app.route("/s" + S)', "def s():", "    return 's'"]
    body += ["for rule in L:", '    app.add_url_rule(rule, "l", s)']
    body += ["@app.route(grow())", "def g():", "    return 'g'", '@app.route("/ok")', "def ok():"]
    body += ["    return 'ok'"]
    return "\n".join(body) + "\n"


def _two_gigabytes() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_values_doubled_on_every_line_are_given_up_not_built(tmp_path: Path) -> None:
    """60 doublings would be 2**60 parts: the analyzer gives such values up (unknown)."""
    (tmp_path / "app.py").write_text(doubling_app(60))
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "strangler_cli", "analyze", str(tmp_path), "--no-cache"]
    finished = subprocess.run(
        [*command, "--format", "json", "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_two_gigabytes,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    routes = json.loads(report.read_text())["routes"]
    assert [r["rule"] for r in routes if r["kind"] == "view"] == ["/ok"]
