"""Facts about database access found in one module, before names are resolved across modules.

Produced per file by `analyzer.database.extract.extract_db_facts` (pure: ast in, facts out)
and consumed by the cross-module resolution stage, which maps model references
through imports to tables and folds accesses along calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# "change": a loaded instance's column changed in a function that neither commits nor hands
# it on; written where the route commits (the session's commit flushes every changed instance)
AccessMode = Literal["read", "write", "change"]
Confidence = Literal["high", "low"]


ConnectionKind = Literal["bind", "engine", "library", "imported", "call", "sink", "g"]


@dataclass(frozen=True)
class Connection:
    """A database connection, other than Flask-SQLAlchemy's default one, that SQL may be sent
    through: made here ("bind", "engine", "library"), or known only once names are resolved
    ("imported", "call", "sink", "g")."""

    database: str  # the bind key ("reports"), the engine's module variable ("pkg.db.engine")
    # or, for one made inside a function, "module.function"; the library call that connects
    # ("sqlite3.connect"); "imported": the imported name as written ("engines.reports"), another
    # database if it holds a project `create_engine`; "call": the function called, as written
    # ("get_db", "db.get_db", "self.connection"), whose result is the connection; "sink": the
    # function called with the SQL, as written ("query_db"), which sends it through its own
    # connection; "g": the attribute of Flask's `g` holding the connection ("db" for `g.db`)
    kind: ConnectionKind  # "bind": a Flask-SQLAlchemy bind, always another database; "engine"
    # (a `create_engine` of the project's) and "library": see `analyzer.resolution.other_databases`
    setting: str | None = None  # the configuration key or constant naming the database it
    # connects to ("DATABASE" for `sqlite3.connect(current_app.config["DATABASE"])`)
    user_provided: bool = False  # it connects to a database named by the request's data


@dataclass(frozen=True)
class StoredConnection:
    """`g.<attribute> = <connection>`: Flask's `g` holds a connection for the request."""

    attribute: str
    connection: Connection
    line: int


@dataclass(frozen=True)
class TableAccess:
    """A table read or written at one place in the source."""

    table: str  # as named in the SQL/model, lower-cased when unquoted; "schema.table" kept
    mode: AccessMode
    line: int
    confidence: Confidence = "high"  # "low": SQL built with f-strings/concatenation, or best effort
    via: Literal["sql", "orm"] = "sql"
    indirect: bool = False  # reached only through an ORM relationship
    ddl: bool = (
        False  # the write is a schema change (CREATE/DROP/ALTER/TRUNCATE), not a data change
    )
    connection: Connection | None = None  # None: sent through the app's own database


# A model reference (`ModelUse.model_ref`, `RelationshipUse.model_ref`, `returns_model`,
# `ModelArgument.model_ref`) may be a placeholder for a model known only per call, once calls
# are resolved: "@param:<name>" is whatever model (class or instance) the caller passes as that
# parameter (`def get(model, id): return model.query.get(id)`), "@call:<line>:<callee>" is the
# model of what the project function called there (its last name as written) returns
# (`cert = database.get(Certificate, id)`), "@rel:<attribute>:<model ref>" is the model the
# relationship `attribute` of that model ref (itself maybe a placeholder) leads to (`owner =
# post.author`, `for tag in post.tags.all()`); an attribute that is no relationship leads nowhere.
# "@receiver", what a method returns only: an instance of the class it runs on, whichever that is
# (a mixin's classmethod `get(cls, id)` returning `session.get(cls, id)`, `cls(**kw)`, `self`), so
# `M.get(id)` returns an M. "@current_user" is Flask-Login's `current_user`: an instance of the
# model the project's `@login_manager.user_loader` callback returns. "@g:<attribute>" is what
# Flask's `g.<attribute>` holds where the module reading it never sets it: the models the
# project's other functions set it to (`g.auth_user = User.verify(token)` in a hook).
PARAM_MODEL = "@param:"
CURRENT_USER_MODEL = "@current_user"
G_MODEL = "@g:"
CALL_MODEL = "@call:"
REL_MODEL = "@rel:"
RECEIVER_MODEL = "@receiver"


def param_model(parameter: str) -> str:
    return f"{PARAM_MODEL}{parameter}"


