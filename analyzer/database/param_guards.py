"""Branches a function takes only when a parameter is given: `if users: role.users = users`,
`if owner is not None: ...`. When the parameter defaults to None (or another falsy value) and
a call leaves it out, the branch does not run for that call, so what it touches belongs only
to the callers that pass the parameter (the resolver moves those uses to them).
"""

from __future__ import annotations

import ast

from analyzer.facts.database import ParamGuard

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


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
    if not optional:
        return ()
    found: list[ParamGuard] = []
    stack: list[ast.AST] = list(node.body)
    while stack:  # statements only: a guard is an `if` statement
        statement = stack.pop()
        if isinstance(statement, FunctionNode | ast.ClassDef):
            continue
        if isinstance(statement, ast.If) and statement.body:
            last = statement.body[-1]
            for name in _tested_parameters(statement.test, optional):
                found.append(ParamGuard(name, statement.body[0].lineno, last.end_lineno or 0))
        for block in _BLOCKS:
            stack.extend(getattr(statement, block, ()))
    return tuple(found)


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
