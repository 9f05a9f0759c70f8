"""SQLAlchemy / Flask-SQLAlchemy model classes, Table objects and model bases in one module.

Table names follow Flask-SQLAlchemy 3 (flask_sqlalchemy/model.py): `__tablename__` (plain or
annotated), `__table__ = Table("x", ...)`, a `declared_attr` returning a literal or an expression of
the class's name (`table_naming.py`; also inherited from a local mixin, a declarative base or
`declarative_base(cls=...)`), else `camel_to_snake_case(ClassName)`. A subclass of a mapped model
that declares no primary-key column shares its parent's table (single-table inheritance); with
one (joined inheritance) it gets its own.
A `__tablename__` of None (plain, or a `declared_attr` that only returns None; on the class or a
mixin it inherits) names no table: SQLAlchemy's declarative scan skips it, so the class is mapped
onto its parent's table, or has none when no parent is mapped.
`__table_args__ = {"schema": "s"}` qualifies the name as "s.name".

SQLAlchemy-Continuum: a model declaring `__versioned__` also gets its version class
`<Name>Version` (table `<table>_version`), see `_continuum_versions`.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field

from analyzer.database.mixin_tables import made_tables
from analyzer.database.names import callee_name, dotted_name
from analyzer.database.table_naming import DEFAULT_NAMING, declared_naming, is_literal, table_name
from analyzer.facts.database import (
    ForeignKey,
    MixinTable,
    ModelFact,
    Relationship,
    TableDefinition,
)

_BASE_FACTORIES = frozenset({"declarative_base", "generate_base", "as_declarative_base"})
_BASE_CLASSES = frozenset({"DeclarativeBase", "DeclarativeBaseNoMeta", "AsyncAttrs"})
_MAPPING_DECORATORS = frozenset({"mapped", "mapped_as_dataclass"})
_COLUMN_CALLS = frozenset({"Column", "mapped_column", "column"})
_RELATIONSHIP_CALLS = frozenset({"relationship", "relation", "dynamic_loader"})
_MODEL_MARKERS = frozenset(
    {"__tablename__", "__table__", "__table_args__", "__mapper_args__", "__abstract__"}
    | {"__bind_key__"}
)
_MODEL_CALLS = _COLUMN_CALLS | _RELATIONSHIP_CALLS | {"column_property", "synonym"}
# relationship(lazy=...) values that load the relationship whenever its model is loaded
_EAGER_LOADING = frozenset({"joined", "selectin", "subquery", "immediate", False})


@dataclass(frozen=True)
class OrmDefinitions:
    """What a module declares: models, standalone tables, and the names usable as model bases."""

    models: tuple[ModelFact, ...] = ()
    tables: tuple[TableDefinition, ...] = ()
    model_bases: tuple[str, ...] = ()
    base_namings: dict[str, str] = field(default_factory=dict)  # model base -> naming template
    mixin_tables: tuple[MixinTable, ...] = ()  # classes mixins' declared_attrs make per model
    table_variables: dict[str, str] = field(default_factory=dict)  # module name -> table name


@dataclass
class _ClassInfo:
    node: ast.ClassDef
    base_refs: tuple[str, ...]
    tablename: str | None = None
    naming: str | None = None  # declared_attr rule inherited by subclasses
    no_table: bool = False  # __tablename__ = None: no table of its own
    abstract: bool = False
    primary_key: bool = False
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    schema: str | None = None
    looks_mapped: bool = False
    decorated: bool = False  # @registry.mapped: a model without a base class
    bind_key: str | None = None  # __bind_key__: the Flask-SQLAlchemy bind it lives in
    versioned: bool = False  # __versioned__ = {...}: SQLAlchemy-Continuum keeps its history


def extract_models(tree: ast.Module, imported: set[str]) -> OrmDefinitions:
    """Models, `Table(...)` definitions and model bases declared at the top level of `tree`."""
    bases: dict[str, str | None] = {}  # base name -> naming rule inherited from cls=
    tables: list[TableDefinition] = []
    classes: dict[str, _ClassInfo] = {}
    statements = list(_top_level(tree.body))
    table_variables: dict[str, str] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            table = _table_definition(statement.value, None)
            names = _target_names(statement)
            for name in names:
                if table is not None:
                    table_variables[name] = table.name
                    tables.append(_with_variable(table, name))
            if table is not None and not names:
                tables.append(table)
    for statement in statements:
        if isinstance(statement, ast.ClassDef):
            classes[statement.name] = _class_info(statement, table_variables)
            if _is_declarative_base(statement):
                bases[statement.name] = classes[statement.name].naming
    for statement in statements:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            for name in _target_names(statement):
                _note_base(name, statement.value, bases, classes)
    resolver = _Resolver(classes, bases, imported)
    models = tuple(
        fact for name in classes if (fact := resolver.model_fact(name, table_variables)) is not None
    )
    models, version_tables = _continuum_versions(models, classes, statements)
    return OrmDefinitions(
        models=models,
        tables=tuple([*tables, *version_tables]),
        model_bases=tuple(sorted(bases)),
        base_namings={name: naming for name, naming in sorted(bases.items()) if naming},
        mixin_tables=tuple(made for info in classes.values() for made in made_tables(info.node)),
        table_variables=table_variables,
    )


def _continuum_versions(
    models: tuple[ModelFact, ...], classes: dict[str, _ClassInfo], statements: list[ast.stmt]
) -> tuple[tuple[ModelFact, ...], list[TableDefinition]]:
    """SQLAlchemy-Continuum's version classes (sqlalchemy_continuum/builder.py): for a model
    with `__versioned__`, `<Name>Version` on `<table>_version`, with the model's relationships
    pointing at their targets' versions (for versioned targets) through the association tables'
    versions (`<secondary>_version`); the model gets a `versions` relationship to it, and
    `X = version_class(Model)` names it X too."""
    versioned = {
        m.class_name: m
        for m in models
        if m.table and m.class_name in classes and classes[m.class_name].versioned
    }
    if not versioned:
        return models, []
    names = {name: [f"{name}Version"] for name in versioned}
    for statement in statements:
        value = statement.value if isinstance(statement, ast.Assign) else None
        if isinstance(value, ast.Call) and callee_name(value) == "version_class" and value.args:
            source = dotted_name(value.args[0])
            if source in names:
                assert isinstance(statement, ast.Assign)
                names[source] += [n for n in _target_names(statement) if n not in names[source]]
    found = [
        dataclasses.replace(
            model,
            relationships=(
                *model.relationships,
                Relationship("versions", f"{model.class_name}Version"),
            ),
        )
        if model.class_name in versioned
        else model
        for model in models
    ]
    version_tables: dict[str, TableDefinition] = {}
    for name, model in versioned.items():
        relationships = tuple(_version_of(rel, versioned) for rel in model.relationships)
        for rel in relationships:
            table = rel.secondary_table
            if table and table not in version_tables:
                version_tables[table] = TableDefinition(table, model.line)
        found += [
            ModelFact(
                class_name=alias,
                table=f"{model.table}_version",
                line=model.line,
                relationships=relationships,
                has_primary_key=True,
                bind_key=model.bind_key,
            )
            for alias in names[name]
        ]
    return tuple(found), list(version_tables.values())


def _version_of(rel: Relationship, versioned: dict[str, ModelFact]) -> Relationship:
    target = rel.target_ref.rsplit(".", 1)[-1]
    return Relationship(
        rel.attribute,
        f"{target}Version" if target in versioned else rel.target_ref,
        f"{rel.secondary_table}_version" if rel.secondary_table else None,
        None,
        rel.backref,
        rel.proxied,
    )


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Module statements, including those inside top-level if/try blocks."""
    found: list[ast.stmt] = []
    for statement in body:
        if isinstance(statement, ast.If | ast.Try):
            for block in (statement.body, statement.orelse, getattr(statement, "finalbody", [])):
                found.extend(_top_level(block))
            for handler in getattr(statement, "handlers", []):
                found.extend(_top_level(handler.body))
        else:
            found.append(statement)
    return found


