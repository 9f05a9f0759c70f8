"""A procedure: the statements of a small function whose body the extractor can write out
whole (assignments, `+=`, `.append`, `for`, `if`, `return`), for the resolver to run on
values known statically (`NodeView.generate_ops()` looping over the class's `operations`).

Names the function binds are `LoopVar`s in the values, its parameters `Param`s.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.facts.values import Value


@dataclass(frozen=True)
class Assign:
    """`target = value`; `target` a `LoopVar`, or a `Seq` of them for tuple unpacking."""

    target: Value
    value: Value


@dataclass(frozen=True)
class AddTo:
    """`name += value`."""

    name: str
    value: Value


@dataclass(frozen=True)
class AppendTo:
    """`name.append(value)`."""

    name: str
    value: Value


@dataclass(frozen=True)
class ForEach:
    """`for target in iterable: body` (no `else`, `break` or `continue`)."""

    target: Value
    iterable: Value
    body: tuple[Step, ...]


@dataclass(frozen=True)
class Branch:
    """`if test: body else: orelse`."""

    test: Value
    body: tuple[Step, ...]
    orelse: tuple[Step, ...] = ()


@dataclass(frozen=True)
class ReturnOf:
    """`return value`."""

    value: Value


Step = Assign | AddTo | AppendTo | ForEach | Branch | ReturnOf
