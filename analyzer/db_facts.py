"""Facts about database access found in one module, before names are resolved across modules.

Produced per file by `analyzer.db_extract.extract_db_facts` (pure: ast in, facts out, picklable)
and consumed by the cross-module resolution stage, which maps model references
through imports to tables and folds accesses along calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AccessMode = Literal["read", "write"]
Confidence = Literal["high", "low"]


@dataclass(frozen=True)
class TableAccess:
    """A table read or written at one place in the source."""

    table: str  # as named in the SQL/model, lower-cased when unquoted; "schema.table" kept
    mode: AccessMode
    line: int
    confidence: Confidence = "high"  # "low": SQL built with f-strings/concatenation, or best effort
    via: Literal["sql", "orm"] = "sql"
    indirect: bool = False  # reached only through an ORM relationship


@dataclass(frozen=True)
class ModelUse:
    """A use of an ORM model in a function, by the name written there (resolved later)."""

    model_ref: str  # dotted name as written: "Product", "models.Product", "db_models.Order"
    mode: AccessMode
    line: int
    confidence: Confidence = "high"


@dataclass(frozen=True)
class SqlNameUse:
    """An execute()/text() argument that is a name not bound in this module (e.g. imported)."""

    name_ref: str  # dotted name as written: "QUERY", "queries.GET_PRODUCT"
    line: int


@dataclass(frozen=True)
class ForeignKey:
    column: str
    references_table: str
    references_column: str | None = None


@dataclass(frozen=True)
class Relationship:
    attribute: str
    target_ref: str  # model name as written in relationship("Target") or relationship(Target)
    secondary_table: str | None = None


@dataclass(frozen=True)
class ModelFact:
    """An ORM model class (SQLAlchemy / Flask-SQLAlchemy) defined in the module."""

    class_name: str
    table: str | None  # None for abstract/mixin classes; single-table subclasses share the parent's
    line: int
    base_refs: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    relationships: tuple[Relationship, ...] = ()


@dataclass(frozen=True)
class TableDefinition:
    """A table declared outright: `db.Table(...)`/`Table(...)` or CREATE TABLE in a .sql file."""

    name: str
    line: int
    foreign_keys: tuple[ForeignKey, ...] = ()


@dataclass(frozen=True)
class DbDiagnostic:
    line: int
    message: str  # e.g. "SQL could not be parsed: ...", "dynamic SQL: table names unknown"


@dataclass(frozen=True)
class FunctionDbFacts:
    """What one function (qualified name within the module: "f", "Cls.method") touches directly."""

    qualname: str
    accesses: tuple[TableAccess, ...] = ()
    model_uses: tuple[ModelUse, ...] = ()
    sql_name_uses: tuple[SqlNameUse, ...] = ()


@dataclass(frozen=True)
class ModuleDbFacts:
    """Everything database-related found in one module."""

    functions: tuple[FunctionDbFacts, ...] = ()
    models: tuple[ModelFact, ...] = ()
    tables: tuple[TableDefinition, ...] = ()
    # module-level names bound to SQL strings, with what that SQL touches (line = where used later)
    sql_constants: dict[str, tuple[TableAccess, ...]] = field(default_factory=dict)
    diagnostics: tuple[DbDiagnostic, ...] = ()