def _target_names(statement: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def _note_base(
    name: str, value: ast.expr, bases: dict[str, str | None], classes: dict[str, _ClassInfo]
) -> None:
    if isinstance(value, ast.Call):
        called = callee_name(value)
        if called in _BASE_FACTORIES:
            mixin = next((k.value for k in value.keywords if k.arg == "cls"), None)
            mixin_info = classes.get(dotted_name(mixin) or "") if mixin is not None else None
            bases[name] = mixin_info.naming if mixin_info else None
        elif called == "SQLAlchemy":
            bases[f"{name}.Model"] = None
    elif (dotted := dotted_name(value)) is not None and dotted.endswith(".Model"):
        bases[name] = None


def _is_declarative_base(node: ast.ClassDef) -> bool:
    for base in node.bases:
        if (dotted := dotted_name(base)) and dotted.rsplit(".", 1)[-1] in _BASE_CLASSES:
            return True
    return any(
        isinstance(d, ast.Call) and callee_name(d) == "as_declarative" for d in node.decorator_list
    )


def _class_info(node: ast.ClassDef, table_variables: dict[str, str]) -> _ClassInfo:
    info = _ClassInfo(node, tuple(d for b in node.bases if (d := dotted_name(b)) is not None))
    info.decorated = any(
        (dotted_name(d) or "").rsplit(".", 1)[-1] in _MAPPING_DECORATORS
        for d in node.decorator_list
    )
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and statement.name == "__tablename__":
            info.tablename, info.naming = _declared_tablename(statement)
            info.no_table = _returns_only_none(statement)
            info.looks_mapped = True
            continue
        target, value, annotation = _assignment(statement)
        if target is None:
            continue
        if target in _MODEL_MARKERS:
            info.looks_mapped = True
        if target == "__versioned__":
            info.versioned = True
        if target == "__tablename__" and isinstance(value, ast.Constant):
            if value.value is None:
                info.no_table = True
            else:
                info.tablename = str(value.value)
        elif target == "__abstract__":
            info.abstract = isinstance(value, ast.Constant) and value.value is True
        elif target == "__bind_key__" and value is not None:
            info.bind_key = _string(value)
        elif target == "__table_args__" and value is not None:
            _read_table_args(value, info)
        elif target == "__table__" and value is not None:
            table = _table_definition(value, None)
            if table is not None:
                info.tablename = table.name
                info.bind_key = info.bind_key or table.bind_key
                info.foreign_keys.extend(table.foreign_keys)
                info.primary_key = info.primary_key or _has_primary_key(value)
        elif isinstance(value, ast.Call):
            _read_attribute(target, value, annotation, info, table_variables)
        elif annotation is not None and _mapped_annotation(annotation):
            info.looks_mapped = True  # `name: Mapped[str]` without a mapped_column()
    return info


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value, None
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value, statement.annotation
    return None, None, None


def _declared_tablename(function: ast.FunctionDef) -> tuple[str | None, str | None]:
    """(table, None) for a declared_attr returning a literal, (None, naming template) for one
    built from the class's name, else (None, None)."""
    template = declared_naming(function)
    if template is None:
        return None, None
    return (table_name(template, ""), None) if is_literal(template) else (None, template)


def _returns_only_none(function: ast.FunctionDef) -> bool:
    returns = [s for s in ast.walk(function) if isinstance(s, ast.Return)]
    return bool(returns) and all(
        r.value is None or (isinstance(r.value, ast.Constant) and r.value.value is None)
        for r in returns
    )


def _read_table_args(value: ast.expr, info: _ClassInfo) -> None:
    items = value.elts if isinstance(value, ast.Tuple | ast.List) else [value]
    for item in items:
        if isinstance(item, ast.Dict):
            for key, entry in zip(item.keys, item.values, strict=True):
                named_schema = isinstance(key, ast.Constant) and key.value == "schema"
                if named_schema and isinstance(entry, ast.Constant):
                    info.schema = str(entry.value)
        elif isinstance(item, ast.Call):
            if callee_name(item) == "PrimaryKeyConstraint":
                info.primary_key = True
            info.foreign_keys.extend(_constraint_foreign_keys(item))


def _read_attribute(
    name: str,
    value: ast.Call,
    annotation: ast.expr | None,
    info: _ClassInfo,
    table_variables: dict[str, str],
) -> None:
    called = callee_name(value)
    if called in _MODEL_CALLS:
        info.looks_mapped = True
    if called in _COLUMN_CALLS:
        column = name
        if value.args and isinstance(value.args[0], ast.Constant):
            column = str(value.args[0].value)
        info.primary_key = info.primary_key or _keyword_true(value, "primary_key")
        info.foreign_keys.extend(_column_foreign_keys(column, value))
    elif called in _RELATIONSHIP_CALLS:
        relationship = _relationship(name, value, annotation, table_variables)
        if relationship is not None:
            info.relationships.append(relationship)
    elif called == "association_proxy" and len(value.args) >= 2:
        names = [a.value for a in value.args[:2] if isinstance(a, ast.Constant)]
        if len(names) == 2 and all(isinstance(n, str) for n in names):
            proxied = (str(names[0]), str(names[1]))
            info.relationships.append(Relationship(name, "", proxied=proxied))


def _relationship(
    name: str, call: ast.Call, annotation: ast.expr | None, table_variables: dict[str, str]
) -> Relationship | None:
    target: str | None = None
    if call.args:
        target = _model_ref(call.args[0])
    if target is None and annotation is not None:
        target = _annotation_target(annotation)
    if target is None:
        return None
    secondary_table = secondary_ref = backref = None
    eager = False
    for keyword in call.keywords:
        if keyword.arg == "lazy" and isinstance(keyword.value, ast.Constant):
            eager = keyword.value.value in _EAGER_LOADING
        if keyword.arg == "secondary":
            if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                secondary_table = keyword.value.value
            elif (ref := dotted_name(keyword.value)) is not None:
                if ref in table_variables:
                    secondary_table = table_variables[ref]
                else:
                    secondary_ref = ref
        elif keyword.arg == "backref":
            backref_value = keyword.value
            if isinstance(backref_value, ast.Call) and backref_value.args:
                backref_value = backref_value.args[0]
            if isinstance(backref_value, ast.Constant) and isinstance(backref_value.value, str):
                backref = backref_value.value
    return Relationship(name, target, secondary_table, secondary_ref, backref, eager=eager)


def _model_ref(node: ast.expr) -> str | None:
    if isinstance(node, ast.Lambda):
        node = node.body
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return dotted_name(node)


def _annotation_target(annotation: ast.expr) -> str | None:
    """ "Order" from Mapped["Order"], Mapped[list["Order"]], Mapped[Optional[Order]], ..."""
    node: ast.expr = annotation
    while True:
        if isinstance(node, ast.Subscript):
            node = node.slice
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            none_right = isinstance(node.right, ast.Constant) and node.right.value is None
            node = node.left if none_right else node.right
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        else:
            return dotted_name(node)


def _mapped_annotation(annotation: ast.expr) -> bool:
    return isinstance(annotation, ast.Subscript) and (dotted_name(annotation.value) or "").endswith(
        "Mapped"
    )


def _keyword_true(call: ast.Call, name: str) -> bool:
    return any(
        k.arg == name and isinstance(k.value, ast.Constant) and bool(k.value.value)
        for k in call.keywords
    )


def _foreign_key_target(call: ast.Call) -> tuple[str, str | None] | None:
    """("schema.table", "col") from ForeignKey("schema.table.col")."""
    if callee_name(call) != "ForeignKey" or not call.args:
        return None
    target = call.args[0]
    if not (isinstance(target, ast.Constant) and isinstance(target.value, str)):
        return None
    table, _, column = target.value.rpartition(".")
    return (table, column) if table else (column, None)


def _column_foreign_keys(column: str, call: ast.Call) -> list[ForeignKey]:
    found: list[ForeignKey] = []
    for arg in call.args:
        if isinstance(arg, ast.Call) and (target := _foreign_key_target(arg)) is not None:
            found.append(ForeignKey(column, target[0], target[1]))
    return found


def _constraint_foreign_keys(call: ast.Call) -> list[ForeignKey]:
    if callee_name(call) != "ForeignKeyConstraint" or len(call.args) < 2:
        return []
    columns, targets = call.args[0], call.args[1]
    if not (
        isinstance(columns, ast.List | ast.Tuple) and isinstance(targets, ast.List | ast.Tuple)
    ):
        return []
    found: list[ForeignKey] = []
    for column, target in zip(columns.elts, targets.elts, strict=False):
        if isinstance(column, ast.Constant) and isinstance(target, ast.Constant):
            table, _, referenced = str(target.value).rpartition(".")
            found.append(
                ForeignKey(str(column.value), table or referenced, referenced if table else None)
            )
    return found


def _table_definition(value: ast.expr, variable: str | None) -> TableDefinition | None:
    """`Table("name", metadata, Column(...), ...)` / `db.Table(...)`, with its foreign keys."""
    if not isinstance(value, ast.Call) or callee_name(value) != "Table" or not value.args:
        return None
    name_node = value.args[0]
    if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
        return None
    name = name_node.value
    for keyword in value.keywords:
        schema = keyword.value
        if keyword.arg == "schema" and isinstance(schema, ast.Constant):
            name = f"{schema.value!s}.{name}"
    foreign_keys: list[ForeignKey] = []
    for arg in value.args[1:]:
        if not isinstance(arg, ast.Call):
            continue
        if callee_name(arg) in _COLUMN_CALLS and arg.args and isinstance(arg.args[0], ast.Constant):
            foreign_keys.extend(_column_foreign_keys(str(arg.args[0].value), arg))
        foreign_keys.extend(_constraint_foreign_keys(arg))
    return TableDefinition(
        name, value.lineno, tuple(foreign_keys), variable, _table_bind_key(value)
    )


def _table_bind_key(table_call: ast.Call) -> str | None:
    """Flask-SQLAlchemy's `db.Table(..., bind_key="x")` or `info={"bind_key": "x"}`."""
    for keyword in table_call.keywords:
        if keyword.arg == "bind_key":
            return _string(keyword.value)
        if keyword.arg == "info" and isinstance(keyword.value, ast.Dict):
            for key, item in zip(keyword.value.keys, keyword.value.values, strict=True):
                if key is not None and _string(key) == "bind_key":
                    return _string(item)
    return None


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _with_variable(table: TableDefinition, variable: str) -> TableDefinition:
    return dataclasses.replace(table, variable=variable)


def _has_primary_key(table_call: ast.expr) -> bool:
    return any(
        isinstance(arg, ast.Call) and _keyword_true(arg, "primary_key")
        for arg in getattr(table_call, "args", [])
    )


class _Resolver:
    """Decides which classes are models and which table each maps to."""

    def __init__(
        self, classes: dict[str, _ClassInfo], bases: dict[str, str | None], imported: set[str]
    ) -> None:
        self.classes = classes
        self.bases = bases
        self.imported = imported
        self._kind: dict[str, str] = {}

    def kind(self, ref: str, seen: frozenset[str] = frozenset()) -> str:
        """ "base", "model", "plain" (mixin, unrelated class) or "unknown" (defined elsewhere)."""
        if ref in self.bases or ref.endswith(".Model"):
            return "base"
        info = self.classes.get(ref)
        if info is None:
            plain = ref in ("object", "Generic") or ref.startswith("typing.")
            return "plain" if plain else "unknown"
        if ref in seen:
            return "plain"
        if ref not in self._kind:
            kinds = {self.kind(base, seen | {ref}) for base in info.base_refs}
            if info.decorated or kinds & {"base", "model"}:
                self._kind[ref] = "model"
            else:
                self._kind[ref] = "unknown" if "unknown" in kinds else "plain"
        return self._kind[ref]

    def model_fact(self, name: str, table_variables: dict[str, str]) -> ModelFact | None:
        info = self.classes[name]
        kind = self.kind(name)
        if kind == "unknown" and not info.looks_mapped:
            return None
        if kind not in ("model", "unknown"):
            return None
        primary_key = info.primary_key or any(
            self.classes[m].primary_key for m in self._ancestors(name) if self._copies_columns(m)
        )
        foreign_keys = list(info.foreign_keys)
        for ancestor in self._ancestors(name):
            if self._copies_columns(ancestor):
                foreign_keys.extend(self.classes[ancestor].foreign_keys)
        return ModelFact(
            class_name=name,
            table=None if info.abstract else self._table(name, primary_key),
            line=info.node.lineno,
            base_refs=info.base_refs,
            foreign_keys=tuple(dict.fromkeys(foreign_keys)),
            relationships=tuple(info.relationships),
            resolved=kind == "model",
            has_primary_key=primary_key,
            abstract=info.abstract,
            bind_key=self._bind_key(name),
            naming=self.naming(name),
            default_named=info.tablename is None and not info.schema and not self.naming(name),
        )

    def _bind_key(self, name: str) -> str | None:
        """`__bind_key__` of the class or of the nearest local ancestor that sets one."""
        for klass in (name, *self._ancestors(name)):
            if self.classes[klass].bind_key is not None:
                return self.classes[klass].bind_key
        return None

    def _ancestors(self, name: str) -> list[str]:
        """Local ancestor classes of `name`, nearest first (breadth first, no repeats)."""
        order: list[str] = []
        queue = list(self.classes[name].base_refs)
        while queue:
            ref = queue.pop(0)
            if ref in self.classes and ref not in order and ref != name:
                order.append(ref)
                queue.extend(self.classes[ref].base_refs)
        return order

    def _copies_columns(self, ancestor: str) -> bool:
        """Mixins and abstract models lend their columns to each subclass's own table."""
        return self.kind(ancestor) == "plain" or self.classes[ancestor].abstract

    def _mapped_parent_table(self, name: str) -> str | None:
        for ancestor in self._ancestors(name):
            info = self.classes[ancestor]
            candidate = self.kind(ancestor) == "unknown" and info.looks_mapped
            if (self.kind(ancestor) == "model" or candidate) and not info.abstract:
                return self._table(ancestor, self._own_primary_key(ancestor))
        return None

    def _own_primary_key(self, name: str) -> bool:
        return self.classes[name].primary_key or any(
            self.classes[m].primary_key for m in self._ancestors(name) if self._copies_columns(m)
        )

    def _table(self, name: str, primary_key: bool) -> str | None:
        info = self.classes[name]
        parent_table = self._mapped_parent_table(name)
        if self._names_no_table(name) or (parent_table is not None and not primary_key):
            return parent_table
        table = info.tablename
        if table is None:
            table = table_name(self.naming(name) or DEFAULT_NAMING, name)
        return f"{info.schema}.{table}" if info.schema else table

    def _names_no_table(self, name: str) -> bool:
        """`__tablename__` is None on the class, or on the mixin or abstract class it takes it
        from (the nearest that sets one, before any mapped ancestor)."""
        for cls in (name, *self._ancestors(name)):
            info = self.classes[cls]
            if cls != name and not self._copies_columns(cls):
                return False
            if info.tablename is not None or info.naming is not None or info.no_table:
                return info.no_table
        return False

    def naming(self, name: str) -> str | None:
        """The naming template the class or a local ancestor or base declares, if any."""
        for cls in (name, *self._ancestors(name)):
            info = self.classes[cls]
            if info.naming:
                return info.naming
            for ref in info.base_refs:
                if self.bases.get(ref):
                    return self.bases[ref]
        return None
