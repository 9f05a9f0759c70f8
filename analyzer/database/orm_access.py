"""ORM uses of models and Table objects in one function, by the names written there.

Reads: `M.query...` (get, filter_by, all, first, paginate, get_or_404, count, ...),
`session.query(M, ...)`, `select(M)` (also `select(M.id, func.count(N.id))`), `.join(N)`,
`.select_from(N)`, `session.get(M, ...)`, `db.get_or_404(M, ...)`, `table.select()`, and the
models and tables whose columns a query's criteria name (`.filter(M.id == N.m_id)`,
`.where(...)`, `.order_by(...)`: `analyzer.database.query_criteria`), rows not loaded.
Writes: `session.add(M(...))`, `obj = M(...); session.add(obj)`, `add_all([...])`, `merge`,
`bulk_save_objects`, `bulk_insert_mappings(M, ...)`, `session.delete(obj)` where obj was loaded
from M, `insert/update/delete(M)` and `table.insert/update/delete()`,
`M.query.filter(...).update/delete(...)` and `session.query(M)...update/delete()` (writes, not
reads), and, marked "low", attribute assignment on an instance loaded from M in a function that
calls `commit()`/`flush()`, and a new `M(...)` appended to a collection.
Relationships: `obj.attr` on an instance known to come from M, `.join(M.attr)`, loader options
(`joinedload(M.attr)`, ...) and relationship tests (`M.tags.any(...)`, `M.owner.has(...)`, an
EXISTS subquery) become RelationshipUse entries; the resolver keeps those naming a
relationship and turns them into indirect table accesses. A read that loads the model's rows
(not a `.count()`, a column or aggregate of it, a joined model, or `from_statement`) is marked
`loads`: the relationships the model loads with its rows (`lazy="joined"`...) are read too.
Methods: `obj.method(...)` on an instance loaded from M becomes a ModelMethodCall (the call
graph follows it into the model's method), and a function returning such an instance (`return
M.query.get(id)`, `found = session.execute(select(M)...).scalar_one(); return found`) names M as
what it returns, so its callers' `x = f(); x.method()` are followed too.
In a classmethod of a model class, `cls` names the class itself (`select(cls)`, `cls.query`);
in a method of one, `self` is an instance loaded from it (`self.followed.append(u)`).
Model methods called on an instance just built (`M(...).save()`) or on the class
(`M.create(...)`) are kept apart (`built_method_calls`, M may be any class): only to find
receiver uses. Receiver uses, in any class (a mixin's, a base model's): a method that adds or
deletes its own instance (`session.add(self)`, as in a CRUD mixin's `save`), queries its own
class in a classmethod (`cls.query.get(id)`, `select(cls)`, `session.get(cls, id)`), or calls
another method on it (`self.save()`, `cls(**kw).save()`, `cls.create(...)`, a base's through
`super()`) records a ReceiverUse; the resolver turns it into a read or write of the caller's
model's table. So does `getattr(self, name)` over the names of the receiver's mapper
(`analyzer.database.mapper_names`): every relationship of the caller's model read, maybe only
for some values of a parameter (the guards it adds). Such a method returning an instance of
its receiver's class (`return cls.query.get(id)`, `cls(...)`, `self`) returns "@receiver", so
`M.get(id)` is an M once calls are resolved; a variable holding `M.method(...)`, returned, is
what that call returns.

Instances are also known from: an attribute of Flask's `g` the module sets to one
(`g.project = Project.query.get(id)`), a parameter annotated with one model (`user: User`,
`user: "Optional[User]"`), a parameter named after a model (`def get(self, project)`, a
guess: what it alone adds is low confidence), each entity of the rows a query of several
gives (`for task, user in session.query(Task, User)...paginate().items`), the rows of a
statement kept in a local (`stmt = select(M)...; session.scalars(stmt).all()`,
`session.execute(stmt).scalar_one_or_none()`), an item of a typed list (`people[0]`), and a
call of a function or same-class method of the module that returns a model's instances or query
(`for bill in self.get_bills(): ...`; a query chain returns its root model,
`M.query.join(N)...` -> M), and a relationship of a typed instance, read directly or through
a dynamic relationship's query (`owner = post.author`, `post.author.save()`, `for
tag in post.tags.all()`; written "@rel:<attribute>:<model>", the resolver keeps those naming a
relationship). On them: a property read (`obj.balance`) is followed
like a method call; a relationship assigned (`obj.tags = [...]`, `self.owers = owers`) or
passed to the constructor (`M(tags=[...])`) is a relationship write (association rows).
`session.add(f(...))`/`obj = f(...); session.add(obj)` where `f` is no model keeps the call's
line (ResultUse) for the resolver, which knows what `f` returns. A method called on an instance
known only per call (a parameter, what a project call returns, `helper(id).serialize()`) is
kept with that placeholder (`placeholder_method_calls`) for the resolver to bind.

A model is recorded as written (ModelUse.model_ref): class-like names ("User", "models.User";
one a function imports itself, `from app.models import User` in a view, by its absolute name
"app.models.User"; the columns and aggregates a query selects, `func.sum(M.x).label("t")`),
and, where only a table fits (`select(x)`, `insert(x)`, `x.insert()`), lower-case imported
names. Names bound to a Table in this module become TableAccess entries directly.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from analyzer.database.kept_rows import kept_rows, rows_source
from analyzer.database.mapper_names import FunctionNode, mapper_reads
from analyzer.database.mixin_tables import is_declared_attr
from analyzer.database.names import callee_name, dotted_name, is_camel
from analyzer.database.orm_models import OrmDefinitions
from analyzer.database.query_criteria import criteria, criterion_columns
from analyzer.facts.database import (
    CALL_MODEL,
    CURRENT_USER_MODEL,
    PARAM_MODEL,
    RECEIVER_MODEL,
    AccessMode,
    Confidence,
    GStore,
    ModelArgument,
    ModelMethodCall,
    ModelUse,
    ParamGuard,
    ReceiverUse,
    RelationshipUse,
    ResultUse,
    TableAccess,
    call_model,
    g_model,
    is_placeholder,
    param_model,
    rel_model,
    split_rel_model,
)
from analyzer.syntax.annotations import annotated_class
from analyzer.syntax.scopes import ModuleScopes, Scope

_SA_MODULES = frozenset({"sa", "sqlalchemy", "db", "sql", "expression", "sqlalchemy.sql"})
_JOINS = frozenset({"join", "outerjoin", "select_from", "join_from"})
_GETS = frozenset({"get", "get_one", "get_or_404"})
_ADDS = frozenset({"add", "add_all", "merge", "bulk_save_objects"})
_BULK_MAPPINGS = frozenset({"bulk_insert_mappings", "bulk_update_mappings"})
_LOADER_OPTIONS = frozenset(
    {"joinedload", "selectinload", "subqueryload", "lazyload", "contains_eager", "defaultload"}
    | {"immediateload", "raiseload", "noload"}
)
_RELATIONSHIP_TESTS = frozenset({"any", "has", "contains"})  # `contains`: dropped on a column
_COLLECTION_CHANGES = frozenset({"append", "extend", "remove", "insert", "clear", "pop", "add"})
_COMMITS = frozenset({"commit", "flush"})
_STATEMENT_RUNS = frozenset({"execute", "scalars", "scalar"})  # a session's, given a statement
# a connection's, cursor's or session's methods, never a model class's
_CONNECTION_METHODS = frozenset(
    {"execute", "executemany", "exec_driver_sql", "cursor", "scalars", "scalar", "query"}
    | {"commit", "rollback", "flush", "close", "begin", "connect"}
    | {"fetchone", "fetchall", "fetchmany"}
)
# methods no placeholder receiver is taken from (one set, not a union built per call)
_NO_PLACEHOLDER_METHODS = _COLLECTION_CHANGES | _CONNECTION_METHODS
_TABLE_METHODS = frozenset({"select", "insert", "update", "delete"})  # of a Table object
# what a dynamic relationship (`lazy="dynamic"`, a query) is narrowed or run by, keeping its model
_RELATED_QUERY = frozenset(
    {"all", "first", "one", "one_or_none", "first_or_404", "filter", "filter_by", "order_by"}
    | {"limit", "offset", "distinct"}
)

# what builds a query or statement (`M.query.filter_by(...)`, `select(M)`): the methods called
# on it are the query's, never a model's
_STATEMENTS = frozenset(
    {"select", "insert", "update", "delete", "query", "filter", "filter_by", "order_by"}
    | {"where", "join", "outerjoin", "options", "values", "limit", "offset", "group_by"}
    | {"having", "distinct", "text", "paginate", "execute", "scalars", "returning"}
)
# what a query ends with when it gives no rows: a number, a flag
_NOT_ROWS = frozenset({"count", "delete", "update", "exists", "scalar"})

Entity = tuple[str, str]  # ("model", ref as written) or ("table", table name)


@dataclass
class OrmFindings:
    accesses: list[TableAccess] = field(default_factory=list)
    model_uses: list[ModelUse] = field(default_factory=list)
    relationship_uses: list[RelationshipUse] = field(default_factory=list)
    method_calls: list[ModelMethodCall] = field(default_factory=list)
    returns_model: str | None = None
    receiver_uses: list[ReceiverUse] = field(default_factory=list)
    built_method_calls: list[ModelMethodCall] = field(default_factory=list)
    result_uses: list[ResultUse] = field(default_factory=list)
    model_arguments: list[ModelArgument] = field(default_factory=list)
    placeholder_method_calls: list[ModelMethodCall] = field(default_factory=list)
    g_stores: list[GStore] = field(default_factory=list)
    commits: bool = False  # calls `commit()`/`flush()`
    # the guards of reads made only for some values of a parameter (mapper reads chosen by
    # `names if relations else others`), besides the function's `if` statements
    param_guards: list[ParamGuard] = field(default_factory=list)


class OrmAccessFinder:
    """Finds ORM accesses in the scopes of one module."""

    def __init__(
        self,
        scopes: ModuleScopes,
        definitions: OrmDefinitions,
        function_imports: dict[tuple[int, str], str] | None = None,
    ) -> None:
        self.scopes = scopes
        self.function_imports = function_imports or {}
        self.table_variables = definitions.table_variables
        self.local_models = {model.class_name for model in definitions.models}
        # names bound to Flask-Login's `current_user` proxy by `from flask_login import ...`
        self.login_proxies = {
            alias.asname or alias.name
            for statement in scopes.imports
            if isinstance(statement, ast.ImportFrom) and statement.module == "flask_login"
            for alias in statement.names
            if alias.name == "current_user"
        }
        # classes whose methods run on models they do not name: declarative bases and mixins
        # with declared_attrs (their relationships and tables are the model's)
        self.model_mixins = set(definitions.model_bases) | {
            name
            for name, node in scopes.classes.items()
            if any(isinstance(s, ast.FunctionDef) and is_declared_attr(s) for s in node.body)
        }
        self._g_models: dict[str, str] | None = None
        # attributes of Flask's `g` the module sets somewhere (its own `g_models` type them)
        self.g_set = (
            {
                node.attr
                for scope in scopes.all_scopes()
                if not _is_local("g", scope)
                for node in scope.attribute_stores
                if _is_name(node.value, "g")
            }
            if "g" in scopes.imported
            else set()
        )
        self._returned: dict[str, str | None] = {}
        self._scopes_by_name = {scope.qualname: scope for scope in scopes.all_scopes()}
        self._nodes = {id(scope): node for node, scope in scopes.functions.items()}

    def find(self, scope: Scope) -> OrmFindings:
        return _FunctionPass(self, scope).run()

    def returned_by(self, qualname: str) -> str | None:
        """The model whose instances (or query) the function or method `qualname` of this
        module returns, if one (`self.get_bills()`, `for b in self.get_bills(): ...`)."""
        if qualname not in self._returned:
            self._returned[qualname] = None  # a recursive call adds nothing
            scope = self._scopes_by_name.get(qualname)
            if scope is not None and scope.enclosing is not None:
                returned = _FunctionPass(self, scope).run().returns_model
                # a placeholder names that function's own parameter or call: not the caller's
                self._returned[qualname] = (
                    None if returned and is_placeholder(returned) else returned
                )
        return self._returned[qualname]

    def method_node(self, class_qualname: str, name: str) -> FunctionNode | None:
        """The node of the method `name` of the class `class_qualname`, if it defines one."""
        scope = self._scopes_by_name.get(f"{class_qualname}.{name}")
        return self.function_node(scope) if scope is not None else None

    def function_node(self, scope: Scope) -> FunctionNode | None:
        """The `def` of a function's scope (None for the module's)."""
        node = self._nodes.get(id(scope))
        return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None

    def g_models(self) -> dict[str, str]:
        """Attributes of Flask's `g` this module sets to instances of one model (`g.project =
        Project.query.get(id)`, in a hook or a view): `g.project.x` is then such an instance in
        every function of the module. An attribute set to two models is left out; values whose
        model is unknown (`g.project = form.save()`) do not count against the one known."""
        if self._g_models is not None:
            return self._g_models
        self._g_models = {}  # while typing the stored values, `g.x` names no model
        if "g" not in self.scopes.imported:
            return self._g_models
        nodes = {id(scope): node for node, scope in self.scopes.functions.items()}
        found: dict[str, set[str | None]] = {}
        for scope in self.scopes.all_scopes():
            stores = {id(n) for n in scope.attribute_stores if _is_name(n.value, "g")}
            if not stores or _is_local("g", scope):
                continue
            typing = _FunctionPass(self, scope)
            typing.run()
            root = nodes.get(id(scope), self.scopes.tree)
            for node in ast.walk(root):
                if not isinstance(node, ast.Assign):
                    continue
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and id(target) in stores:
                        model = typing.instance_model(node.value)
                        found.setdefault(target.attr, set()).add(model)
        known = {attr: {m for m in models if m is not None} for attr, models in found.items()}
        self._g_models = {attr: models.pop() for attr, models in known.items() if len(models) == 1}
        return self._g_models

    def entity(
        self, node: ast.expr, scope: Scope, *, table_position: bool = False
    ) -> Entity | None:
        """What model or table `node` names, if any (`User`, `models.User`, `User.id`, `users`)."""
        if isinstance(node, ast.Call) and callee_name(node) == "aliased" and node.args:
            node = node.args[0]
        dotted = dotted_name(node)
        if dotted is None:
            return None
        parts = dotted.split(".")
        if parts[0] == "cls" and _class_of_classmethod(scope) in self.local_models:
            parts[0] = str(scope.class_qualname)
        root = parts[0]
        if len(parts) == 1 and _is_plain_parameter(root, scope):
            return ("model", param_model(root))  # whatever model each caller passes
        if _is_local(root, scope):
            source = self._imported_in_function(root, scope)
            if source is None:
                return None
            # `from app.models import User` in the function: the model by its full name
            full = [*source.split("."), *parts[1:]]
            camel = [i for i, part in enumerate(full) if is_camel(part)]
            return ("model", ".".join(full[: camel[-1] + 1])) if camel else None
        if root in self.table_variables:
            return ("table", self.table_variables[root])
        camel = [i for i, part in enumerate(parts) if is_camel(part)]
        if not camel:
            imported = root in self.scopes.imported or root not in self.scopes.module.bindings
            if table_position and imported and (len(parts) == 1 or parts[1] == "c"):
                return ("model", root)
            return None
        ref = ".".join(parts[: camel[-1] + 1])
        if root in self.scopes.classes and root not in self.local_models:
            return None
        module_variable = root in self.scopes.module.bindings and root not in self.scopes.classes
        if module_variable and root not in self.scopes.imported:
            return None
        return ("model", ref)

    def annotated_model(self, scope: Scope, parameter: str) -> str | None:
        """The one model a parameter is annotated with (`user: User`, `user: "User"`,
        `Optional[User]`, `User | None`): a model of this module or an imported class-like
        name (the resolver drops what is no model)."""
        node = self._nodes.get(id(scope))
        if node is None:
            return None
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        annotation = next((a.annotation for a in every if a.arg == parameter), None)
        return self._annotated_model(annotation, scope) if annotation is not None else None

    def returned_annotation(self, scope: Scope) -> str | None:
        """The one model a function's return annotation names (`-> User | None`)."""
        node = self.function_node(scope)
        if node is None or node.returns is None:
            return None
        return self._annotated_model(node.returns, scope)

    def _annotated_model(self, annotation: ast.expr, scope: Scope) -> str | None:
        """The model an annotation names: one of this module or an imported class-like name."""
        named = annotated_class(annotation)
        ref = dotted_name(named) if named is not None else None
        if ref is None or not is_camel(ref.rsplit(".", 1)[-1]):
            return None
        root = ref.split(".")[0]
        known = root in self.local_models or root in self.scopes.imported
        return ref if known and not _is_local(root, scope) else None

    def _imported_in_function(self, name: str, scope: Scope) -> str | None:
        """The absolute dotted name a function (this one or one enclosing it) binds `name` to
        by an import of its own, when that is all that binds it there."""
        found = scope.lookup(name)
        if found is None or found.enclosing is None or name in found.params:
            return None
        sources = {self.function_imports.get((b.line, name)) for b in found.bindings[name]}
        return sources.pop() if len(sources) == 1 and None not in sources else None

    def constructed(self, node: ast.expr, scope: Scope) -> str | None:
        """The model of `M(...)`: a call of a class-like name, not of a method on it."""
        if not isinstance(node, ast.Call):
            return None
        func = node.func  # its last name tells first (this runs on every call of a function)
        if isinstance(func, ast.Attribute):
            called = func.attr
        elif isinstance(func, ast.Name):
            called = func.id
        else:
            return None
        if not is_camel(called):
            return None
        found = self.entity(func, scope)  # None unless `func` is a dotted name
        return found[1] if found and found[0] == "model" else None


def _class_of_classmethod(scope: Scope) -> str | None:
    """The module-level class whose method this is, when its receiver is `cls`."""
    if scope.receiver == "cls" and scope.class_qualname and "." not in scope.class_qualname:
        return scope.class_qualname
    return None


def _is_local(name: str, scope: Scope) -> bool:
    found = scope.lookup(name)
    return found is not None and found.enclosing is not None


def _branches(values: list[ast.expr]) -> list[ast.expr]:
    """Each value a conditional expression may take (`a if test else b` -> a, b)."""
    found: list[ast.expr] = []
    stack = list(reversed(values))
    while stack:
        value = stack.pop()
        if isinstance(value, ast.IfExp):
            stack.extend((value.orelse, value.body))
        else:
            found.append(value)
    return found


def _passes_name(node: ast.expr, name: str) -> bool:
    """Whether the call `node` passes the variable `name` itself as an argument."""
    if not isinstance(node, ast.Call):
        return False
    return any(_is_name(arg, name) for arg in (*node.args, *(k.value for k in node.keywords)))


def _is_plain_parameter(name: str, scope: Scope) -> bool:
    """A parameter of the function itself (not its receiver), never rebound in its body."""
    return name in scope.params and name != scope.receiver and name not in scope.bindings


def _may_be_relationship(attribute: str) -> bool:
    """Whether `obj.<attribute>` may be a relationship (the resolver drops columns)."""
    return attribute[:1].islower() and attribute != "query"


def _followable(model_ref: str) -> bool:
    """A model the call graph can follow methods of: a name, or a relationship of a name's
    (`post.author.save()`), not one known only per call."""
    while (related := split_rel_model(model_ref)) is not None:
        model_ref = related[1]
    return not is_placeholder(model_ref)


def _page_of(node: ast.Attribute, pages: set[str]) -> str | None:
    """The variable of `page.items`, when it holds a page of results."""
    page = node.value
    if node.attr == "items" and isinstance(page, ast.Name) and page.id in pages:
        return page.id
    return None


def _calls_method(node: ast.expr, name: str) -> bool:
    """Whether `node` is a call of a method or function named `name`."""
    return isinstance(node, ast.Call) and callee_name(node) == name


def _is_name(node: ast.expr, *names: str) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _calls_name(node: ast.expr | None, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _sa_callee(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return True
    return isinstance(func, ast.Attribute) and dotted_name(func.value) in _SA_MODULES


class _FunctionPass:
    def __init__(self, finder: OrmAccessFinder, scope: Scope) -> None:
        self.finder = finder
        self.scope = scope
        self.out = OrmFindings()
        self.reads_at: dict[int, tuple[ast.expr, list[str]]] = {}  # id(node) -> (node, models)
        self.consumed: set[int] = set()  # `.query` nodes that belong to a bulk update/delete
        self.bulk: set[int] = set()  # the bulk update/delete calls themselves
        # the calls of a bulk update/delete's query (`.filter(...)`) -> what it writes
        self.bulk_targets: dict[int, list[Entity]] = {}
        self.counted: set[int] = set()  # `.query` / `query(...)` nodes of a `.count()` chain
        self.from_statement: set[int] = {  # `select(M).from_statement(...)`: its select(M) call
            id(call.func.value)
            for call in scope.calls
            if isinstance(call.func, ast.Attribute) and call.func.attr == "from_statement"
        }
        self.types: dict[str, tuple[str, bool]] = {}  # variable -> (model, loaded from the db)
        self.made: set[str] = set()  # typed from `M.method(...)` only: M may be any class
        # variables holding what `M.method(...)` returns, or an item of it (a loop's): the
        # "@call" placeholders of those calls, whose results the model flow knows
        self.made_results: dict[str, list[str]] = {}
        self.guessed: set[str] = set()  # parameters typed by their name only (`project`)
        self.pages: set[str] = set()  # variables holding a page of results (`.paginate(...)`)

    def run(self) -> OrmFindings:
        self.out.commits = any(callee_name(call) in _COMMITS for call in self.scope.calls)
        for call in self.scope.calls:
            self._bulk_write(call)
            self._counted(call)
        called = {id(call.func) for call in self.scope.calls}  # `session.query(M)`: no `.query`
        for node in self.scope.attribute_loads:
            if node.attr == "query" and id(node) not in self.consumed and id(node) not in called:
                self._read_entity(node, self.finder.entity(node.value, self.scope))
        for call in self.scope.calls:
            self._call(call)
            self._criteria(call)
        self._type_variables()
        for call in self.scope.calls:
            self._instance_call(call)
            self._class_call(call)
            self._constructor_relationships(call)
        self._receiver_uses()
        self._instance_changes()
        self._made_result_uses()
        self._model_arguments()
        self.out.returns_model = self._returned_model()
        self.out.g_stores = self._g_stores()
        return self.out

    # -- recording

    def _use(
        self,
        entity: Entity | None,
        mode: AccessMode,
        line: int,
        low: bool = False,
        loads: bool = True,
    ) -> None:
        if entity is None:
            return
        confidence: Confidence = "low" if low else "high"
        kind, name = entity
        if kind == "table":
            self.out.accesses.append(TableAccess(name, mode, line, confidence, via="orm"))
        else:
            self.out.model_uses.append(ModelUse(name, mode, line, confidence, loads))

    def _read_entity(self, node: ast.expr, entity: Entity | None, loads: bool = True) -> None:
        if entity is None:
            return
        self._use(entity, "read", node.lineno, loads=loads and id(node) not in self.counted)
        if entity[0] == "model":
            self.reads_at.setdefault(id(node), (node, []))[1].append(entity[1])

    def _relationship(self, node: ast.expr, mode: AccessMode = "read") -> None:
        if not isinstance(node, ast.Attribute) or not node.attr[:1].islower():
            return
        found = self.finder.entity(node.value, self.scope)
        if found and found[0] == "model" and dotted_name(node.value) == found[1]:
            self.out.relationship_uses.append(
                RelationshipUse(found[1], node.attr, mode, node.lineno)
            )

    # -- passes

    def _bulk_write(self, call: ast.Call) -> None:
        """`M.query.filter(...).delete()` / `session.query(M)...update({...})`: a write, no read."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr in ("update", "delete")):
            return
        node: ast.expr = func.value
        chain: list[int] = []  # the calls narrowing what is written (`.filter(...)`)
        while isinstance(node, ast.Call | ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr == "query":
                found = self.finder.entity(node.value, self.scope)
                if found is not None:
                    self.consumed.add(id(node))
                    self.bulk.add(id(call))
                    self._use(found, "write", call.lineno)
                    self.bulk_targets.update((c, [found]) for c in chain)
                    return
            if isinstance(node, ast.Call) and callee_name(node) == "query":
                self.consumed.add(id(node))
                written = self._entities(node.args)
                for entity in written:
                    self._use(entity, "write", call.lineno)
                self.bulk_targets.update((c, written) for c in chain)
                return
            if isinstance(node, ast.Call):
                chain.append(id(node))
            node = node.func if isinstance(node, ast.Call) else node.value

    def _loads(self, call: ast.Call, entity: Entity) -> bool:
        """Whether `query(...)`/`select(...)` loads the entity's rows: named bare among its
        arguments (not only inside `func.count(M.id)` or as `M.col`), and not run through
        `.from_statement(text)`, whose eager loaders read only what the statement selects."""
        if id(call) in self.from_statement:
            return False
        return any(dotted_name(arg) == entity[1] for arg in call.args)

    def _counted(self, call: ast.Call) -> None:
        """`M.query.filter(...).count()`, `session.query(M).count()`: rows counted, not loaded."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "count" and not call.args):
            return
        node: ast.expr = func.value
        while isinstance(node, ast.Call | ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr == "query":
                self.counted.add(id(node))
                return
            if isinstance(node, ast.Call) and callee_name(node) == "query":
                self.counted.add(id(node))
                return
            node = node.func if isinstance(node, ast.Call) else node.value

    def _call(self, call: ast.Call) -> None:
        name = callee_name(call)
        func = call.func
        if id(call) in self.consumed or name is None:
            return
        if name == "select" and _sa_callee(func):
            for entity in self._entities(call.args):
                self._read_entity(call, entity, self._loads(call, entity))
        elif name in ("insert", "update", "delete") and _sa_callee(func) and call.args:
            target = self.finder.entity(call.args[0], self.scope, table_position=True)
            self._use(target, "write", call.lineno)
        elif name in _LOADER_OPTIONS:
            for arg in call.args:
                self._relationship(arg)
        elif name in _RELATIONSHIP_TESTS and isinstance(func, ast.Attribute):
            self._relationship(func.value)  # `M.tags.any(...)`, `.contains(x)`: over its tables
        elif isinstance(func, ast.Attribute):
            self._method_call(call, name, func)

    def _method_call(self, call: ast.Call, name: str, func: ast.Attribute) -> None:
        if name == "query":
            for entity in self._entities(call.args):
                self._read_entity(call, entity, self._loads(call, entity))
        elif name in _JOINS:
            for arg in call.args[:1]:
                self._read_entity(call, self.finder.entity(arg, self.scope), loads=False)
                self._relationship(arg)
        elif name in _GETS and call.args:
            owner = dotted_name(func.value) or ""
            if name == "get_or_404" or "session" in owner or owner == "db":
                model = self.finder.entity(call.args[0], self.scope)
                if model is not None and is_camel(model[1].rsplit(".", 1)[-1]):
                    self._read_entity(call, model)
        elif name in _BULK_MAPPINGS and call.args:
            self._use(self.finder.entity(call.args[0], self.scope), "write", call.lineno)
        elif name in _TABLE_METHODS:  # `users.insert()`, `User.__table__.select()`
            receiver = self.finder.entity(func.value, self.scope, table_position=True)
            table_like = receiver is not None and (
                receiver[0] == "table"
                or (dotted_name(func.value) or "").endswith("__table__")
                or not is_camel(receiver[1].rsplit(".", 1)[-1])
            )
            if table_like and name == "select":
                self._read_entity(call, receiver)
            elif table_like and not call.args:
                self._use(receiver, "write", call.lineno)

    def _criteria(self, call: ast.Call) -> None:
        """The tables of the columns a query's criteria name are read (`query.filter(Project.id
        == Packages.project_id)`: an implicit join, `analyzer.database.query_criteria`); not
        the table a bulk update or delete writes (`M.query.filter(M.id == x).delete()`)."""
        expressions = criteria(call)
        if not expressions:
            return
        written = self.bulk_targets.get(id(call)) or self._statement_target(call)
        for expression in expressions:
            for column in criterion_columns(expression, self._is_column):
                entity = self.finder.entity(column, self.scope, table_position=True)
                if entity is not None and entity not in written:
                    self._use(entity, "read", column.lineno, loads=False)

    def _is_column(self, node: ast.Attribute) -> bool:
        """`M.col`, `M.Key`, `M.__table__.c.col`, `table.c.col`: an attribute of a model or
        table (not the model itself, `models.M`, a CONSTANT of its class, nor its `query`)."""
        attribute = node.attr
        if attribute.isupper() or attribute == "query":
            return False
        entity = self.finder.entity(node, self.scope, table_position=True)
        if entity is None or is_placeholder(entity[1]):
            return False
        if entity[0] == "table" or not is_camel(attribute):
            return True
        return sum(is_camel(part) for part in entity[1].split(".")) > 1  # a column like a class

    def _statement_target(self, call: ast.Call) -> list[Entity]:
        """The model or table an `update(M)`/`delete(M)` (or `table.update()`) statement
        narrowed by `call` writes."""
        node: ast.expr = call.func
        while isinstance(node, ast.Call | ast.Attribute):
            if isinstance(node, ast.Call) and callee_name(node) in ("update", "delete"):
                func = node.func
                written = node.args[0] if node.args and _sa_callee(func) else None
                if written is None and isinstance(func, ast.Attribute) and not node.args:
                    written = func.value  # `users.update()`, `M.__table__.delete()`
                target = (
                    self.finder.entity(written, self.scope, table_position=True)
                    if written is not None
                    else None
                )
                return [target] if target is not None else []
            node = node.func if isinstance(node, ast.Call) else node.value
        return []

    def _entities(self, args: list[ast.expr]) -> list[Entity]:
        """Models and tables named in `args`, looking inside `func.count(M.id)` and the like."""
        found: list[Entity] = []
        stack = list(reversed(args))
        while stack:
            node = stack.pop()
            entity = self.finder.entity(node, self.scope, table_position=True)
            if entity is not None:
                if entity not in found:
                    found.append(entity)
            elif isinstance(node, ast.Call):
                stack.extend(reversed([*node.args, *(k.value for k in node.keywords)]))
                func = node.func  # `func.sum(M.x).label("total")`, `M.x.desc()`: what it is of
                if isinstance(func, ast.Attribute) and isinstance(
                    func.value, ast.Call | ast.Attribute
                ):
                    stack.append(func.value)
            elif isinstance(node, ast.BinOp | ast.Compare | ast.BoolOp | ast.UnaryOp):
                stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))
        return found

    def _reads_in(self, node: ast.expr) -> set[str]:
        """Models read by the read-nodes lying inside `node` (compared by source position)."""
        start = (node.lineno, node.col_offset)
        end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
        return {
            model
            for inner, models in self.reads_at.values()
            if start <= (inner.lineno, inner.col_offset)
            and (inner.end_lineno or inner.lineno, inner.end_col_offset or 0) <= end
            for model in models
        }

    def _statement_reads(self, node: ast.expr) -> set[str]:
        """Models read by a statement kept in a local that `node` runs (`stmt = select(M)...`,
        then `session.scalars(stmt).all()` or `session.execute(stmt).scalar_one_or_none()`):
        what the local's bindings read, so its rows are instances of that model."""
        while isinstance(node, ast.Call | ast.Attribute):
            if (
                isinstance(node, ast.Call)
                and callee_name(node) in _STATEMENT_RUNS
                and node.args
                and isinstance(statement := node.args[0], ast.Name)
            ):
                bindings = self.scope.bindings.get(statement.id, [])
                return {
                    model
                    for binding in bindings
                    if binding.value is not None
                    for model in self._reads_in(binding.value)
                }
            node = node.func if isinstance(node, ast.Call) else node.value
        return set()

    def _type_variables(self) -> None:
        owner = self.scope.class_qualname
        if self.scope.receiver == "self" and owner in self.finder.local_models:
            self.types["self"] = (str(owner), True)
        if self.finder.login_proxies:  # most modules have none: no set of every local built
            unbound = self.finder.login_proxies - {*self.scope.params, *self.scope.bindings}
            for name in unbound:
                self.types[name] = (CURRENT_USER_MODEL, True)  # the user loader's, loaded
        for name in self.scope.params:
            if name == self.scope.receiver or not self._keeps_argument(name):
                continue
            annotated = self.finder.annotated_model(self.scope, name)
            model = self._named_model(name)
            if annotated is not None:
                self.types[name] = (annotated, True)  # `def view(user: User)`: declared
            elif model is not None:
                self.types[name] = (model, True)
                self.guessed.add(name)
            elif name != self.scope.receiver:
                self.types[name] = (param_model(name), True)
        for name, bindings in self.scope.bindings.items():
            for binding in bindings:
                if binding.value is None:
                    continue
                model = self.finder.constructed(binding.value, self.scope)
                if model is not None:
                    self.types[name] = (model, False)
                    continue
                if _calls_method(binding.value, "paginate"):
                    self.pages.add(name)  # its `.items` are the rows it pages
                reads = self._reads_in(binding.value) or self._statement_reads(binding.value)
                if len(reads) == 1:
                    self.types[name] = (reads.pop(), True)
                elif (made := self._class_call_model(binding.value)) is not None:
                    self.types[name] = (made, False)  # `M.create(...)`, `M.get_by_id(...)`
                    self.made.add(name)
                    self._made_result(name, binding.value)
                elif (returned := self._local_call_model(binding.value)) is not None:
                    self.types[name] = (returned, True)
                elif (related := self._related(binding.value)) is not None:
                    # `owner = post.author`; not over a type another binding gives it
                    self.types.setdefault(name, (related, True))
                elif (source := self._rows_kept(binding.value, name)) is not None:
                    self.types[name] = source  # `query = base.order_by(...)`
                elif (deferred := self._project_call_model(binding.value)) is not None and (
                    name not in self.types or not _passes_name(binding.value, name)
                ):
                    self.types[name] = (deferred, True)  # but `x = update(x)` keeps x's type
        for target, iterable in self.scope.loops:
            if isinstance(target, ast.Tuple):  # `for task, user in session.query(Task, User)`
                for element, model in zip(target.elts, self._row_models(iterable), strict=False):
                    if isinstance(element, ast.Name) and model is not None:
                        self.types[element.id] = (model, True)
                continue
            if not isinstance(target, ast.Name):
                continue
            if isinstance(iterable, ast.Name) and iterable.id in self.made_results:
                self.made_results[target.id] = self.made_results[iterable.id]
            elif self._class_call_model(iterable) is not None:
                self._made_result(target.id, iterable)  # `for p in Project.all(session)`
            if isinstance(iterable, ast.Name) and iterable.id in self.types:
                self.types[target.id] = self.types[iterable.id]
            elif len(reads := self._reads_in(iterable) or self._statement_reads(iterable)) == 1:
                self.types[target.id] = (reads.pop(), True)
            elif (returned := self._local_call_model(iterable)) is not None:
                self.types[target.id] = (returned, True)
            elif (related := self._related(iterable)) is not None:
                self.types[target.id] = (related, True)  # `for tag in post.tags.all()`

    def _made_result(self, name: str, call: ast.expr) -> None:
        """`name` holds what the class call `M.method(...)` returns (or an item of it)."""
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
        self.made_results.setdefault(name, []).append(call_model(call.lineno, call.func.attr))

    def _made_result_uses(self) -> None:
        """On what a class call returns (`projects = Project.all(session)`, then `for project
        in projects`), read without knowing it is an M: `M.method` may return anything (any
        class's factory), and a new instance loads nothing. Its relationships read and
        methods or properties used are kept with the call's placeholder: the model flow binds
        them to the model that method returns, once calls are resolved (rows of M for
        `Project.all`, through the helpers sorting and paging them)."""
        if not self.made_results:
            return
        called = {id(call.func) for call in self.scope.calls}
        for node in self.scope.attribute_loads:
            if not isinstance(node.value, ast.Name) or node.attr[:1].isupper():
                continue  # `M.Status`: a class the model holds, no member of an instance
            placeholders = self.made_results.get(node.value.id, [])
            if id(node) in called and node.attr in _NO_PLACEHOLDER_METHODS:
                continue
            for placeholder in placeholders:
                use = ModelMethodCall(placeholder, node.attr, node.lineno)
                self.out.placeholder_method_calls.append(use)  # a method, or a property
                if id(node) not in called and _may_be_relationship(node.attr):
                    read = RelationshipUse(placeholder, node.attr, "read", node.lineno)
                    self.out.relationship_uses.append(read)

    def _rows_kept(self, value: ast.expr, name: str) -> tuple[str, bool] | None:
        """The type of another typed variable whose rows `value` keeps (`base.order_by(x)`)."""
        source = kept_rows(value)
        return self.types.get(source) if source is not None and source != name else None

    def _keeps_argument(self, parameter: str) -> bool:
        """Whether the parameter holds what the caller passes, or its rows, throughout: never
        rebound, or rebound only to its own rows (`query = query.offset(n).limit(m)`)."""
        return all(
            binding.value is not None and kept_rows(binding.value) == parameter
            for binding in self.scope.bindings.get(parameter, [])
        )

    def _row_models(self, node: ast.expr) -> list[str | None]:
        """The model of each entity of the rows a query of several entities gives
        (`session.query(Task, User)...`, a page of it's `.items`); None for a column."""
        if isinstance(node, ast.Attribute) and (page := _page_of(node, self.pages)):
            bindings = self.scope.bindings.get(page, [])
            node = bindings[-1].value if bindings and bindings[-1].value is not None else node
        while isinstance(node, ast.Call | ast.Attribute):
            if isinstance(node, ast.Call) and callee_name(node) == "query" and len(node.args) > 1:
                found: list[str | None] = []
                for arg in node.args:
                    entity = self.finder.entity(arg, self.scope)
                    whole = (
                        entity is not None
                        and entity[0] == "model"
                        and dotted_name(arg) == entity[1]
                    )
                    found.append(entity[1] if whole and entity is not None else None)
                return found
            node = node.func if isinstance(node, ast.Call) else node.value
        return []

    def _g_stores(self) -> list[GStore]:
        """The model instances this function sets attributes of Flask's `g` to, those known
        here (`g.user = User.query.get(id)`) or once calls are resolved (`g.user =
        User.verify(token)`); `g.x, g.y = pair` and values of no model are left out."""
        if _is_local("g", self.scope) or "g" not in self.finder.scopes.imported:
            return []
        values = self.finder.scopes.attribute_values
        found: list[GStore] = []
        for target in self.scope.attribute_stores:
            value = values.get(id(target))
            if value is None or not _is_name(target.value, "g"):
                continue
            model = self.instance_model(value) or self._project_call_model(value)
            if model is not None:
                found.append(GStore(target.attr, model, target.lineno))
        return found

    def instance_model(self, node: ast.expr) -> str | None:
        """The model of the one instance `node` stands for, if known (after `run`)."""
        typed = self._type_of(node)
        if typed is not None:
            return typed[0]
        reads = self._reads_in(node)
        if len(reads) == 1 and isinstance(node, ast.Call | ast.Attribute):
            return reads.pop()
        return self.finder.constructed(node, self.scope)

    def _local_call_model(self, node: ast.expr) -> str | None:
        """The model a call chain starting with a call of this module's function or of a
        method of the same class returns (`self.get_bills().all()`, `load_team(id)`)."""
        while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
            if isinstance(node, ast.Call):
                func = node.func
                owner = self.scope.class_qualname
                if (
                    isinstance(func, ast.Name)
                    and not _is_local(func.id, self.scope)
                    and func.id in self.finder.scopes.module.bindings
                ):
                    return self.finder.returned_by(func.id)
                if (
                    isinstance(func, ast.Attribute)
                    and owner is not None
                    and self.scope.receiver in ("self", "cls")
                    and _is_name(func.value, self.scope.receiver)
                ):
                    return self.finder.returned_by(f"{owner}.{func.attr}")
                node = func
            else:
                node = node.value
        return None

    def _project_call_model(self, node: ast.expr) -> str | None:
        """`x = helper(...)`, `x = service.get(...)` where the callee may be a project function
        of another module, `x = self.method(...)` of a base class (a library's too, such
        as Authlib's `acquire_token`), or `x = pick(kind).get(id)`, a method of what such a
        call returns: what it returns is known once calls are resolved (a placeholder)."""
        node = rows_source(node)  # `paged(query, page).all()`: the rows `paged` returns
        name = (
            self._maybe_project_callee(node)
            or self._receiver_method(node)
            or self._result_method(node)
        )
        return call_model(node.lineno, name) if name is not None else None

    def _result_method(self, node: ast.expr) -> str | None:
        """The method name of `helper(...).method(...)`, called on what a call that may run a
        project function returns."""
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and self._maybe_project_callee(node.func.value) is not None
        ):
            return node.func.attr
        return None

    def _receiver_method(self, node: ast.expr) -> str | None:
        """The method name of `self.method(...)` (`cls.method(...)` in a classmethod), in a
        method or a function nested in one."""
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("self", "cls")
        ):
            return None
        scope: Scope | None = self.scope
        while scope is not None and scope.class_qualname is None:
            scope = scope.enclosing
        receiver = node.func.value.id
        return node.func.attr if scope is not None and scope.receiver == receiver else None

    def _maybe_project_callee(self, node: ast.expr) -> str | None:
        """The last name of a call of an imported or module-level name (`helper(...)`,
        `service.get(...)`), which may run a project function; None for builtins, locals."""
        if not isinstance(node, ast.Call) or self.scope.enclosing is None:
            return None
        dotted = dotted_name(node.func)
        if dotted is None:
            return None
        root = dotted.split(".")[0]
        scopes = self.finder.scopes
        known = root in scopes.imported or root in scopes.module.bindings
        return callee_name(node) if known and not _is_local(root, self.scope) else None

    def _model_arguments(self) -> None:
        """Calls handing a model class, a typed instance or a placeholder to a callee."""
        for call in self.scope.calls:
            if not call.args and not call.keywords:
                continue
            slots: list[tuple[int | str, ast.expr]] = list(enumerate(call.args))
            slots += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
            models = [(slot, model) for slot, arg in slots if (model := self._argument_model(arg))]
            name = self._maybe_project_callee(call) if models else None
            if name is not None:
                self.out.model_arguments.extend(
                    ModelArgument(name, call.lineno, slot, model) for slot, model in models
                )

    def _argument_model(self, node: ast.expr) -> str | None:
        """The model class (`Certificate`) or instance an argument holds, if known."""
        if not isinstance(node, ast.Name | ast.Attribute):
            return None  # a literal, a call, an expression: no model class or variable
        typed = self._type_of(node)
        if typed is not None and not isinstance(node, ast.Subscript):
            return typed[0]
        found = self.finder.entity(node, self.scope)
        if found is None or found[0] != "model" or dotted_name(node) != found[1]:
            return None
        ref = found[1]
        return ref if is_placeholder(ref) or is_camel(ref.rsplit(".", 1)[-1]) else None

    def _type_of(self, node: ast.expr) -> tuple[str, bool] | None:
        """(model, loaded from the db) of a typed variable or of `g.attr` (see g_models); an
        item of either (`people[0]`) is one of the same model."""
        if isinstance(node, ast.Subscript):
            node = node.value
        if isinstance(node, ast.Name):
            return self.types.get(node.id)
        if isinstance(node, ast.Attribute) and _is_name(node.value, "g"):
            if _is_local("g", self.scope):
                return None
            if node.attr not in self.finder.g_set and "g" in self.finder.scopes.imported:
                return (g_model(node.attr), True)  # set in another module: see GStore
            model = self.finder.g_models().get(node.attr)
            return (model, True) if model is not None else None
        if isinstance(node, ast.Attribute) and (page := _page_of(node, self.pages)):
            return self.types.get(page)  # `page.items`: the page's instances
        if isinstance(node, ast.Attribute) and _may_be_relationship(node.attr):
            base = self._type_of(node.value)
            if base is not None and base[1]:
                return (rel_model(node.attr, base[0]), True)  # `post.author`: the target's
        return None

    def _related(self, node: ast.expr) -> str | None:
        """The model of the instances an attribute of a typed object holds (a relationship's,
        read directly or through a dynamic relationship's query: `post.author`,
        `post.tags.all()`; a page's `items`)."""
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr not in _RELATED_QUERY:
                return None
            node = node.func.value
        if not isinstance(node, ast.Attribute):
            return None
        typed = self._type_of(node)  # a relationship's, or `page.items`, `g.project`
        return typed[0] if typed is not None else None

    def _named_model(self, parameter: str) -> str | None:
        """The model a parameter is named after (`project` -> Project, `order_item` ->
        OrderItem): a model of this module or an imported class-like name (the resolver drops
        what is no model). A guess by convention: what it alone finds is low confidence."""
        camel = "".join(part.title() for part in parameter.split("_") if part)
        if not is_camel(camel) or camel == parameter:
            return None
        if camel in self.finder.local_models or camel in self.finder.scopes.imported:
            return camel
        return None

    def _instances(self, node: ast.expr, *, loaded_only: bool = False) -> list[str]:
        """Models of the instances `node` stands for: `M(...)`, a typed variable, a list of them."""
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return [m for e in node.elts for m in self._instances(e, loaded_only=loaded_only)]
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self._instances(node.elt, loaded_only=loaded_only)
        if isinstance(node, ast.Starred):
            return self._instances(node.value, loaded_only=loaded_only)
        if (typed := self._type_of(node)) is not None:
            model, loaded = typed
            return [model] if loaded or not loaded_only else []
        if loaded_only:
            reads = self._reads_in(node)
            return list(reads) if len(reads) == 1 else []
        built = self.finder.constructed(node, self.scope)
        return [built] if built else []

    def _returned_model(self) -> str | None:
        """The one model this function returns instances of: a typed variable, or a query
        method chain reading one model (`M.query.get(id)`, `session.scalars(select(M))`)."""
        found: set[str] = set()
        receiver_class = self.scope.class_qualname not in self.finder.local_models
        for value in _branches(self.scope.returns):
            if receiver_class and self._receiver_instance(value):
                found.add(RECEIVER_MODEL)  # a mixin's `return cls.query.get(id)`, `cls(...)`
            elif isinstance(value, ast.Name) and value.id in self.made:
                found.update(filter(None, [self._made_by(value.id)]))
            elif isinstance(value, ast.Name) and value.id in self.types:
                found.add(self.types[value.id][0])
            elif (built := self.finder.constructed(value, self.scope)) is not None:
                found.add(built)  # `return M(...)`: a new instance, for the caller to add
            elif (root := self._query_root(value)) is not None:
                found.add(root)  # `M.query.join(N).filter(...)`: M's, whatever it joins
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                found.update(
                    self._reads_in(value)
                    or filter(None, [self._local_call_model(value), self._chain_root_model(value)])
                )
                if not found:  # `return service.get(...)`: what that call returns
                    found.update(filter(None, [self._project_call_model(value)]))
            elif (deferred := self._project_call_model(value)) is not None:
                found.add(deferred)  # `return helper(...)`: what the helper returns
        annotated = self.finder.returned_annotation(self.scope)
        if annotated is not None and all(m.startswith(CALL_MODEL) for m in found):
            # what the code returns is not known here (at most another call's result, maybe
            # of a class found at run time): what its annotation promises
            found = {annotated}
        model = found.pop() if len(found) == 1 else None
        if model is None:
            return None
        if model.startswith(PARAM_MODEL):  # a parameter handed back: used as a model, or rows
            used = any(u.model_ref == model for u in self.out.model_uses)
            return model if used or self._hands_back_rows(model[len(PARAM_MODEL) :]) else None
        return model if is_placeholder(model) or is_camel(model.rsplit(".", 1)[-1]) else None

    def _hands_back_rows(self, parameter: str) -> bool:
        """Whether every value the function returns is the parameter's rows (itself, narrowed,
        sorted or sliced: `analyzer.database.kept_rows`) or None: a helper sorting or paging
        the query or list it is given returns rows of whatever model its caller passes."""
        values = [
            value
            for value in _branches(self.scope.returns)
            if not (isinstance(value, ast.Constant) and value.value is None)
        ]
        return bool(values) and all(kept_rows(value) == parameter for value in values)

    def _made_by(self, name: str) -> str | None:
        """What the call `M.method(...)` a variable holds returns (`project = Project.get(id)`),
        known once calls are resolved: an M when the method returns its receiver's instance."""
        values = [b.value for b in self.scope.bindings.get(name, []) if b.value is not None]
        value = values[-1] if values else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            return call_model(value.lineno, value.func.attr)
        return None

    def _receiver_instance(self, node: ast.expr, bound: bool = False) -> bool:
        """Whether `node` is an instance of the class the method runs on: `self`, or in a
        classmethod `cls(...)`, a query of `cls` (`cls.query.filter(...).first()`,
        `session.get(cls, id)`), or a variable bound only to such."""
        receiver = self.scope.receiver
        if receiver is None or self.scope.class_qualname is None:
            return False
        if isinstance(node, ast.Name) and node.id != receiver and not bound:
            values = [b.value for b in self.scope.bindings.get(node.id, [])]
            return bool(values) and all(
                v is not None and self._receiver_instance(v, bound=True) for v in values
            )
        if receiver == "self":
            return _is_name(node, "self")
        if _calls_name(node, "cls"):
            return True
        if isinstance(node, ast.Call) and callee_name(node) in _NOT_ROWS:
            return False  # `cls.query.filter(...).count()`: a number
        while isinstance(node, ast.Call | ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr == "query":
                return _is_name(node.value, "cls")
            if isinstance(node, ast.Call) and node.args and _is_name(node.args[0], "cls"):
                return callee_name(node) in (*_GETS, "query", "select")
            node = node.func if isinstance(node, ast.Call) else node.value
        return False

    def _chain_root_model(self, node: ast.expr) -> str | None:
        """The model of a method chain on a typed variable (`query.filter(...).scalar()`)."""
        while isinstance(node, ast.Call | ast.Attribute):
            node = node.func if isinstance(node, ast.Call) else node.value
        if _is_name(node, str(self.scope.receiver)):
            return None  # `self.save()`: a method's result, not the instance
        typed = self._type_of(node)
        return typed[0] if typed is not None else None

    def _query_root(self, node: ast.expr) -> str | None:
        """M of a query chain that starts at `M.query` or `session.query(M, ...)`."""
        while isinstance(node, ast.Call | ast.Attribute):
            if isinstance(node, ast.Attribute) and node.attr == "query":
                found = self.finder.entity(node.value, self.scope)
                return found[1] if found and found[0] == "model" else None
            if isinstance(node, ast.Call) and callee_name(node) == "query" and node.args:
                found = self.finder.entity(node.args[0], self.scope)
                return found[1] if found and found[0] == "model" else None
            node = node.func if isinstance(node, ast.Call) else node.value
        return None

    def _instance_call(self, call: ast.Call) -> None:
        name = callee_name(call)
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = func.value
        typed = self._type_of(receiver)
        if typed is not None and func.attr in _COLLECTION_CHANGES and split_rel_model(typed[0]):
            typed = None  # `post.tags.append(tag)`: a collection's method, not the model's
        if typed is not None and _followable(typed[0]):
            model, loaded = typed
            found = ModelMethodCall(model, func.attr, call.lineno)
            if loaded:  # `M(...)` instances the call graph knows already
                self.out.method_calls.append(found)
            elif self.scope.enclosing is not None:  # not module code: no route runs it
                self.out.built_method_calls.append(found)
        elif self.scope.enclosing is not None and (
            built := self.finder.constructed(receiver, self.scope)
        ):
            self.out.built_method_calls.append(ModelMethodCall(built, func.attr, call.lineno))
        elif (
            func.attr[:1].islower()
            and func.attr not in _NO_PLACEHOLDER_METHODS
            and (placeholder := self._placeholder_receiver(receiver, typed)) is not None
        ):  # `model.get(id)`, `helper(id).serialize()`: a method of the class known per call
            found = ModelMethodCall(placeholder, func.attr, call.lineno)
            self.out.placeholder_method_calls.append(found)
        if not call.args:
            return
        guessed = isinstance(call.args[0], ast.Name) and call.args[0].id in self.guessed
        if name in _ADDS and not self._is_plain_collection(func.value):
            for model in self._instances(call.args[0]) or self._results(call):
                self._use(("model", model), "write", call.lineno, low=guessed)
        elif name == "delete" and not _sa_callee(func) and id(call) not in self.bulk:
            for model in self._instances(call.args[0], loaded_only=True) or self._results(call):
                self._use(("model", model), "write", call.lineno, low=guessed)
        elif name in _COLLECTION_CHANGES and isinstance(func.value, ast.Attribute):
            self._typed_relationship(func.value, "write")
            for arg in call.args:
                added = self.finder.constructed(arg, self.scope)
                if added is not None:
                    self._use(("model", added), "write", call.lineno, low=True)

    def _placeholder_receiver(
        self, receiver: ast.expr, typed: tuple[str, bool] | None
    ) -> str | None:
        """The model, known only per call, of the instance a method is called on: a parameter
        (`model.get(id)`, not the method's own receiver), a variable holding what a project
        call returns or a relationship of either (`x = helper(id); x.delete()`), or such a
        call itself (`helper(id).serialize()`)."""
        if isinstance(receiver, ast.Name) and receiver.id == self.scope.receiver:
            return None
        if typed is not None:
            return typed[0] if typed[1] and not _followable(typed[0]) else None
        if not isinstance(receiver, ast.Call):
            return None
        root = (dotted_name(receiver.func) or "").split(".")[0]
        if (
            callee_name(receiver) in _STATEMENTS
            or root in self.finder.table_variables
            or root in _SA_MODULES
        ):
            return None  # `M.query.filter(...).first()`, `insert(t).values(...)`: a statement
        return self._project_call_model(receiver)

    def _is_plain_collection(self, node: ast.expr) -> bool:
        """A set (or an item of a mapping of sets) the function builds, not a session: its
        `add(obj)` stores nothing (`by_source[key].add(row)`, `seen = set(); seen.add(row)`)."""
        if isinstance(node, ast.Subscript):
            return True
        if not isinstance(node, ast.Name) or self.scope.enclosing is None:
            return False
        values = [b.value for b in self.scope.bindings.get(node.id, [])]
        return bool(values) and all(
            isinstance(v, ast.Set | ast.SetComp) or _calls_name(v, "set") for v in values
        )

    def _results(self, call: ast.Call) -> list[str]:
        """`session.add(f(...))` / `obj = f(...); session.add(obj)` with `f` not a model: the
        call's line is kept for the resolver, which knows what `f` returns (nothing here)."""
        value: ast.expr | None = call.args[0]
        if isinstance(value, ast.Name) and self.scope.enclosing is not None:
            bindings = self.scope.bindings.get(value.id, [])
            value = bindings[0].value if len(bindings) == 1 else None
        if isinstance(value, ast.Call) and self.scope.enclosing is not None:
            self.out.result_uses.append(ResultUse(value.lineno, call.lineno))
        return []

    def _class_call(self, call: ast.Call) -> None:
        """`M.create(...)`: a method called on a model class itself."""
        model = self._class_call_model(call)
        if model is not None and self.scope.enclosing is not None:
            assert isinstance(call.func, ast.Attribute)
            use = ModelMethodCall(model, call.func.attr, call.lineno)
            self.out.built_method_calls.append(use)

    def _class_call_model(self, node: ast.expr) -> str | None:
        """The class-like name M of `M.method(...)` (a factory or finder, maybe any class)."""
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            return None
        func = node.func
        owner = func.value  # a class-like name last, or no M (this runs on every call)
        if not isinstance(owner, ast.Attribute | ast.Name):
            return None
        if not is_camel(owner.attr if isinstance(owner, ast.Attribute) else owner.id):
            return None
        found = self.finder.entity(owner, self.scope)
        if (
            func.attr[:1].islower()
            and found
            and found[0] == "model"
            and dotted_name(func.value) == found[1]
            and is_camel(found[1].rsplit(".", 1)[-1])
        ):
            return found[1]
        return None

    def _receiver_uses(self) -> None:
        """Uses of the instance or class this method runs on (see the module docstring)."""
        receiver = self.scope.receiver
        if receiver not in ("self", "cls") or self.scope.class_qualname is None:
            return
        names = {"self"} if receiver == "self" else set()
        if receiver == "cls":
            for name, bindings in self.scope.bindings.items():
                values = [b.value for b in bindings if b.value is not None]
                if any(self._receiver_instance(value, bound=True) for value in values):
                    names.add(name)
            for node in self.scope.attribute_loads:
                if node.attr == "query" and _is_name(node.value, "cls"):
                    self.out.receiver_uses.append(ReceiverUse(None, node.lineno, "read"))

        def is_instance(node: ast.expr) -> bool:
            return (isinstance(node, ast.Name) and node.id in names) or _calls_name(node, "cls")

        self._mapper_reads()
        for call in self.scope.calls:
            func = call.func
            first = call.args[0] if call.args else None
            called = callee_name(call)
            if receiver == "cls" and first is not None and _is_name(first, "cls"):
                if called == "select" or (called in _GETS and isinstance(func, ast.Attribute)):
                    self.out.receiver_uses.append(ReceiverUse(None, call.lineno, "read"))
                elif called in ("insert", "update", "delete") and _sa_callee(func):
                    self.out.receiver_uses.append(ReceiverUse(None, call.lineno, "write"))
            if not isinstance(func, ast.Attribute):
                continue
            if func.attr in (*_ADDS, "delete") and first is not None and is_instance(first):
                self.out.receiver_uses.append(ReceiverUse(None, call.lineno))
            elif is_instance(func.value) or (receiver == "cls" and _is_name(func.value, "cls")):
                self.out.receiver_uses.append(ReceiverUse(func.attr, call.lineno))
            elif _calls_name(func.value, "super"):  # `super().serialize(...)`: a base's method
                self.out.receiver_uses.append(ReceiverUse(func.attr, call.lineno, super_=True))
        if self.scope.class_qualname in self.finder.model_mixins:
            self._receiver_attributes(names | ({"cls"} if receiver == "cls" else set()))

    def _receiver_attributes(self, names: set[str]) -> None:
        """In a declared_attr mixin's or a declarative base's method, attributes of the
        receiver whose meaning only the model it runs on tells: `self.is_public` (a property of
        another mixin), `self.status` (a relationship its declared_attr makes), `cls.Label.query` (a
        class it makes per model), read; `self.labels.append(...)` / `self.status = [...]`,
        a collection changed, written when this method commits."""
        called = {id(call.func) for call in self.scope.calls}
        found: dict[tuple[str, AccessMode], int] = {}
        for node in self.scope.attribute_loads:
            own = _is_name(node.value, *names) and id(node) not in called
            if own and not node.attr.startswith("__") and node.attr != "query":
                found.setdefault((node.attr, "read"), node.lineno)
        if self.out.commits:
            for call in self.scope.calls:
                func = call.func
                if not isinstance(func, ast.Attribute) or func.attr not in _COLLECTION_CHANGES:
                    continue
                collection = func.value
                if isinstance(collection, ast.Attribute) and _is_name(collection.value, *names):
                    found.setdefault((collection.attr, "write"), call.lineno)
            for node in self.scope.attribute_stores:
                if _is_name(node.value, *names):
                    found.setdefault((node.attr, "write"), node.lineno)
        for (attribute, mode), line in found.items():
            self.out.receiver_uses.append(ReceiverUse(None, line, mode, attribute=attribute))

    def _mapper_reads(self) -> None:
        """`getattr(self, name)` over the names of the mapper's relationships: every
        relationship of the receiver's class read, maybe only for some values of a parameter
        (the guards, on the read's line)."""
        if self.scope.receiver != "self" or not any(
            _calls_name(call, "getattr") and call.args and _is_name(call.args[0], "self")
            for call in self.scope.calls
        ):
            return  # the commonest case, told from the calls already collected
        node = self.finder.function_node(self.scope)
        if node is None:
            return
        owner = str(self.scope.class_qualname)
        for read in mapper_reads(node, "self", lambda name: self.finder.method_node(owner, name)):
            self.out.receiver_uses.append(ReceiverUse(None, read.line, "read", True))
            self.out.param_guards.extend(
                ParamGuard(parameter, read.line, read.line, falsy=falsy)
                for parameter, falsy in read.when
            )

    def _typed_relationship(self, node: ast.Attribute, mode: AccessMode) -> None:
        """`obj.attr` on a loaded instance; on a new one (`Blueprint(...)` looks the same) only
        when a collection is changed."""
        typed = self._type_of(node.value)
        if typed is not None and node.attr[:1].islower():
            model, loaded = typed
            if loaded or mode == "write":
                use = RelationshipUse(model, node.attr, mode, node.lineno)
                self.out.relationship_uses.append(use)

    def _instance_changes(self) -> None:
        """A loaded instance changed (`obj.x = ...`, `setattr(obj, key, value)`) is written
        when this function commits, or when it hands the instance on to a call
        (`database.update(obj)`, `save(obj)`), which may commit; else it is changed, written
        where the route commits."""
        if not self.types and "g" not in self.finder.scopes.imported:
            return  # no instance known here: nothing below is typed (see `_type_of`)
        for node in self.scope.attribute_stores:
            if self._type_of(node.value) is not None:
                # `obj.tags = [...]`, `self.owers = owers` in `__init__`: the resolver keeps those
                # naming a relationship (a many-to-many one's association rows are written)
                self._typed_relationship(node, "write")
        changes = [(n.value, n.lineno) for n in self.scope.attribute_stores]
        changes += [
            (c.args[0], c.lineno) for c in self.scope.calls if _calls_name(c, "setattr") and c.args
        ]
        typed_changes = [(i, line, t) for i, line in changes if (t := self._type_of(i)) and t[1]]
        if typed_changes:
            self._changes_written(typed_changes)
        called = {id(call.func) for call in self.scope.calls}
        for node in self.scope.attribute_loads:
            if id(node) not in called:
                self._typed_relationship(node, "read")
                self._property_read(node)

    def _changes_written(self, changes: list[tuple[ast.expr, int, tuple[str, bool]]]) -> None:
        """Loaded instances changed: written when committed here or handed on, else changed
        (written where the route commits: `self._fix_counts()` then `db.session.commit()`)."""
        handed = {
            arg.id
            for call in self.scope.calls
            if not _calls_name(call, "setattr")
            for arg in (*call.args, *(k.value for k in call.keywords))
            if isinstance(arg, ast.Name)
        }
        recorded: set[tuple[str, AccessMode]] = set()
        for instance, line, (model, _) in changes:
            handed_on = isinstance(instance, ast.Name) and instance.id in handed
            mode: AccessMode = "write" if self.out.commits or handed_on else "change"
            if (model, mode) not in recorded:
                recorded.add((model, mode))
                self._use(("model", model), mode, line, low=True)

    def _property_read(self, node: ast.Attribute) -> None:
        """`obj.balance` on a loaded instance: when the model defines `balance` (a property),
        its getter runs; the call graph follows the method like a called one."""
        typed = self._type_of(node.value)
        if typed is None or not _followable(typed[0]):
            return  # a placeholder's class is known only per call: no method to follow here
        if typed[1] and node.attr[:1].islower():
            self.out.method_calls.append(ModelMethodCall(typed[0], node.attr, node.lineno))

    def _constructor_relationships(self, call: ast.Call) -> None:
        """`M(tags=[...])`: a relationship set through the constructor's keywords (the resolver
        keeps those naming a relationship)."""
        model = self.finder.constructed(call, self.scope)
        if model is None or self.scope.enclosing is None:
            return
        for keyword in call.keywords:
            if keyword.arg is not None and keyword.arg[:1].islower():
                self.out.relationship_uses.append(
                    RelationshipUse(model, keyword.arg, "write", call.lineno)
                )
