"""Pure JSON diffing: where two answers differ, as field paths.

Paths: object keys joined with dots and list indices in brackets
("items[3].price"); "$" is the root itself (e.g. an object against a list);
"status" is used by callers for differing HTTP statuses.

Ignore patterns are glob-like on those paths: `*` matches any run of
characters, `?` one character, brackets are literal; a leading "*." also
matches at the root ("*.generated_at" ignores "generated_at" too). An ignored
path hides everything below it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ROOT = "$"


@dataclass(frozen=True)
class FieldDiff:
    """One differing field: its path and the value on each side (None when absent)."""

    path: str
    left: Any
    right: Any


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{'' if path == ROOT else path}[{key}]"
    return key if path == ROOT else f"{path}.{key}"


def diff_json(left: Any, right: Any, path: str = ROOT) -> list[FieldDiff]:
    """Every field where `left` and `right` differ, deepest paths, in document order."""
    if left is MISSING or right is MISSING or _kind(left) != _kind(right):
        return [FieldDiff(path, left, right)]
    if isinstance(left, dict):
        diffs: list[FieldDiff] = []
        for key in [*left, *(k for k in right if k not in left)]:
            diffs += diff_json(left.get(key, MISSING), right.get(key, MISSING), _child(path, key))
        return diffs
    if isinstance(left, list):
        diffs = []
        for index in range(max(len(left), len(right))):
            left_item = left[index] if index < len(left) else MISSING
            right_item = right[index] if index < len(right) else MISSING
            diffs += diff_json(left_item, right_item, _child(path, index))
        return diffs
    return [] if left == right else [FieldDiff(path, left, right)]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """An ignore pattern as a regex matching a path and everything below it."""
    prefix = ""
    if pattern.startswith("*."):
        prefix, pattern = r"(?:.*\.)?", pattern[2:]
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(rf"^{prefix}{body}(?:[.\[].*)?$")


class IgnoreRules:
    """A set of ignore patterns."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = tuple(patterns)
        self._compiled = [compile_pattern(pattern) for pattern in self.patterns]

    def ignores(self, path: str) -> bool:
        return any(regex.match(path) for regex in self._compiled)


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing two answers: what differs and which noisy fields were ignored."""

    differences: tuple[FieldDiff, ...]
    ignored: tuple[str, ...]

    @property
    def equal(self) -> bool:
        return not self.differences


def compare_answers(
    left_status: int,
    left_body: Any,
    right_status: int,
    right_body: Any,
    ignore: IgnoreRules | None = None,
) -> Comparison:
    """Compare two (status, parsed body) answers, dropping ignored paths."""
    rules = ignore or IgnoreRules()
    found: Sequence[FieldDiff] = diff_json(left_body, right_body)
    if left_status != right_status:
        found = [FieldDiff("status", left_status, right_status), *found]
    kept = tuple(diff for diff in found if not rules.ignores(diff.path))
    ignored = tuple(sorted({diff.path for diff in found if rules.ignores(diff.path)}))
    return Comparison(kept, ignored)


def parse_body(body: bytes) -> Any:
    """A response body as JSON, or as text when it is not JSON."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return body.decode("utf-8", errors="replace")
