"""Take out of a module what registers routes and blueprints the service does not serve.

- `from M import bp [as x]` where `bp` is a dropped blueprint's object: the name goes, and
  with it `x` from tuple/list displays (a pair holding it, as `(x, "/prefix")`, goes whole),
  dict displays (the entry whose key or value it is) and `....register_blueprint(x, ...)`
  statements;
- functions that are handlers of routes not chosen (decorators and all): at module level,
  or inside a function (a blueprint factory's views) when a decorator registered them and
  nothing else names them; methods stay (their class may serve chosen routes too);
- `....add_url_rule(...)` / `....add_resource(...)` statements on the lines where routes not
  chosen are registered.

What it removed is returned, so the caller can report it and tidy imports afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst
from libcst.metadata import PositionProvider

from extractor.codemods.names import bound_name, dotted, import_target
from extractor.codemods.unused_imports import name_uses

REGISTERING_CALLS = frozenset({"add_url_rule", "add_resource"})


@dataclass(frozen=True)
class DropRequest:
    """What to drop from one module (names as written in the monolith)."""

    module: str
    is_package: bool
    blueprint_objects: Set[tuple[str, str]] = frozenset()  # (module, variable) of dropped bps
    functions: Set[str] = frozenset()  # qualnames of view functions (not methods)
    registration_lines: Set[int] = frozenset()


_Element = TypeVar("_Element", cst.BaseElement, cst.BaseDictElement)


def _end_as_written(original: Sequence[cst.CSTNode], kept: list[_Element]) -> None:
    """No trailing comma after the last element kept unless the display ended with one."""
    last = original[-1] if original else None
    if kept and last is not None and getattr(last, "comma", None) is cst.MaybeSentinel.DEFAULT:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)


@dataclass
class Dropped:
    names: set[str] = field(default_factory=set)  # local names of dropped blueprint objects
    functions: list[str] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)  # lines of removed registrations


class DropRoutes(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, request: DropRequest, module: cst.Module) -> None:
        super().__init__()
        self.request = request
        self.dropped = Dropped()
        self._scopes: list[tuple[str, str]] = []  # enclosing (name, "function" | "class")
        self._uses = name_uses(module)

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        if isinstance(updated.names, cst.ImportStar):
            return updated
        source = import_target(original, self.request.module, self.request.is_package)
        kept = []
        for alias in updated.names:
            imported = dotted(alias.name)
            if (source, imported) in self.request.blueprint_objects:
                self.dropped.names.add(bound_name(alias) or imported or "")
            else:
                kept.append(alias)
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        if updated.lpar is None:  # `from m import a,` would not parse
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)

    def leave_Tuple(self, original: cst.Tuple, updated: cst.Tuple) -> cst.BaseExpression:
        elements = self._without_dropped(original.elements, updated.elements)
        if len(elements) == len(updated.elements):
            return updated
        _end_as_written(original.elements, elements)
        if len(elements) == 1:  # `(a,)`: the comma makes it a tuple
            elements[0] = elements[0].with_changes(comma=cst.Comma())
        parens = updated.lpar or [cst.LeftParen()]
        closing = updated.rpar or [cst.RightParen()]
        return updated.with_changes(elements=elements, lpar=parens, rpar=closing)

    def leave_List(self, original: cst.List, updated: cst.List) -> cst.BaseExpression:
        elements = self._without_dropped(original.elements, updated.elements)
        _end_as_written(original.elements, elements)
        return updated.with_changes(elements=elements)

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        kept = [
            new
            for old, new in zip(original.elements, updated.elements, strict=True)
            if not (
                isinstance(old, cst.DictElement)
                and (self._is_dropped(old.key) or self._is_dropped(old.value))
            )
        ]
        _end_as_written(original.elements, kept)
        return updated.with_changes(elements=kept)

    def _without_dropped(
        self, original: Sequence[cst.BaseElement], updated: Sequence[cst.BaseElement]
    ) -> list[cst.BaseElement]:
        """`updated`'s elements but those that were (or held, as a pair does) a dropped name;
        judged on `original`, as an inner display has already lost the name."""
        return [
            new
            for old, new in zip(original, updated, strict=True)
            if not (self._is_dropped(old.value) or self._holds_dropped(old.value))
        ]

    def _is_dropped(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value in self.dropped.names

    def _holds_dropped(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Tuple | cst.List) and any(
            self._is_dropped(element.value) for element in node.elements
        )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append((node.name.value, "function"))

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        qualname = self._qualname()
        self._scopes.pop()
        in_class = bool(self._scopes) and self._scopes[-1][1] == "class"
        if in_class or qualname not in self.request.functions:
            return updated
        nested = bool(self._scopes)
        if nested and not (original.decorators and self._uses[original.name.value] == 1):
            # a view defined in a function (a blueprint factory's) goes only when a decorator
            # registered it and nothing else in the module names it
            return updated
        self.dropped.functions.append(qualname)
        return cst.RemoveFromParent()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append((node.name.value, "class"))

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._scopes.pop()
        return updated

    def _qualname(self) -> str:
        """The `__qualname__` of the innermost function or class being visited."""
        parts = []
        for index, (name, kind) in enumerate(self._scopes):
            parts.append(name)
            if kind == "function" and index < len(self._scopes) - 1:
                parts.append("<locals>")
        return ".".join(parts)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.Expr):
            return updated
        call = updated.body[0].value
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return updated
        method = call.func.attr.value
        line = self.get_metadata(PositionProvider, original).start.line
        first = call.args[0].value if call.args else None
        registers_dropped = (
            method == "register_blueprint"
            and isinstance(first, cst.Name)
            and first.value in self.dropped.names
        )
        if registers_dropped or (
            method in REGISTERING_CALLS and line in self.request.registration_lines
        ):
            self.dropped.statements.append(line)
            return cst.RemoveFromParent()
        return updated


def drop_routes(source: str, request: DropRequest) -> tuple[str, Dropped]:
    """`source` without what `request` names, and what was taken out."""
    wrapper = cst.MetadataWrapper(cst.parse_module(source))
    transformer = DropRoutes(request, wrapper.module)
    return wrapper.visit(transformer).code, transformer.dropped
