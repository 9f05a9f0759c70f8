"""A function's body as a procedure (`facts/procedures.py`), when it loops and is written only
with statements and expressions a procedure holds; anything else (a `while`, a `try`, a call
statement other than `.append`, a lambda, a slice...) leaves the function without one.

Only the shape is read here: names the function binds become `LoopVar`s, its parameters
`Param`s (or the receiver's `ClassOf`/`SelfOf`), other names `Ref`s looked up in its module.
An `assert` is left out: code past it runs only when it held.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import cast

from analyzer.facts.procedures import AddTo, AppendTo, Assign, Branch, ForEach, ReturnOf, Step
from analyzer.facts.values import (
    CallOf,
    Choice,
    Compare,
    Item,
    Lit,
    LoopVar,
    Negation,
    Pairs,
    Ref,
    Seq,
    Sum,
    Value,
    attribute_of,
)

MAX_NODES = 2_000  # syntax nodes a function written out as a procedure may hold

COMPARISON_OPERATORS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}


class _NotAProcedure(Exception):
    """The body holds something a procedure does not."""


def procedure_of(
    node: ast.FunctionDef | ast.AsyncFunctionDef, given: Mapping[str, Value]
) -> tuple[Step, ...]:
    """`node`'s body as steps (empty when it is not a procedure); `given`: what its parameters
    and receiver denote (`Param`s, `ClassOf`/`SelfOf`)."""
    if isinstance(node, ast.AsyncFunctionDef):
        return ()
    bound = _loop_bound_names(node)
    if bound is None:
        return ()
    if bound & set(given):
        return ()  # a parameter rebound: not worth telling apart from a local
    try:
        return _Writer(given, bound).steps(node.body)
    except _NotAProcedure:
        return ()


def _loop_bound_names(node: ast.FunctionDef) -> set[str] | None:
    """The names assigned anywhere under `node` (`for` targets too), or None when no `for`
    loop is there or it holds more than MAX_NODES syntax nodes (as `ast.walk` counts them:
    contexts and operators too).

    One walk, left as soon as the bound is passed: this runs on every function of every file
    and most have no loop."""
    count = 0
    loops = False
    bound: set[str] = set()
    stack: list[ast.AST] = [node]
    pop, push = stack.pop, stack.append
    while stack:
        inner = pop()
        kind = type(inner)
        if kind is ast.Name:
            count += 2  # the name and its context
            name = cast(ast.Name, inner)  # by exact type, as `kind` is
            if type(name.ctx) is ast.Store:
                bound.add(name.id)
            continue
        count += 1
        if count > MAX_NODES:
            return None
        if kind is ast.For:
            loops = True
        for field_name in inner._fields:
            value = getattr(inner, field_name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        push(item)
            elif isinstance(value, ast.AST):
                push(value)
    return bound if loops and count <= MAX_NODES else None


class _Writer:
    def __init__(self, given: Mapping[str, Value], bound: set[str]) -> None:
        self.given = given
        self.bound = bound

    def steps(self, body: list[ast.stmt]) -> tuple[Step, ...]:
        written: list[Step] = []
        for statement in body:
            step = self.step(statement)
            if step is not None:
                written.append(step)
        return tuple(written)

    def step(self, node: ast.stmt) -> Step | None:
        match node:
            case ast.Expr(value=ast.Constant(value=str())) | ast.Pass() | ast.Assert():
                return None
            case ast.Assign(targets=[target], value=value):
                return Assign(self.target(target), self.value(value))
            case ast.AugAssign(target=ast.Name(id=name), op=ast.Add(), value=value):
                return AddTo(name, self.value(value))
            case ast.Expr(
                value=ast.Call(
                    func=ast.Attribute(value=ast.Name(id=name), attr="append"),
                    args=[argument],
                    keywords=[],
                )
            ) if name in self.bound:
                return AppendTo(name, self.value(argument))
            case ast.For(target=target, iter=iterable, body=body, orelse=[]):
                return ForEach(self.target(target), self.value(iterable), self.steps(body))
            case ast.If(test=test, body=body, orelse=orelse):
                return Branch(self.value(test), self.steps(body), self.steps(orelse))
            case ast.Return(value=value) if value is not None:
                return ReturnOf(self.value(value))
        raise _NotAProcedure

    def target(self, node: ast.expr) -> Value:
        match node:
            case ast.Name(id=name):
                return LoopVar(name)
            case ast.Tuple(elts=elements) | ast.List(elts=elements):
                return Seq(tuple(self.target(element) for element in elements))
        raise _NotAProcedure

    def value(self, node: ast.expr) -> Value:
        match node:
            case ast.Constant(value=None | str() | int() | float() | bool() as constant):
                return Lit(constant)
            case ast.Name(id=name):
                if name in self.bound:
                    return LoopVar(name)
                return self.given.get(name) or Ref(name)
            case ast.Attribute(value=base, attr=attr):
                return attribute_of(self.value(base), attr)
            case ast.Subscript(value=base, slice=key) if not isinstance(key, ast.Slice):
                return Item(self.value(base), self.value(key))
            case ast.Call(func=func, args=args, keywords=keywords) if all(
                not isinstance(a, ast.Starred) for a in args
            ) and all(k.arg is not None for k in keywords):
                return CallOf(
                    self.value(func),
                    tuple(self.value(a) for a in args),
                    tuple((str(k.arg), self.value(k.value)) for k in keywords),
                    node.lineno,
                )
            case ast.List(elts=elements) | ast.Tuple(elts=elements) if all(
                not isinstance(e, ast.Starred) for e in elements
            ):
                return Seq(tuple(self.value(e) for e in elements))
            case ast.Dict(keys=keys, values=values) if all(k is not None for k in keys):
                return Pairs(
                    tuple(
                        (self.value(k), self.value(v))
                        for k, v in zip(keys, values, strict=True)
                        if k is not None
                    )
                )
            case ast.Compare(left=left, ops=[op], comparators=[right]):
                return Compare(self.value(left), COMPARISON_OPERATORS[type(op)], self.value(right))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return Negation(self.value(operand))
            case ast.IfExp(test=test, body=body, orelse=orelse):
                return Choice(self.value(test), self.value(body), self.value(orelse))
            case ast.BinOp(left=left, op=ast.Add(), right=right):
                return Sum(self.value(left), self.value(right))
        raise _NotAProcedure
