"""Branches a function takes only when a parameter is given: `if users: role.users = users`,
`if owner is not None: ...`. When the parameter defaults to None (or another falsy value) and
a call leaves it out, the branch does not run for that call, so what it touches belongs only
to the callers that pass the parameter (the resolver moves those uses to them). Likewise a
branch taken only for one class of what a parameter holds (`if isinstance(item, Comment):`,
`if item.__class__.__name__ == "Workout" and ...:`) belongs only to the callers that may pass
an instance of it. And what follows `if <param> or ...: return` at the top of the function
runs only for the calls where that parameter is falsy (`serialize(light=True)` returns early).
"""

from __future__ import annotations

import ast

from analyzer.database.names import dotted_name
from analyzer.facts.database import ParamGuard

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _blocks_of(kind: type[ast.AST]) -> tuple[str, ...]:
    """The `_BLOCKS` fields a node type has (most statements have none): worked out once
    per type, not tried on every statement."""
    found = _BLOCKS_BY_TYPE.get(kind)
    if found is None:
        found = _BLOCKS_BY_TYPE[kind] = tuple(b for b in _BLOCKS if b in kind._fields)
    return found


_BLOCKS_BY_TYPE: dict[type[ast.AST], tuple[str, ...]] = {}


def param_guards(node: FunctionNode, params: list[str]) -> tuple[ParamGuard, ...]:
    """The `if <param>:` bodies of the function (not of functions nested in it), for the
    parameters that have a default (the others are always given)."""
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    optional = {a.arg for a in positional[len(positional) - len(arguments.defaults) :]}
    optional |= {
        a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d
    }
    optional &= set(params)
    found: list[ParamGuard] = []
    stack: list[ast.AST] = list(node.body)
    while stack:  # statements only: a guard is an `if` statement
        statement = stack.pop()
        if isinstance(statement, FunctionNode | ast.ClassDef):
            continue
        if isinstance(statement, ast.If) and statement.body:
            last = statement.body[-1]
            first, end = statement.body[0].lineno, last.end_lineno or 0
            for name in _tested_parameters(statement.test, optional):
                found.append(ParamGuard(name, first, end))
            for name, model in _tested_classes(statement.test, set(params)):
                found.append(ParamGuard(name, first, end, model))
        for block in _blocks_of(type(statement)):
            stack.extend(getattr(statement, block))
    return (*found, *_early_returns(node, optional))


def _early_returns(node: FunctionNode, optional: set[str]) -> list[ParamGuard]:
    """`if light or ...: return x` among the function's own statements: what follows it runs
    only when `light` is falsy (`if not p: return`, `if p is None: return`: only when `p` is
    given)."""
    found: list[ParamGuard] = []
    end = node.end_lineno or 0
    for statement in node.body:
        if not (
            isinstance(statement, ast.If)
            and statement.body
            and isinstance(statement.body[-1], ast.Return | ast.Raise)
            and not statement.orelse
        ):
            continue
        first = (statement.end_lineno or 0) + 1
        test = statement.test
        tests = test.values if isinstance(test, ast.BoolOp) and _is_or(test) else [test]
        for tested in tests:
            if isinstance(tested, ast.Name) and tested.id in optional:
                found.append(ParamGuard(tested.id, first, end, falsy=True))
            elif (name := _negated_parameter(tested, optional)) is not None:
                found.append(ParamGuard(name, first, end))
    return found


def _is_or(test: ast.BoolOp) -> bool:
    return isinstance(test.op, ast.Or)


def _negated_parameter(test: ast.expr, params: set[str]) -> str | None:
    """`p` of `not p` or `p is None`."""
    if (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and isinstance(test.operand, ast.Name)
        and test.operand.id in params
    ):
        return test.operand.id
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id in params
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return test.left.id
    return None


def _tested_classes(test: ast.expr, params: set[str]) -> list[tuple[str, str]]:
    """(parameter, class) pairs the test requires: `isinstance(p, C)`,
    `p.__class__.__name__ == "C"`, either in an `and`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [pair for value in test.values for pair in _tested_classes(value, params)]
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "isinstance"
        and len(test.args) == 2
        and isinstance(test.args[0], ast.Name)
        and test.args[0].id in params
    ):
        model = dotted_name(test.args[1])  # a tuple of classes: none known to be required
        return [(test.args[0].id, model)] if model else []
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and isinstance(test.comparators[0].value, str)
        and (name := _class_name_of(test.left)) in params
    ):
        return [(str(name), test.comparators[0].value)]
    return []


def _class_name_of(node: ast.expr) -> str | None:
    """`p` of `p.__class__.__name__`."""
    if isinstance(node, ast.Attribute) and node.attr == "__name__":
        owner = node.value
        if isinstance(owner, ast.Attribute) and owner.attr == "__class__":
            return owner.value.id if isinstance(owner.value, ast.Name) else None
    return None


def _tested_parameters(test: ast.expr, params: set[str]) -> list[str]:
    """Parameters the test requires to be truthy (`p`, `p is not None`, `p and q`)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return [name for value in test.values for name in _tested_parameters(value, params)]
    if isinstance(test, ast.Name) and test.id in params:
        return [test.id]
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id in params
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.IsNot)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return [test.left.id]
    return []
