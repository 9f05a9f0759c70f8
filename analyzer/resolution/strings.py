"""Strings built from constants of the analyzed code, computed safely (pure).

Rules, prefixes and endpoint names are often built with `+`, f-strings, `str.format` or a
str method, and the analyzer computes them. The code is untrusted: a format field may ask
for an attribute or a width of a billion characters, a chain of `replace` calls may grow a
string without bound. Each helper gives None (the value stays unknown) for whatever could
fail, reach into an object, or build a string longer than `LONGEST_STRING`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from re import _constants as sre  # type: ignore[attr-defined]  # the parser's opcodes
from re import _parser as sre_parse  # type: ignore[attr-defined]  # no public parse tree
from typing import Any

from analyzer.facts.values import LiteralValue

LONGEST_STRING = 10_000  # far longer than any rule, prefix or name; shorter than any harm
# `re.sub` is applied to strings known statically only within these sizes
LONGEST_PATTERN = 200
LONGEST_SUBSTITUTED = 2000
_REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
_SPEC_NUMBER = re.compile(r"[0-9]+")  # a width or a precision in a format spec
_FORMATTER = string.Formatter()


def joined_text(pieces: Sequence[str], separator: str = "") -> str | None:
    """`separator.join(pieces)`, unless the result would be too long."""
    length = sum(len(piece) for piece in pieces) + len(separator) * max(0, len(pieces) - 1)
    return None if length > LONGEST_STRING else separator.join(pieces)


def formatted_text(
    template: str, args: Sequence[LiteralValue], kwargs: Mapping[str, LiteralValue]
) -> str | None:
    """`template.format(*args, **kwargs)` when every field names an argument plainly (no
    attribute or index lookups) with a short spec, and the call would not fail."""
    try:
        fields = list(_FORMATTER.parse(template))
    except ValueError:
        return None
    for _, name, spec, _ in fields:
        if name is None:
            continue
        if not (name == "" or name.isdigit() or name.isidentifier()):
            return None
        if spec and not _short_spec(spec):
            return None
    try:
        text = template.format(*args, **kwargs)
    except (IndexError, KeyError, ValueError, TypeError):
        return None
    return text if len(text) <= LONGEST_STRING else None


def _short_spec(spec: str) -> bool:
    """A format spec without nested fields whose width and precision are short."""
    return "{" not in spec and all(len(n) <= 3 for n in _SPEC_NUMBER.findall(spec))


def method_result(
    text: str, method: str, args: Sequence[LiteralValue]
) -> LiteralValue | tuple[str, ...]:
    """`text.<method>(*args)` for a str method that gives a string, a bool or pieces of the
    string (`partition`, `split`: a tuple), unless it fails (arguments of the wrong type
    included) or would build too long a string."""
    if method == "replace" and len(args) >= 2 and _replaced_length(text, args) > LONGEST_STRING:
        return None
    try:
        result = getattr(text, method)(*args)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(result, list | tuple):
        return tuple(result)
    if isinstance(result, str) and len(result) > LONGEST_STRING:
        return None
    return result if isinstance(result, str | bool) else None


def _replaced_length(text: str, args: Sequence[LiteralValue]) -> int:
    """The most `text.replace(old, new)` can give (`count` ignored: the bound holds)."""
    old, new = str(args[0]), str(args[1])
    occurrences = text.count(old) if old else len(text) + 1
    return len(text) + occurrences * max(0, len(new) - len(old))


def substituted_text(pattern: str, replacement: str, text: str) -> str | None:
    """`re.sub(pattern, replacement, text)` on short strings, for a pattern that cannot
    backtrack without bound (no repeat inside a repeat, no alternatives under a repeat);
    None when it is not such a pattern or the call would fail."""
    if len(pattern) > LONGEST_PATTERN or len(text) > LONGEST_SUBSTITUTED:
        return None
    try:
        if not _linear(sre_parse.parse(pattern), under_repeat=False):
            return None
        result = re.sub(pattern, replacement, text)
    except (re.error, IndexError, RecursionError):
        return None
    return result if len(result) <= LONGEST_STRING else None


def _linear(parsed: Any, *, under_repeat: bool) -> bool:
    """No repeat or alternation below a repeat in the parsed pattern."""
    for op, argument in parsed:
        if op in _REPEATS:
            if under_repeat:
                return False
            if not _linear(argument[2], under_repeat=True):
                return False
        elif op is sre.BRANCH:
            if under_repeat or not all(_linear(b, under_repeat=False) for b in argument[1]):
                return False
        elif op is sre.SUBPATTERN:
            if not _linear(argument[3], under_repeat=under_repeat):
                return False
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            if not _linear(argument[1], under_repeat=under_repeat):
                return False
        elif op is sre.GROUPREF_EXISTS:
            return False
    return True
