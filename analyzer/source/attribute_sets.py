"""Where a method sets attributes of its own object (`self.x = value`), for `AttributeSet`s:
at its top level (each statement run once, in order), around its one `yield` (a context
manager written as a generator sets them for the `with` block it wraps), or anywhere else.

Syntactic only: the extractor gives the values, as they are where each statement runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from analyzer.facts.python import AttributePlace

# nodes whose bodies are other scopes: their assignments and yields are not the method's
_OTHER_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def top_level_set(statement: ast.stmt, receiver: str) -> tuple[str, ast.expr] | None:
    """`self.name = value` as a statement of its own with one target: (name, value)."""
    match statement:
        case ast.Assign(targets=[ast.Attribute(value=ast.Name(id=owner), attr=name)], value=value):
            if owner == receiver:
                return name, value
    return None


def saved_attribute(statement: ast.stmt, receiver: str) -> tuple[str, str] | None:
    """`local = self.name`: (local, name)."""
    match statement:
        case ast.Assign(
            targets=[ast.Name(id=local)],
            value=ast.Attribute(value=ast.Name(id=owner), attr=name),
        ) if owner == receiver:
            return local, name
    return None


def yield_index(body: list[ast.stmt]) -> int | None:
    """The position in `body` of the method's one `yield`, a statement of its own there;
    -1 when the method yields otherwise (more than once, inside an expression or a block);
    None when it does not yield."""
    yields = [node for statement in body for node in _own_nodes(statement) if _yields(node)]
    if not yields:
        return None
    if len(yields) == 1:
        for index, statement in enumerate(body):
            if isinstance(statement, ast.Expr) and statement.value is yields[0]:
                return index
    return -1


def nested_sets(body: list[ast.stmt], receiver: str, top: set[int]) -> Iterator[str]:
    """The attributes of `receiver` set (or deleted) anywhere in the method but by the
    top-level statements `top` (ids): in blocks, by augmented, annotated or unpacking
    assignments, as loop or `with` targets."""
    for statement in body:
        if id(statement) in top:
            continue
        for node in _own_nodes(statement):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == receiver
                and isinstance(node.ctx, ast.Store | ast.Del)
            ):
                yield node.attr


def place(index: int, yielded_at: int | None) -> AttributePlace:
    """Where the top-level statement at `index` sets its attribute."""
    if yielded_at is None:
        return "top"
    if yielded_at < 0:
        return "nested"
    return "before-yield" if index < yielded_at else "after-yield"


def _yields(node: ast.AST) -> bool:
    return isinstance(node, ast.Yield | ast.YieldFrom)


def _own_nodes(root: ast.AST) -> Iterator[ast.AST]:
    """`root` and the nodes under it, but not inside nested functions, classes or lambdas."""
    if isinstance(root, _OTHER_SCOPES):
        return
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(
            child for child in ast.iter_child_nodes(node) if not isinstance(child, _OTHER_SCOPES)
        )
