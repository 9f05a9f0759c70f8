"""Copy the monolith's catalog tables into the catalog service's database.

Reads `categories` and `products` (every product, active or not, so the
service says 404 for an inactive one just as the monolith does) and replaces
the service tables' contents with them in one transaction: running it twice
gives the same data. Prints nothing; the CLI reports the returned summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from extracted_services.catalog.storage import create_schema
from extracted_services.catalog.tables import categories, products
from strangler.database import (
    DatabaseUnavailable,
    display_url,
    failure_reason,
    open_engine,
    read_snapshot,
)

BATCH_SIZE = 1000
SOURCE_ROLE = "source (monolith) database"
TARGET_ROLE = "catalog service database"

_source_metadata = MetaData()
SOURCE_CATEGORIES = Table(
    "categories",
    _source_metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(80)),
    Column("name", String(120)),
    Column("parent_id", Integer),
)
SOURCE_PRODUCTS = Table(
    "products",
    _source_metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(40)),
    Column("name", String(200)),
    Column("description", Text),
    Column("price_cents", Integer),
    Column("category_id", Integer),
    Column("is_active", Boolean),
    Column("created_at", DateTime),
)
_COPIES: tuple[tuple[Table, Table], ...] = (
    (SOURCE_CATEGORIES, categories),
    (SOURCE_PRODUCTS, products),
)


class MissingCatalogTables(DatabaseUnavailable):
    """The source database lacks the monolith's catalog tables or columns."""


class BackfillFailed(DatabaseUnavailable):
    """Reading the source or writing the service database failed midway."""


@dataclass(frozen=True)
class BackfillSummary:
    """What one backfill copied, and between which databases (passwords hidden)."""

    source: str
    target: str
    categories: int
    products: int
    active_products: int

    def is_empty(self) -> bool:
        return self.products == 0

    def describe(self) -> str:
        return (
            f"{self.categories} categories, {self.products} products"
            f" ({self.active_products} active)"
        )


@contextmanager
def _reaching(engine: Engine, role: str) -> Iterator[None]:
    """Turn a failure to reach `engine` into a DatabaseUnavailable naming the role."""
    try:
        yield
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(
            f"cannot use {role} {display_url(engine.url)}: {failure_reason(error)}",
            hint="check the URL and that the database server is running",
        ) from None


def check_source_tables(engine: Engine) -> None:
    """Fail clearly unless the source has the contract's catalog tables and columns."""
    with _reaching(engine, SOURCE_ROLE):
        inspector = inspect(engine)
        present = set(inspector.get_table_names())
        for table in _source_metadata.tables.values():
            if table.name not in present:
                raise MissingCatalogTables(
                    f"{SOURCE_ROLE} {display_url(engine.url)} has no table {table.name!r}",
                    hint="point --from-url at the monolith's database (env DATABASE_URL)"
                    " and create its tables first",
                )
            columns = {column["name"] for column in inspector.get_columns(table.name)}
            missing = [column.name for column in table.columns if column.name not in columns]
            if missing:
                raise MissingCatalogTables(
                    f"{SOURCE_ROLE} table {table.name!r} lacks column(s) {', '.join(missing)}",
                    hint="the catalog tables must match the monolith's schema",
                )


def _copy_table(source: Connection, target: Connection, origin: Table, copy: Table) -> int:
    result = source.execution_options(yield_per=BATCH_SIZE).execute(
        select(*origin.c).order_by(origin.c.id)
    )
    copied = 0
    for rows in result.partitions():
        batch = [dict(row._mapping) for row in rows]
        target.execute(copy.insert(), batch)
        copied += len(batch)
    return copied


def _count_active(target: Connection) -> int:
    statement = select(func.count()).where(products.c.is_active.is_(True))
    return int(target.execute(statement).scalar_one())


def _replace_catalog(source_engine: Engine, target_engine: Engine) -> BackfillSummary:
    try:
        with source_engine.connect() as source, target_engine.begin() as target:
            source = read_snapshot(source)
            for _, copy in reversed(_COPIES):
                target.execute(copy.delete())
            counts = [_copy_table(source, target, origin, copy) for origin, copy in _COPIES]
            active = _count_active(target)
    except (SQLAlchemyError, ValueError) as error:
        reason = failure_reason(error) if isinstance(error, SQLAlchemyError) else str(error)
        raise BackfillFailed(
            f"backfill from {display_url(source_engine.url)} into"
            f" {display_url(target_engine.url)} failed, nothing was changed: {reason}",
        ) from None
    return BackfillSummary(
        source=display_url(source_engine.url),
        target=display_url(target_engine.url),
        categories=counts[0],
        products=counts[1],
        active_products=active,
    )


def backfill_catalog(source_url: str, target_url: str) -> BackfillSummary:
    """Replace the catalog service's data with the monolith's categories and products."""
    source_engine = open_engine(source_url, role=SOURCE_ROLE, must_exist=True)
    try:
        check_source_tables(source_engine)
        target_engine = open_engine(target_url, role=TARGET_ROLE)
        try:
            with _reaching(target_engine, TARGET_ROLE):
                create_schema(target_engine)
            return _replace_catalog(source_engine, target_engine)
        finally:
            target_engine.dispose()
    finally:
        source_engine.dispose()
