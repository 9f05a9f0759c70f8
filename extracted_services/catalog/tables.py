"""The catalog service's own schema (SQLAlchemy Core), apart from the monolith's.

Table names carry a `catalog_` prefix so the service's tables can never clash
with the monolith's `categories`/`products`, even in a shared database.
Text that is sorted uses the byte-order "C" collation on PostgreSQL, which is
what SQLite does by default: the same order whichever backend holds the data.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)


def _sortable_text(length: int) -> String:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


metadata = MetaData()

categories = Table(
    "catalog_categories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("slug", String(80), nullable=False, unique=True),
    Column("name", _sortable_text(120), nullable=False),
    Column("parent_id", Integer, nullable=True),
)

products = Table(
    "catalog_products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(40), nullable=False),
    Column("name", _sortable_text(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_catalog_products_category_active", "category_id", "is_active"),
)
