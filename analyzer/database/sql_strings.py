"""Rebuild the SQL text an expression evaluates to, with run-time parts left as holes.

Follows literals, f-strings, `+`, `%` and `.format()` building, names bound in the function
(assignments and `+=`, in source order, before the use), enclosing functions, module constants,
class constants (`self.X`, `cls.X`, `Cls.X`), constant dict lookups (`QUERIES["k"]`), both arms of
`a if c else b`, and, for module/class constants only, wrappers like `text("...")`. A name that
comes from an import (or is not bound in the module at all) is returned as a reference instead.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from itertools import product

from analyzer.database.names import callee_name, dotted_name
from analyzer.database.sql_text import DYNAMIC_MARK
from analyzer.syntax.scopes import Binding, ModuleScopes, Scope

_MAX_VARIANTS = 16
_MAX_DEPTH = 12
_MAX_STEPS = 2000  # expressions one question may visit: a name bound many times over, each
# binding naming it again (`q = q + q` on every line), would branch without bound otherwise
_PERCENT_DIRECTIVE = re.compile(r"%%|%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
WRAPPERS = frozenset({"text", "SQL", "literal_column"})
_BUILTINS = frozenset(dir(builtins))

Part = str | None  # None: a value only known at run time


@dataclass(frozen=True)
class SqlText:
    """One possible text: literal parts and run-time holes."""

    parts: tuple[Part, ...]

    @property
    def dynamic(self) -> bool:
        return None in self.parts

    def render(self, *, as_condition: bool = False) -> str:
        """The text with each hole replaced by an identifier (or `x = x`, which fits SET/WHERE)."""
        rendered: list[str] = []
        for index, part in enumerate(self.parts):
            if part is None:
                hole = f"{DYNAMIC_MARK}{index}"
                rendered.append(f"{hole} = {hole}" if as_condition else hole)
            else:
                rendered.append(part)
        return "".join(rendered)


@dataclass
class Resolved:
    """What an expression may evaluate to: texts, unresolved imported names, and the
    parameters of the function whose values become part of the text."""

    texts: list[SqlText] = field(default_factory=list)
    name_refs: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)


class SqlTextResolver:
    """Resolves expressions inside the scopes of one module."""

    def __init__(self, scopes: ModuleScopes) -> None:
        self.scopes = scopes
        self._steps = 0  # expressions visited for the question being answered

    def resolve(self, node: ast.expr, scope: Scope) -> Resolved:
        result = Resolved()
        self._steps = 0
        result.texts = self._texts(node, scope, node.lineno, result, 0)
        return result

    def resolve_name(self, name: str, scope: Scope) -> list[SqlText]:
        """Every text `name` may hold in `scope` (all its bindings, wherever used)."""
        self._steps = 0
        return self._versions(scope.bindings.get(name, []), scope, Resolved(), 0)

    def static_text(self, node: ast.expr, scope: Scope, line: int, depth: int) -> str | None:
        """The single constant string `node` stands for, or None."""
        if depth == 0:  # a question of its own, not a part of another
            self._steps = 0
        texts = self._texts(node, scope, line, Resolved(), depth + 1)
        if len(texts) == 1 and not texts[0].dynamic:
            return "".join(part or "" for part in texts[0].parts)
        return None

    def _texts(
        self, node: ast.expr, scope: Scope, line: int, out: Resolved, depth: int
    ) -> list[SqlText]:
        self._steps += 1
        if depth > _MAX_DEPTH or self._steps > _MAX_STEPS:
            return []
        if isinstance(node, ast.Constant):
            return [SqlText((node.value,))] if isinstance(node.value, str) else []
        if isinstance(node, ast.JoinedStr):
            return [SqlText(tuple(self._fstring_parts(node, scope, line, out, depth)))]
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope, line, out, depth)
        if isinstance(node, ast.IfExp):
            branches = (node.body, node.orelse)
            return [t for b in branches for t in self._texts(b, scope, line, out, depth + 1)]
        if isinstance(node, ast.Call):
            return self._call(node, scope, line, out, depth)
        if isinstance(node, ast.Name):
            return self._name(node.id, scope, line, out, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, out, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, line, out, depth)
        return []

    def _fstring_parts(
        self, node: ast.JoinedStr, scope: Scope, line: int, out: Resolved, depth: int
    ) -> list[Part]:
        parts: list[Part] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                inner: list[SqlText] = []
                if value.format_spec is None and value.conversion == -1:
                    hole = Resolved()  # names inside a hole are values, not SQL to look up
                    inner = self._texts(value.value, scope, line, hole, depth + 1)
                    out.params.extend(hole.params)
                parts.extend(inner[0].parts if len(inner) == 1 else (None,))
        return parts

    def _binop(
        self, node: ast.BinOp, scope: Scope, line: int, out: Resolved, depth: int
    ) -> list[SqlText]:
        if isinstance(node.op, ast.Add):
            lefts = self._texts(node.left, scope, line, out, depth + 1)
            rights = self._texts(node.right, scope, line, out, depth + 1)
            if not lefts and not rights:
                return []
            lefts = lefts or [SqlText((None,))]
            rights = rights or [SqlText((None,))]
            combined = [SqlText(a.parts + b.parts) for a, b in product(lefts, rights)]
            return combined[:_MAX_VARIANTS]
        if isinstance(node.op, ast.Mod):
            templates = self._texts(node.left, scope, line, out, depth + 1)
            return [_fill_percent(template) for template in templates]
        return []

    def _call(
        self, node: ast.Call, scope: Scope, line: int, out: Resolved, depth: int
    ) -> list[SqlText]:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            templates = self._texts(func.value, scope, line, out, depth + 1)
            return [self._fill_format(t, node, scope, line, depth) for t in templates]
        if isinstance(func, ast.Attribute) and func.attr == "join" and node.args:
            return self._join(func.value, node.args[0], scope, line, depth)
        if callee_name(node) in WRAPPERS and node.args and scope is self.scopes.module:
            return self._texts(node.args[0], scope, line, out, depth + 1)
        return []

    def _join(
        self, separator: ast.expr, items: ast.expr, scope: Scope, line: int, depth: int
    ) -> list[SqlText]:
        sep = self.static_text(separator, scope, line, depth)
        if sep is None or not isinstance(items, ast.List | ast.Tuple):
            return []
        pieces = [self.static_text(item, scope, line, depth) for item in items.elts]
        parts: list[Part] = []
        for index, piece in enumerate(pieces):
            if index:
                parts.append(sep)
            parts.append(piece)
        return [SqlText(tuple(parts))]

    def _fill_format(
        self, template: SqlText, call: ast.Call, scope: Scope, line: int, depth: int
    ) -> SqlText:
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        parts: list[Part] = []
        auto_index = 0
        for part in template.parts:
            if part is None:
                parts.append(None)
                continue
            position = 0
            for match in _FORMAT_FIELD.finditer(part):
                parts.append(part[position : match.start()])
                position = match.end()
                if match.group(1) is None:
                    parts.append(match.group(0)[0])
                    continue
                field_name = match.group(1).split("!")[0].split(":")[0]
                argument: ast.expr | None
                if field_name == "":
                    argument = call.args[auto_index] if auto_index < len(call.args) else None
                    auto_index += 1
                elif field_name.isdigit():
                    index = int(field_name)
                    argument = call.args[index] if index < len(call.args) else None
                else:
                    argument = keywords.get(field_name)
                static = None
                if argument is not None:
                    static = self.static_text(argument, scope, line, depth)
                parts.append(static)
            parts.append(part[position:])
        return SqlText(tuple(parts))

    def _name(self, name: str, scope: Scope, line: int, out: Resolved, depth: int) -> list[SqlText]:
        current: Scope | None = scope
        while current is not None:
            bindings = current.bindings.get(name)
            if current is self.scopes.module:
                if bindings:
                    if name in self.scopes.imported:
                        out.name_refs.append(name)
                        return []
                    return self._versions(bindings, current, out, depth)
                break
            before = bindings or []
            if current is scope:
                before = [b for b in before if b.line < line]
            if before or (bindings and name not in current.params):
                return self._versions(before, current, out, depth)
            if name in current.params:
                if current is scope:
                    out.params.append(name)
                return []
            current = current.enclosing
        if name not in _BUILTINS:
            out.name_refs.append(name)
        return []

    def _versions(
        self, bindings: list[Binding], scope: Scope, out: Resolved, depth: int
    ) -> list[SqlText]:
        """Each plain assignment starts a version; each `+=` extends every version so far."""
        versions: list[SqlText] = []
        for binding in bindings:
            if binding.value is None:
                if not binding.augmented:
                    continue
                versions = [SqlText((*v.parts, None)) for v in versions]
                continue
            texts = self._texts(binding.value, scope, binding.line, out, depth + 1)
            if binding.augmented:
                texts = texts or [SqlText((None,))]
                versions = [SqlText(v.parts + t.parts) for v in versions for t in texts]
            else:
                versions.extend(texts)
            versions = versions[:_MAX_VARIANTS]
        return versions

    def _attribute(
        self, node: ast.Attribute, scope: Scope, out: Resolved, depth: int
    ) -> list[SqlText]:
        owner = dotted_name(node.value)
        if owner is None:
            return []
        class_qualname: str | None = None
        if owner in ("self", "cls"):
            class_qualname = scope.class_qualname
        elif owner in self.scopes.classes:
            class_qualname = owner
        if class_qualname is not None:
            value = self.scopes.class_constants.get(class_qualname, {}).get(node.attr)
            if value is None:
                return []
            module = self.scopes.module
            return self._texts(value, module, value.lineno, out, depth + 1)
        root = owner.split(".")[0]
        bound = scope.lookup(root) is not None or root in _BUILTINS
        if root in self.scopes.imported or not bound:
            out.name_refs.append(f"{owner}.{node.attr}")
        return []

    def _subscript(
        self, node: ast.Subscript, scope: Scope, line: int, out: Resolved, depth: int
    ) -> list[SqlText]:
        key = node.slice
        if not (isinstance(node.value, ast.Name) and isinstance(key, ast.Constant)):
            return []
        bindings = self.scopes.module.bindings.get(node.value.id, [])
        for binding in bindings:
            if isinstance(binding.value, ast.Dict):
                for dict_key, value in zip(binding.value.keys, binding.value.values, strict=True):
                    if isinstance(dict_key, ast.Constant) and dict_key.value == key.value:
                        return self._texts(value, self.scopes.module, line, out, depth + 1)
        return []


def _fill_percent(template: SqlText) -> SqlText:
    """`"... %s ..." % x`: each directive becomes a hole, `%%` a literal percent."""
    parts: list[Part] = []
    for part in template.parts:
        if part is None:
            parts.append(None)
            continue
        position = 0
        for match in _PERCENT_DIRECTIVE.finditer(part):
            parts.append(part[position : match.start()])
            parts.append("%" if match.group(0) == "%%" else None)
            position = match.end()
        parts.append(part[position:])
    return SqlText(tuple(parts))