def g_model(attribute: str) -> str:
    return f"{G_MODEL}{attribute}"


def call_model(line: int, callee: str) -> str:
    return f"{CALL_MODEL}{line}:{callee}"


def rel_model(attribute: str, model_ref: str) -> str:
    return f"{REL_MODEL}{attribute}:{model_ref}"


def split_rel_model(model_ref: str) -> tuple[str, str] | None:
    """(attribute, model ref) of a "@rel:" placeholder, None for any other reference."""
    if not model_ref.startswith(REL_MODEL):
        return None
    attribute, _, base = model_ref[len(REL_MODEL) :].partition(":")
    return attribute, base


def is_placeholder(model_ref: str) -> bool:
    return model_ref.startswith("@")


@dataclass(frozen=True)
class ModelArgument:
    """A call handing a model class or instance (or a placeholder for one) to a callee, which
    may use that parameter like a model (`database.get(Certificate, id)`, `create(obj)`):
    resolved later, per call, to the caller's table uses."""

    callee: str  # the last part of the called name as written: "get"
    line: int
    slot: int | str  # the argument's position, or its keyword
    model_ref: str


@dataclass(frozen=True)
class ParamGuard:
    """`if <parameter>:` (or `is not None`): lines `first`..`last` run only when it is given;
    with `model`, `if isinstance(<parameter>, Model):` (or `<parameter>.__class__.__name__ ==
    "Model"`): they run only when it holds an instance of that class; with `falsy`, only when
    it is falsy (the rest of a function after `if <parameter> or ...: return`)."""

    parameter: str
    first: int
    last: int
    model: str | None = None  # the class tested, as written ("Comment", "models.Comment")
    falsy: bool = False


@dataclass(frozen=True)
class ModelUse:
    """A use of an ORM model in a function, by the name written there (resolved later)."""

    model_ref: str  # dotted name as written: "Product", "models.Product", "db_models.Order"
    mode: AccessMode
    line: int
    confidence: Confidence = "high"
    # a read loading the model's rows (its eager relationships with them): not a `count()`,
    # nor a column or aggregate of it (`query(func.count(M.id))`)
    loads: bool = True


@dataclass(frozen=True)
class RelationshipUse:
    """`obj.attr` on an instance of a model (or `Model.attr` in join/eager-load options).

    Resolved later: when `attr` is a relationship of the model, its target's table (and any
    secondary table) is accessed indirectly; other attributes (plain columns) are dropped.
    mode "write": the collection is changed (`obj.items.append(...)`, `.remove`, `.extend`).
    """

    model_ref: str
    attribute: str
    mode: AccessMode
    line: int


@dataclass(frozen=True)
class DbDiagnostic:
    line: int
    message: str  # e.g. "SQL could not be parsed: ...", "dynamic SQL: table names unknown"


@dataclass(frozen=True)
class SqlNameUse:
    """An execute()/text() argument that is a name not bound in this module (e.g. imported)."""

    name_ref: str  # dotted name as written: "QUERY", "queries.GET_PRODUCT"
    line: int
    connection: Connection | None = None  # the other database it is sent to, if any


@dataclass(frozen=True)
class SqlArgument:
    """An argument of a call that is not itself a SQL call, which may carry SQL: it matters
    when the callee, a project function, runs that parameter as SQL (resolved later).

    `slot` is the argument's position, or its keyword. `accesses` come from the SQL texts it
    may hold (line: the call's), `name_refs` from constant-like names (`GET_USER`,
    `queries.LIST_ORDERS`) imported from elsewhere. `diagnostics` are reported only if the
    callee turns out to run it.
    """

    callee: str  # the last part of the called name as written: "insert_returning_id"
    line: int
    slot: int | str
    accesses: tuple[TableAccess, ...] = ()
    name_refs: tuple[str, ...] = ()
    diagnostics: tuple[DbDiagnostic, ...] = ()


@dataclass(frozen=True)
class ModelMethodCall:
    """`obj.method(...)` where obj holds an instance known to come from a model (a query
    result, a row of one, or `M(...)`): resolved later to the model class's method."""

    model_ref: str
    method: str
    line: int


