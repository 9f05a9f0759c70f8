"""What the project's TOML files (routes file, service manifests) share: readable errors."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from typing import Any

_SYNTAX_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class SyntaxProblem:
    """A TOML syntax error as a reason and, when tomllib gives it, a line."""

    reason: str
    line: int | None


def syntax_problem(error: tomllib.TOMLDecodeError) -> SyntaxProblem:
    """`TOML syntax error: <reason> (column C)` at line L, from tomllib's message."""
    message = str(error)
    position = _SYNTAX_POSITION.search(message)
    if position is None:
        return SyntaxProblem(f"TOML syntax error: {message}", None)
    return SyntaxProblem(
        f"TOML syntax error: {message[: position.start()]} (column {position.group(2)})",
        int(position.group(1)),
    )


def unknown_key_reason(key: str, allowed: tuple[str, ...], where: str) -> str:
    """ "unknown key 'x' <where> (did you mean 'y'?); allowed keys: ..."."""
    return f"unknown key {key!r} {where}{did_you_mean(key, allowed)}; allowed keys: " + ", ".join(
        allowed
    )


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def kind(value: Any) -> str:
    """A TOML value's kind as a message says it: "a string", "a table", ..."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "a table"})
    return names.get(type(value), type(value).__name__)
