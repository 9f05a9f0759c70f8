"""One pass over a module's ast that groups what database extraction needs by function.

Qualified names follow Python's `__qualname__`: "f", "Cls.method", "f.<locals>.g",
"f.<locals>.Cls.method"; module-level code belongs to the scope "<module>", a class body to
the scope around the class. Lambdas and comprehensions belong to the function they are in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

MODULE_QUALNAME = "<module>"


@dataclass(frozen=True)
class Binding:
    """`name = value` (value None when it cannot be followed), `name += value` when augmented."""

    line: int
    value: ast.expr | None
    augmented: bool = False


@dataclass
class Scope:
    """A function (or the module) with the nodes found directly in its body."""

    qualname: str
    enclosing: Scope | None = None
    class_qualname: str | None = None  # the class a method belongs to (for self.X / cls.X)
    params: list[str] = field(default_factory=list)  # in order, self/cls included
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    loops: list[tuple[ast.expr, ast.expr]] = field(default_factory=list)  # (target, iterable)
    calls: list[ast.Call] = field(default_factory=list)
    attribute_stores: list[ast.Attribute] = field(default_factory=list)
    attribute_loads: list[ast.Attribute] = field(default_factory=list)
    returns: list[ast.expr] = field(default_factory=list)  # values of `return` statements

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass
class ModuleScopes:
    """The module scope, every function scope, and the module-wide names they resolve against."""

    module: Scope
    functions: list[Scope]
    imported: set[str]  # names bound by import statements at module level
    classes: dict[str, ast.ClassDef]  # module-level classes by name
    class_constants: dict[str, dict[str, ast.expr]]  # class qualname -> attribute -> value

    def all_scopes(self) -> Iterator[Scope]:
        yield self.module
        yield from self.functions


def collect_scopes(tree: ast.Module) -> ModuleScopes:
    """Walk `tree` once and return its scopes."""
    collector = _Collector()
    collector.walk_body(tree.body, collector.module)
    return ModuleScopes(
        module=collector.module,
        functions=collector.functions,
        imported=collector.imported,
        classes=collector.classes,
        class_constants=collector.class_constants,
    )


class _Collector:
    def __init__(self) -> None:
        self.module = Scope(MODULE_QUALNAME)
        self.functions: list[Scope] = []
        self.imported: set[str] = set()
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_constants: dict[str, dict[str, ast.expr]] = {}

    def walk_body(
        self, body: list[ast.stmt], scope: Scope, prefix: str = "", class_q: str | None = None
    ) -> None:
        stack: list[ast.AST] = list(reversed(body))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._function(node, scope, prefix, class_q)
                continue
            if isinstance(node, ast.ClassDef):
                self._class(node, scope, prefix)
                continue
            self._record(node, scope)
            stack.extend(reversed(_children(node)))

    def _function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        scope: Scope,
        prefix: str,
        class_q: str | None,
    ) -> None:
        for outer in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if outer is not None:
                self.walk_body([ast.Expr(outer)], scope, prefix, class_q)
        scope.bind(node.name, Binding(node.lineno, None))
        qualname = f"{prefix}{node.name}"
        inner = Scope(qualname, enclosing=scope, class_qualname=class_q)
        arguments = node.args
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            inner.params.append(arg.arg)
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                inner.params.append(extra.arg)
        self.functions.append(inner)
        self.walk_body(node.body, inner, f"{qualname}.<locals>.")

    def _class(self, node: ast.ClassDef, scope: Scope, prefix: str) -> None:
        for outer in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.walk_body([ast.Expr(outer)], scope, prefix)
        scope.bind(node.name, Binding(node.lineno, None))
        if scope is self.module:
            self.classes[node.name] = node
        qualname = f"{prefix}{node.name}"
        constants = self.class_constants.setdefault(qualname, {})
        for statement in node.body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        constants[target.id] = statement.value
            elif (
                isinstance(statement, ast.AnnAssign)
                and statement.value is not None
                and isinstance(statement.target, ast.Name)
            ):
                constants[statement.target.id] = statement.value
        class_body = [s for s in node.body if not isinstance(s, ast.Assign | ast.AnnAssign)]
        self.walk_body(class_body, scope, f"{qualname}.", class_q=qualname)
        for statement in node.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                self.walk_body([ast.Expr(statement.value)], scope, prefix)

    def _record(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Call):
            scope.calls.append(node)
        elif isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Store):
                scope.attribute_stores.append(node)
            else:
                scope.attribute_loads.append(node)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                _bind_target(scope, target, node.value, node.lineno)
        elif isinstance(node, ast.AnnAssign):
            _bind_target(scope, node.target, node.value, node.lineno)
        elif isinstance(node, ast.Return) and node.value is not None:
            scope.returns.append(node.value)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                value = node.value if isinstance(node.op, ast.Add) else None
                scope.bind(node.target.id, Binding(node.lineno, value, augmented=True))
        elif isinstance(node, ast.NamedExpr):
            _bind_target(scope, node.target, node.value, node.lineno)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            scope.loops.append((node.target, node.iter))
            _bind_target(scope, node.target, None, getattr(node, "lineno", 0))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _bind_target(scope, node.optional_vars, None, node.context_expr.lineno)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, Binding(node.lineno, None))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                scope.bind(name, Binding(node.lineno, None))
                if scope is self.module:
                    self.imported.add(name)


_LEAVES = (ast.expr_context, ast.Constant, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


def _children(node: ast.AST) -> list[ast.AST]:
    """Child nodes worth visiting (contexts, constants and operators left out), in source order."""
    found: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            found.extend(v for v in value if isinstance(v, ast.AST) and not isinstance(v, _LEAVES))
        elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
            found.append(value)
    return found


def _bind_target(scope: Scope, target: ast.expr, value: ast.expr | None, line: int) -> None:
    if isinstance(target, ast.Name):
        scope.bind(target.id, Binding(line, value))
    elif isinstance(target, ast.Tuple | ast.List):
        values = value.elts if isinstance(value, ast.Tuple | ast.List) else None
        for index, element in enumerate(target.elts):
            paired = values[index] if values and len(values) == len(target.elts) else None
            _bind_target(scope, element, paired, line)
    elif isinstance(target, ast.Starred):
        _bind_target(scope, target.value, None, line)


def dotted_name(node: ast.AST) -> str | None:
    """ "a.b.c" for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def callee_name(call: ast.Call) -> str | None:
    """The last segment of what is called: "execute" for `cur.execute(...)`, "text" for `text()`."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def is_camel(name: str) -> bool:
    """A class-like name ("User", "OAuth2Token"), not a CONSTANT or a variable."""
    return name[:1].isupper() and not name.isupper()