@dataclass(frozen=True)
class GStore:
    """`g.<attribute> = value` where value is an instance of a model, maybe a placeholder
    resolved in the storing function (`g.user = User.verify(token)`: "@call:...")."""

    attribute: str
    model_ref: str
    line: int


@dataclass(frozen=True)
class ResultUse:
    """`session.add(f(...))`, `obj = f(...); session.delete(obj)`: the value a project call
    returns (the call made at `call_line`) is added or deleted. When that function is known to
    return instances of one model (`returns_model`), the model's table is written."""

    call_line: int
    line: int


@dataclass(frozen=True)
class ReceiverUse:
    """In a method, the instance (or, in a classmethod, the class) it runs on is used,
    whichever model class that turns out to be: `session.add(self)` / `session.delete(self)`
    (a write), `cls.query...` / `select(cls)` / `session.get(cls, ...)` (a read), all with
    method None; or another method called on it (`self.save()`; in a classmethod
    `cls(...).save()`, `obj = cls(...); obj.save()`, `cls.create(...)`), whose uses count too;
    with `super_`, the method of a base (`super().serialize(relations=relations)`).
    Resolved later on the caller's model class. With `every_relationship`, every relationship
    of that class is read (`getattr(self, name)` over the names of its mapper:
    `analyzer.database.mapper_names`), method None, mode "read"."""

    method: str | None
    line: int
    mode: AccessMode = "write"
    every_relationship: bool = False
    super_: bool = False  # called through `super()`: the next class's method, not the own
    # with method None: an attribute of the receiver read (mode "read": a property's getter
    # runs, a relationship loads, a class a mixin made for the model is queried) or, for a
    # relationship, its collection changed and committed here (mode "write")
    attribute: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    column: str
    references_table: str
    references_column: str | None = None


@dataclass(frozen=True)
class Relationship:
    attribute: str
    target_ref: str  # model name as written in relationship("Target") or relationship(Target)
    secondary_table: str | None = None  # a table name (literal, or a Table defined in this module)
    secondary_ref: str | None = None  # secondary=<name> not defined here: the name as written
    backref: str | None = None  # backref="x": the target model gets a relationship "x" back
    # `x = association_proxy("via", "remote")`: target_ref "", reached through the model's
    # relationship `via`, then its target's relationship `remote`
    proxied: tuple[str, str] | None = None
    # lazy="joined"/"selectin"/"subquery"/"immediate" (or lazy=False): loaded with its model
    eager: bool = False


@dataclass(frozen=True)
class ModelFact:
    """An ORM model class (SQLAlchemy / Flask-SQLAlchemy) defined in the module."""

    class_name: str
    table: str | None  # None for abstract/mixin classes; single-table subclasses share the parent's
    line: int
    base_refs: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    relationships: tuple[Relationship, ...] = ()
    # False: a base is defined in another module; keep this class only if a base_ref resolves to
    # a model or a model base. If that base is a model with a table and has_primary_key is False,
    # this class shares the base's table (single-table inheritance); otherwise `table` stands.
    resolved: bool = True
    has_primary_key: bool = False  # declares a primary-key column (itself or via local mixins)
    abstract: bool = False  # __abstract__ = True: no table, subclasses get their own
    bind_key: str | None = None  # __bind_key__ = "x": its table is in another database
    # the naming template (analyzer/database/table_naming.py) its local lineage declares, if any
    naming: str | None = None
    # `table` comes from Flask-SQLAlchemy's default rule alone (nothing local names it): a base
    # in another module with a naming rule names it instead
    default_named: bool = False


@dataclass(frozen=True)
class MixinTable:
    """A mapped class a mixin's `declared_attr` makes for each model using the mixin:
    `self.Label = type("%sLabel" % self.__name__, (Label, BaseModel), {"__tablename__":
    "%s_label" % self.__tablename__, ...})`, usually returned as a relationship to it
    (`return relationship(self.Label)`), so each model has its own `<table>_label`."""

    mixin: str  # the class whose declared_attr makes it
    attribute: str  # the class attribute it is set as on the model ("Label")
    relationship: str | None  # the declared_attr's name when it returns a relationship to it
    template: str  # its table's name over the model's: analyzer/database/table_naming.py
    line: int


