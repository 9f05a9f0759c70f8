"""Attributes of an instance read by names taken from its ORM mapper: the `to_dict`/`serialize`
idioms of mixins and models, which read every relationship of whatever model they run on.

    for attr in inspect(self).all_orm_descriptors.keys():   # or .attrs, .mapper.relationships,
        data[attr] = getattr(self, attr)                      # self.__mapper__.relationships ...
    for rel in self.__mapper__.relationships:
        data[rel.key] = getattr(self, rel.key)

A name list of the mapper's descriptors, attributes or relationships holds every relationship
(reading them loads their tables); one of its columns (`self.__table__.columns`,
`mapper.column_attrs`) holds none, nor does one filtered by a condition (which relationships
pass it is not known). The names may be computed elsewhere in the function or by a method of
the same class called on the receiver (`names = self._serializable_attrs()`, a tuple unpacked,
`tuple(...)`, a cache), and chosen by a conditional expression on a parameter (`attrs = all_attrs
if relations else plain_attrs`): then the read runs only when the parameter is truthy (or
falsy), a guard the resolver checks per call (`serialize(relations=True)`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from analyzer.database.names import callee_name, dotted_name

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# a mapper's (or `inspect(instance)`'s) attributes listing every relationship with the columns
_EVERY_ATTRIBUTE = frozenset(
    {"all_orm_descriptors", "attrs", "relationships", "iterate_properties"}
)
_MAPPERS = frozenset({"inspect", "class_mapper", "object_mapper"})  # called on the class/instance
_SQLALCHEMY = frozenset({"sa", "sqlalchemy", "orm"})  # `sa.inspect(...)`, `orm.class_mapper(...)`
_WRAPPERS = frozenset({"tuple", "list", "sorted", "set", "frozenset", "iter"})
_VIEWS = frozenset({"keys", "values", "items"})
_MAX_DEPTH = 8
_N = TypeVar("_N", bound=ast.AST)

# (parameter, falsy): the names hold every relationship only when the function's parameter is
# truthy (falsy False) or falsy (True)
Requirement = tuple[str, bool]


@dataclass(frozen=True)
class _Every:
    """Names of every relationship of the mapped class, when the requirements hold."""

    when: tuple[Requirement, ...] = ()


@dataclass(frozen=True)
class _Items:
    """A tuple whose items are name lists (or not)."""

    items: tuple[_Every | None, ...]


_Names = _Every | _Items | None


@dataclass(frozen=True)
class MapperRead:
    """`getattr(self, name)` over the names of every relationship: at `line`, when `when` holds."""

    line: int
    when: tuple[Requirement, ...] = ()


def mapper_reads(
    node: FunctionNode, receiver: str | None, method: Callable[[str], FunctionNode | None]
) -> list[MapperRead]:
    """The reads of every relationship of the instance method `node` runs on (`receiver` is
    its first parameter); `method(name)` is the node of another method of its class."""
    if receiver is None:
        return []
    names = _FunctionNames(node, method, receiver, frozenset(_parameters(node)), 0)
    found: list[MapperRead] = []
    for call, iterable in _ReceiverGetattrs(receiver).of(node):
        if isinstance(value := names.of(iterable), _Every):
            found.append(MapperRead(call.lineno, value.when))
    return found


class _ReceiverGetattrs:
    """`getattr(<receiver>, name)` calls whose name is a loop's (`for attr in names`, `for rel
    in relationships: ... rel.key`), with the iterable that loop runs over."""

    def __init__(self, receiver: str) -> None:
        self.receiver = receiver
        self.found: list[tuple[ast.Call, ast.expr]] = []

    def of(self, node: FunctionNode) -> list[tuple[ast.Call, ast.expr]]:
        for statement in node.body:
            self._visit(statement, {})
        return self.found

    def _visit(self, node: ast.AST, bound: dict[str, ast.expr]) -> None:
        if isinstance(node, FunctionNode | ast.ClassDef | ast.Lambda):
            return
        if isinstance(node, ast.For | ast.AsyncFor):
            self._visit(node.iter, bound)
            inner = {**bound, **_loop_names(node.target, node.iter)}
            for statement in node.body:
                self._visit(statement, inner)
            for statement in node.orelse:
                self._visit(statement, bound)
            return
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = dict(bound)
            for generator in node.generators:
                self._visit(generator.iter, inner)
                inner = {**inner, **_loop_names(generator.target, generator.iter)}
                for condition in generator.ifs:
                    self._visit(condition, inner)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                self._visit(part, inner)
            return
        if (
            isinstance(node, ast.Call)
            and _is_name(node.func, "getattr")
            and len(node.args) >= 2
            and _is_name(node.args[0], self.receiver)
            and (name := _name_of(node.args[1])) in bound
        ):
            self.found.append((node, bound[name]))
        for child in ast.iter_child_nodes(node):
            self._visit(child, bound)


def _loop_names(target: ast.expr, iterable: ast.expr) -> dict[str, ast.expr]:
    """The names a loop binds (`attr`, `name, prop` of `.items()`), each to what it runs over."""
    targets = target.elts if isinstance(target, ast.Tuple) else [target]
    return {t.id: iterable for t in targets if isinstance(t, ast.Name)}


def _name_of(node: ast.expr) -> str | None:
    """The variable a name read through `getattr` is (`attr`), or the listed object whose
    name it is (`rel` of `rel.key`)."""
    if isinstance(node, ast.Attribute) and node.attr in ("key", "name"):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _FunctionNames:
    """What the name lists of one function hold (see the module docstring)."""

    def __init__(
        self,
        node: FunctionNode,
        method: Callable[[str], FunctionNode | None],
        receiver: str,
        params: frozenset[str],
        depth: int,
    ) -> None:
        self.node = node
        self.method = method
        self.receiver = receiver
        self.params = params  # parameters whose tests become requirements (the reader's own)
        self.depth = depth
        self.assigned: dict[str, list[tuple[ast.expr, int | None]]] = {}
        for statement in _own_nodes(node, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self.assigned.setdefault(target.id, []).append((statement.value, None))
                elif isinstance(target, ast.Tuple | ast.List):
                    for index, element in enumerate(target.elts):
                        if isinstance(element, ast.Name):
                            self.assigned.setdefault(element.id, []).append(
                                (statement.value, index)
                            )
        self.seen: set[str] = set()

    def of(self, node: ast.expr) -> _Names:
        """What the value `node` holds."""
        if isinstance(node, ast.Name):
            return self._variable(node.id)
        if isinstance(node, ast.Tuple | ast.List):
            return _Items(tuple(_listed(self.of(element)) for element in node.elts))
        if isinstance(node, ast.IfExp):
            return self._chosen(node)
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self._comprehended(node)
        if isinstance(node, ast.Attribute):
            return _Every() if self._mapper_listing(node) else None
        if isinstance(node, ast.Call):
            return self._called(node)
        return None

    def _variable(self, name: str) -> _Names:
        if name in self.seen:
            return None
        self.seen.add(name)
        found: list[_Names] = []
        for value, index in self.assigned.get(name, []):
            held = self.of(value)
            if index is None:
                found.append(held)
            elif isinstance(held, _Items) and index < len(held.items):
                found.append(held.items[index])
        self.seen.discard(name)
        return _merged(found)

    def _chosen(self, node: ast.IfExp) -> _Names:
        """`a if p else b`: a's names when `p` is truthy, b's when it is falsy."""
        tested = _tested_parameter(node.test, self.params)
        body, orelse = self.of(node.body), self.of(node.orelse)
        if isinstance(body, _Every) and tested is not None:
            body = _Every((*body.when, (tested[0], tested[1])))
        if isinstance(orelse, _Every) and tested is not None:
            orelse = _Every((*orelse.when, (tested[0], not tested[1])))
        return _merged([body, orelse])

    def _comprehended(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> _Names:
        """`[a for a in names]` keeps the names; with an `if`, which pass is not known."""
        if len(node.generators) != 1 or node.generators[0].ifs:
            return None
        generator = node.generators[0]
        name = _name_of(node.elt)
        return self.of(generator.iter) if name and _is_name(generator.target, name) else None

    def _called(self, call: ast.Call) -> _Names:
        func = call.func
        if isinstance(func, ast.Name) and func.id in _WRAPPERS and call.args:
            return self.of(call.args[0])
        if isinstance(func, ast.Attribute) and func.attr in _VIEWS and not call.args:
            return self.of(func.value)  # `descriptors.keys()`
        if isinstance(func, ast.Attribute) and _is_name(func.value, self.receiver):
            return self._returned_by(func.attr)  # `self._serializable_attrs()`
        return None

    def _returned_by(self, name: str) -> _Names:
        """What another method of the class, called on the receiver, returns (its parameters'
        tests are not this function's: they require nothing here)."""
        node = self.method(name)
        if node is None or self.depth >= _MAX_DEPTH or node is self.node:
            return None
        arguments = node.args.posonlyargs + node.args.args
        receiver = arguments[0].arg if arguments else self.receiver
        inner = _FunctionNames(node, self.method, receiver, frozenset(), self.depth + 1)
        return _merged([inner.of(value) for value in _own_returns(node)])

    def _mapper_listing(self, node: ast.Attribute) -> bool:
        """`<mapper>.all_orm_descriptors`, `.attrs`, `.relationships` of the receiver's class."""
        return node.attr in _EVERY_ATTRIBUTE and self._mapper(node.value)

    def _mapper(self, node: ast.expr) -> bool:
        """The receiver's mapper: `inspect(self)` (its `.mapper`), `inspect(cls)`,
        `self.__mapper__`, `class_mapper(type(self))`..."""
        if isinstance(node, ast.Attribute) and node.attr == "mapper":
            node = node.value
        if isinstance(node, ast.Attribute) and node.attr == "__mapper__":
            return self._receiver_or_class(node.value)
        if isinstance(node, ast.Call) and callee_name(node) in _MAPPERS and len(node.args) == 1:
            called = dotted_name(node.func) or ""
            sqlalchemy = "." not in called or called.split(".")[0] in _SQLALCHEMY
            return sqlalchemy and self._receiver_or_class(node.args[0])
        return False

    def _receiver_or_class(self, node: ast.expr) -> bool:
        """`self`/`cls`, `type(self)`, `self.__class__`."""
        if isinstance(node, ast.Attribute) and node.attr == "__class__":
            node = node.value
        if isinstance(node, ast.Call) and _is_name(node.func, "type") and len(node.args) == 1:
            node = node.args[0]
        return _is_name(node, self.receiver)


def _merged(found: list[_Names]) -> _Names:
    """One of several values: the names of every relationship if any may hold them (under the
    requirements of the first that does), else the first tuple."""
    every = [value for value in found if isinstance(value, _Every)]
    if every:
        unconditional = [value for value in every if not value.when]
        return unconditional[0] if unconditional else every[0]
    return next((value for value in found if isinstance(value, _Items)), None)


def _listed(value: _Names) -> _Every | None:
    return value if isinstance(value, _Every) else None


def _tested_parameter(test: ast.expr, params: frozenset[str]) -> tuple[str, bool] | None:
    """(p, False) for a test of `p`, (p, True) for `not p`: the body runs when p is truthy
    (falsy)."""
    if isinstance(test, ast.Name) and test.id in params:
        return test.id, False
    if (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and isinstance(test.operand, ast.Name)
        and test.operand.id in params
    ):
        return test.operand.id, True
    return None


def _parameters(node: FunctionNode) -> list[str]:
    arguments = node.args
    return [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]


def _own_returns(node: FunctionNode) -> list[ast.expr]:
    return [r.value for r in _own_nodes(node, ast.Return) if r.value is not None]


def _own_nodes(node: FunctionNode, kind: type[_N]) -> list[_N]:
    """The nodes of `kind` in the function's body, not in functions or classes nested in it."""
    found: list[_N] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, FunctionNode | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(current, kind):
            found.append(current)
        stack.extend(ast.iter_child_nodes(current))
    return found


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name
