"""Reads of the catalog service's own tables, via SQLAlchemy Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Engine, Row, func, literal, select

from extracted_services.catalog.queries import ProductQuery, SortKey
from extracted_services.catalog.records import Category, Product, ProductPage
from extracted_services.catalog.tables import categories, metadata, products

_INT64_MAX = 2**63 - 1  # no stored integer is larger; bigger numbers overflow the drivers

_WITH_CATEGORY = products.join(categories, products.c.category_id == categories.c.id)
_PRODUCT_COLUMNS = (
    *products.c,
    categories.c.slug.label("category_slug"),
    categories.c.name.label("category_name"),
)
_ORDER_BY: dict[SortKey, tuple[ColumnElement[Any], ...]] = {
    "name": (products.c.name.asc(), products.c.id.asc()),
    "price": (products.c.price_cents.asc(), products.c.id.asc()),
    "-price": (products.c.price_cents.desc(), products.c.id.asc()),
    "newest": (products.c.created_at.desc(), products.c.id.desc()),
}


def _bigint(value: int) -> ColumnElement[int]:
    """A 64-bit bound parameter: PostgreSQL would cast a plain one to 32-bit INTEGER."""
    return literal(min(value, _INT64_MAX), BigInteger)


def create_schema(engine: Engine) -> None:
    """Create the service's tables if they are missing."""
    metadata.create_all(engine)


def _product(row: Row[Any]) -> Product:
    return Product(
        id=row.id,
        sku=row.sku,
        name=row.name,
        description=row.description,
        price_cents=row.price_cents,
        category_id=row.category_id,
        category_slug=row.category_slug,
        category_name=row.category_name,
        is_active=bool(row.is_active),
        created_at=row.created_at,
    )


def _product_filters(query: ProductQuery, category_id: int | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [products.c.is_active.is_(True)]
    if category_id is not None:
        filters.append(products.c.category_id == category_id)
    if query.text is not None:
        # as the monolith: LOWER(name) LIKE '%' || LOWER(q) || '%', % and _ unescaped
        filters.append(func.lower(products.c.name).like("%" + func.lower(query.text) + "%"))
    if query.min_price is not None:
        filters.append(products.c.price_cents >= _bigint(query.min_price))
    if query.max_price is not None:
        filters.append(products.c.price_cents <= _bigint(query.max_price))
    return filters


class CatalogStore:
    """The catalog data one worker sees; each method runs in its own connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_active_product(self, product_id: int) -> Product | None:
        """The product if it exists and is active."""
        if not -_INT64_MAX <= product_id <= _INT64_MAX:
            return None
        statement = (
            select(*_PRODUCT_COLUMNS)
            .select_from(_WITH_CATEGORY)
            .where(products.c.id == _bigint(product_id), products.c.is_active.is_(True))
        )
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else _product(row)

    def find_category_id(self, slug: str) -> int | None:
        """The id of the category with this slug, if there is one."""
        statement = select(categories.c.id).where(categories.c.slug == slug)
        with self.engine.connect() as connection:
            category_id: int | None = connection.execute(statement).scalar()
        return category_id

    def list_active_products(self, query: ProductQuery, category_id: int | None) -> ProductPage:
        """One page of active products matching `query`, in its sort order."""
        filters = _product_filters(query, category_id)
        count = select(func.count()).select_from(_WITH_CATEGORY).where(*filters)
        with self.engine.connect() as connection:
            total = int(connection.execute(count).scalar_one())
            if query.offset >= total:
                return ProductPage(items=(), total=total)
            statement = (
                select(*_PRODUCT_COLUMNS)
                .select_from(_WITH_CATEGORY)
                .where(*filters)
                .order_by(*_ORDER_BY[query.sort])
                .limit(query.per_page)
                .offset(query.offset)
            )
            rows = connection.execute(statement).all()
        return ProductPage(items=tuple(_product(row) for row in rows), total=total)

    def list_categories(self) -> list[Category]:
        """Every category by name then id, with its number of active products."""
        active_count = (
            select(func.count())
            .where(products.c.category_id == categories.c.id, products.c.is_active.is_(True))
            .scalar_subquery()
        )
        statement = select(*categories.c, active_count.label("product_count")).order_by(
            categories.c.name.asc(), categories.c.id.asc()
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [
            Category(
                id=row.id,
                slug=row.slug,
                name=row.name,
                parent_id=row.parent_id,
                product_count=int(row.product_count),
            )
            for row in rows
        ]
