"""How a module's code divides into scopes, found in one pass over its ast: the one model of
scopes that both the Python-facts and the database-facts extractors build on.

Qualified names follow Python's `__qualname__`: "f", "Cls.method", "f.<locals>.g",
"f.<locals>.Cls.method". Module-level code belongs to the scope "<module>", a class body's code
to the scope around the class, but the names a class body binds (its attributes and methods)
are the class's, not that scope's. Every function defined in a class body, also inside its
`if`/`try`/`for`/`with` blocks, is a method of that class. Lambdas and comprehensions belong to
the function they are in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzer.facts.python import MODULE_SCOPE
from analyzer.syntax.nodes import BRANCHES, CHILD_FIELDS

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Binding:
    """`name = value` (value None when it cannot be followed), `name += value` when augmented."""

    line: int
    value: ast.expr | None
    augmented: bool = False


@dataclass(slots=True)
class Scope:
    """A function (or the module) with the nodes found directly in its body."""

    qualname: str
    enclosing: Scope | None = None
    class_qualname: str | None = None  # the class a method belongs to (for self.X / cls.X)
    params: list[str] = field(default_factory=list)  # in order, the receiver included
    receiver: str | None = None  # a method's first parameter (self, cls), unless a staticmethod
    nested: list[Scope] = field(default_factory=list)  # the functions in its `<locals>`
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    loops: list[tuple[ast.expr, ast.expr]] = field(default_factory=list)  # (target, iterable)
    calls: list[ast.Call] = field(default_factory=list)
    attribute_stores: list[ast.Attribute] = field(default_factory=list)
    attribute_loads: list[ast.Attribute] = field(default_factory=list)
    returns: list[ast.expr] = field(default_factory=list)  # values of `return` statements
    # a `for` statement in its body or in a function or class defined in it (a procedure's
    # first condition, known without walking the function again)
    holds_for: bool = False

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def lookup(self, name: str) -> Scope | None:
        """The scope `name` resolves to from here: the innermost one that binds it (this one,
        an enclosing function, the module), or None (a builtin, or not bound in the module)."""
        current: Scope | None = self
        while current is not None:
            if name in current.bindings or name in current.params:
                return current
            current = current.enclosing
        return None


@dataclass
class ModuleScopes:
    """A parsed module's scopes, and the module-wide names they resolve against."""

    tree: ast.Module
    module: Scope
    functions: dict[FunctionNode, Scope]  # every function (methods, nested), in source order
    class_qualnames: dict[ast.ClassDef, str]  # every class, nested ones too
    imported: set[str]  # names bound by import statements at module level
    classes: dict[str, ast.ClassDef]  # module-level classes by name
    class_constants: dict[str, dict[str, ast.expr]]  # class qualname -> attribute -> value
    # by `id()` of the target: the value `target.attr = value` assigns (outside class bodies)
    attribute_values: dict[int, ast.expr]
    imports: list[ast.Import | ast.ImportFrom]  # every import statement, at any depth

    def all_scopes(self) -> Iterator[Scope]:
        yield self.module
        yield from self.functions.values()


def collect_scopes(tree: ast.Module) -> ModuleScopes:
    """Walk `tree` once and return its scopes."""
    collector = _Collector()
    collector.walk_body(tree.body, collector.module)
    return ModuleScopes(
        tree=tree,
        module=collector.module,
        functions=collector.functions,
        class_qualnames=collector.class_qualnames,
        imported=collector.imported,
        classes=collector.classes,
        class_constants=collector.class_constants,
        attribute_values=collector.attribute_values,
        imports=collector.imports,
    )


def class_statements(node: ast.ClassDef) -> list[ast.stmt]:
    """The statements run in the class namespace, in source order: the class body with the
    blocks of its compound statements (`if`, `try`, `for`, `while`, `with`, `match`) opened."""
    return list(_opened(node.body))


def has_decorator(node: FunctionNode, name: str) -> bool:
    """Whether the function is decorated with the plain name `name` (`@staticmethod`)."""
    return any(isinstance(d, ast.Name) and d.id == name for d in node.decorator_list)