@dataclass(frozen=True)
class TableDefinition:
    """A table declared outright: `db.Table(...)`/`Table(...)` or CREATE TABLE in a .sql file."""

    name: str
    line: int
    foreign_keys: tuple[ForeignKey, ...] = ()
    variable: str | None = None  # module-level name bound to the Table object, if any
    bind_key: str | None = None  # `bind_key="x"` / `info={"bind_key": "x"}`: another database


@dataclass(frozen=True)
class FunctionDbFacts:
    """What one function (qualified name within the module: "f", "Cls.method") touches directly."""

    qualname: str
    accesses: tuple[TableAccess, ...] = ()
    model_uses: tuple[ModelUse, ...] = ()
    sql_name_uses: tuple[SqlNameUse, ...] = ()
    relationship_uses: tuple[RelationshipUse, ...] = ()
    sql_params: tuple[str, ...] = ()  # parameters the SQL this function runs is built from
    sql_arguments: tuple[SqlArgument, ...] = ()
    method_calls: tuple[ModelMethodCall, ...] = ()
    returns_model: str | None = None  # the model whose instance(s) it returns, as written
    receiver_uses: tuple[ReceiverUse, ...] = ()
    # `M(...).m()`, `obj = M(...); obj.m()`, `M.m()` where M may be any class (`SQLAlchemy()`
    # too): only to find receiver writes of M's table; the call graph follows these itself
    built_method_calls: tuple[ModelMethodCall, ...] = ()
    result_uses: tuple[ResultUse, ...] = ()  # project calls whose result is added/deleted
    model_arguments: tuple[ModelArgument, ...] = ()
    param_guards: tuple[ParamGuard, ...] = ()
    # a method called on a model known only per call (a placeholder): `model.get(id)` on a
    # parameter ("@param:<name>"), the method of whatever model class a caller passes there;
    # `helper(id).serialize()`, `x = helper(id); x.delete()` ("@call:..."), of what the helper
    # returns; resolved per call (analyzer.resolution.model_flow)
    placeholder_method_calls: tuple[ModelMethodCall, ...] = ()
    # the connections (not "call" ones: the Python facts' `returns` say those) it returns or,
    # a `@contextmanager`, yields; those it stores in `g`; those its SQL parameters' SQL is
    # sent through (a SQL sink's: `def query_db(sql): return get_db().execute(sql)`)
    returns_connections: tuple[Connection, ...] = ()
    stores_connections: tuple[StoredConnection, ...] = ()
    sql_sent_through: tuple[Connection, ...] = ()
    # the model instances it stores in Flask's `g` (what "@g:<attribute>" stands for)
    g_stores: tuple[GStore, ...] = ()
    commits: bool = False  # calls `commit()`/`flush()`: writes the session's changed instances


@dataclass(frozen=True)
class ModuleDbFacts:
    """Everything database-related found in one module."""

    functions: tuple[FunctionDbFacts, ...] = ()
    models: tuple[ModelFact, ...] = ()
    tables: tuple[TableDefinition, ...] = ()
    # module-level names bound to SQL strings, with what that SQL touches (line = where used later)
    sql_constants: dict[str, tuple[TableAccess, ...]] = field(default_factory=dict)
    diagnostics: tuple[DbDiagnostic, ...] = ()
    # names usable as a model base class: "Base" (declarative_base()/DeclarativeBase subclass),
    # "db.Model" (db = SQLAlchemy()), "Model" (Model = db.Model)
    model_bases: tuple[str, ...] = ()
    # those of `model_bases` whose declared_attr `__tablename__` names tables from class names:
    # base -> naming template (analyzer/database/table_naming.py)
    base_namings: dict[str, str] = field(default_factory=dict)
    mixin_tables: tuple[MixinTable, ...] = ()
    # the module makes a Flask-SQLAlchemy object (`SQLAlchemy(...)`): the app's own database
    makes_flask_sqlalchemy: bool = False
    engines: tuple[str, ...] = ()  # module-level names bound to `create_engine(...)`
    # those of `engines` whose URL is read from a setting: name -> the setting's key
    engine_settings: dict[str, str] = field(default_factory=dict)
    # module-level names bound to a SQLAlchemy session factory on a connection
    # (`ReportSession = sessionmaker(bind=reports_engine)`): name -> that connection
    session_factories: dict[str, Connection] = field(default_factory=dict)