def _opened(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for statement in body:
        match statement:
            case ast.If() | ast.For() | ast.AsyncFor() | ast.While():
                yield from _opened(statement.body)
                yield from _opened(statement.orelse)
            case ast.With() | ast.AsyncWith():
                yield from _opened(statement.body)
            case ast.Try() | ast.TryStar():
                yield from _opened(statement.body)
                for handler in statement.handlers:
                    yield from _opened(handler.body)
                yield from _opened(statement.orelse)
                yield from _opened(statement.finalbody)
            case ast.Match():
                for case in statement.cases:
                    yield from _opened(case.body)
            case _:
                yield statement


class _Collector:
    def __init__(self) -> None:
        self.module = Scope(MODULE_SCOPE)
        self.functions: dict[FunctionNode, Scope] = {}
        self.class_qualnames: dict[ast.ClassDef, str] = {}
        self.imported: set[str] = set()
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_constants: dict[str, dict[str, ast.expr]] = {}
        self.attribute_values: dict[int, ast.expr] = {}
        self.imports: list[ast.Import | ast.ImportFrom] = []

    def walk_body(
        self, body: list[ast.stmt], scope: Scope, prefix: str = "", namespace: Scope | None = None
    ) -> None:
        """Record `body`'s nodes in `scope`; the names it binds go to `namespace` when given
        (a class body's names are the class's, not the enclosing scope's).

        Nodes are told apart by their exact type (an ast from `ast.parse` holds no subclasses)
        and their children read through the fields each type may hold nodes in: this loop
        runs on every node of every file."""
        names = namespace or scope
        stack: list[ast.AST] = list(reversed(body))
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            kind = type(node)
            if kind in _RECORDED_NODES:
                if isinstance(node, ast.Call):
                    scope.calls.append(node)
                elif isinstance(node, ast.Attribute):
                    is_store = isinstance(node.ctx, ast.Store)
                    (scope.attribute_stores if is_store else scope.attribute_loads).append(node)
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self._function(node, scope, prefix, namespace)
                    continue
                elif isinstance(node, ast.ClassDef):
                    self._class(node, scope, prefix, namespace)
                    continue
                else:
                    self._record_binding(node, scope, names)
            for field_name in reversed(CHILD_FIELDS[kind]):
                value: object = getattr(node, field_name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if type(item) in BRANCHES:
                            push(item)
                elif isinstance(value, ast.AST) and type(value) in BRANCHES:
                    push(value)

    def _function(
        self, node: FunctionNode, scope: Scope, prefix: str, namespace: Scope | None
    ) -> None:
        for outer in (*node.decorator_list, *node.args.defaults, *node.args.kw_defaults):
            if outer is not None:
                self.walk_body([ast.Expr(outer)], scope, prefix, namespace)
        (namespace or scope).bind(node.name, Binding(node.lineno, None))
        class_q = None if namespace is None else namespace.qualname
        qualname = f"{prefix}{node.name}"
        inner = Scope(qualname, enclosing=scope, class_qualname=class_q)
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        for arg in (*positional, *arguments.kwonlyargs):
            inner.params.append(arg.arg)
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                inner.params.append(extra.arg)
        if class_q is not None and positional and not has_decorator(node, "staticmethod"):
            inner.receiver = positional[0].arg
        elif class_q is None and scope is not self.module:
            scope.nested.append(inner)
        self.functions[node] = inner
        self.walk_body(node.body, inner, f"{qualname}.<locals>.")

    def _class(
        self, node: ast.ClassDef, scope: Scope, prefix: str, namespace: Scope | None
    ) -> None:
        for outer in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.walk_body([ast.Expr(outer)], scope, prefix, namespace)
        names = namespace or scope
        names.bind(node.name, Binding(node.lineno, None))
        if names is self.module:
            self.classes[node.name] = node
        qualname = f"{prefix}{node.name}"
        self.class_qualnames[node] = qualname
        constants = self.class_constants.setdefault(qualname, {})
        for statement in class_statements(node):
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
        own = Scope(qualname)  # the class's namespace: takes the names its body binds
        class_body = [s for s in node.body if not isinstance(s, ast.Assign | ast.AnnAssign)]
        self.walk_body(class_body, scope, f"{qualname}.", own)
        for statement in node.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                self.walk_body([ast.Expr(statement.value)], scope, prefix, own)

    def _record_binding(self, node: ast.AST, scope: Scope, names: Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if type(target) is ast.Attribute:
                    self.attribute_values[id(target)] = node.value
                _bind_target(names, target, node.value, node.lineno)
        elif isinstance(node, ast.AnnAssign):
            _bind_target(names, node.target, node.value, node.lineno)
        elif isinstance(node, ast.Return) and node.value is not None:
            scope.returns.append(node.value)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                value = node.value if isinstance(node.op, ast.Add) else None
                names.bind(node.target.id, Binding(node.lineno, value, augmented=True))
        elif isinstance(node, ast.NamedExpr):
            _bind_target(names, node.target, node.value, node.lineno)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            scope.loops.append((node.target, node.iter))
            if type(node) is ast.For:
                holder: Scope | None = scope
                while holder is not None and not holder.holds_for:
                    holder.holds_for = True
                    holder = holder.enclosing
            _bind_target(names, node.target, None, getattr(node, "lineno", 0))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _bind_target(names, node.optional_vars, None, node.context_expr.lineno)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.bind(node.name, Binding(node.lineno, None))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self.imports.append(node)
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                names.bind(name, Binding(node.lineno, None))
                if names is self.module:
                    self.imported.add(name)


# the node types `_record_binding` looks at
_BINDING_NODES = frozenset(
    {
        ast.Assign,
        ast.AnnAssign,
        ast.Return,
        ast.AugAssign,
        ast.NamedExpr,
        ast.For,
        ast.AsyncFor,
        ast.comprehension,
        ast.withitem,
        ast.ExceptHandler,
        ast.Import,
        ast.ImportFrom,
    }
)
# the node types a walk records or turns aside at (most nodes are none of these: one lookup)
_RECORDED_NODES = _BINDING_NODES | {
    ast.Call,
    ast.Attribute,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
}


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
