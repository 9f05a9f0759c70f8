"""Catalog data access: the raw SQL the catalog views (and, legacy-style, other areas) call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from legacy_monolith.db import db

PRODUCT_COLUMNS = (
    "p.id, p.sku, p.name, p.description, p.price_cents, p.is_active, p.created_at,"
    " c.id AS category_id, c.slug AS category_slug, c.name AS category_name"
)
PRODUCT_FROM = " FROM products p JOIN categories c ON c.id = p.category_id"
SORT_ORDERS: dict[str, str] = {
    "name": "p.name ASC, p.id ASC",
    "price": "p.price_cents ASC, p.id ASC",
    "-price": "p.price_cents DESC, p.id ASC",
    "newest": "p.created_at DESC, p.id DESC",
}


@dataclass(frozen=True)
class ProductFilter:
    """Which active products a listing shows (prices in cents, bounds inclusive)."""

    category_id: int | None = None
    q: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: str = "name"


def list_categories() -> list[dict[str, Any]]:
    rows = db.session.execute(
        text(
            "SELECT c.id, c.slug, c.name, c.parent_id,"
            " (SELECT COUNT(*) FROM products p"
            "   WHERE p.category_id = c.id AND p.is_active = TRUE) AS product_count"
            " FROM categories c ORDER BY c.name ASC, c.id ASC"
        )
    ).mappings()
    return [dict(row) for row in rows]


def category_id_for_slug(slug: str) -> int | None:
    found: int | None = db.session.execute(
        text("SELECT id FROM categories WHERE slug = :slug"), {"slug": slug}
    ).scalar_one_or_none()
    return found


def get_product(product_id: int, *, active_only: bool = True) -> dict[str, Any] | None:
    sql = "SELECT " + PRODUCT_COLUMNS + PRODUCT_FROM + " WHERE p.id = :id"
    if active_only:
        sql += " AND p.is_active = TRUE"
    row = db.session.execute(text(sql), {"id": product_id}).mappings().first()
    return None if row is None else dict(row)


def _where(product_filter: ProductFilter) -> tuple[str, dict[str, Any]]:
    sql = " WHERE p.is_active = TRUE"
    params: dict[str, Any] = {}
    if product_filter.category_id is not None:
        sql += " AND p.category_id = :category_id"
        params["category_id"] = product_filter.category_id
    if product_filter.q:
        sql += " AND LOWER(p.name) LIKE '%' || LOWER(:q) || '%'"
        params["q"] = product_filter.q
    if product_filter.min_price is not None:
        sql += " AND p.price_cents >= :min_price"
        params["min_price"] = product_filter.min_price
    if product_filter.max_price is not None:
        sql += " AND p.price_cents <= :max_price"
        params["max_price"] = product_filter.max_price
    return sql, params


def count_products(product_filter: ProductFilter) -> int:
    where, params = _where(product_filter)
    total: int = db.session.execute(
        text("SELECT COUNT(*) FROM products p" + where), params
    ).scalar_one()
    return total


def find_products(product_filter: ProductFilter, limit: int, offset: int) -> list[dict[str, Any]]:
    where, params = _where(product_filter)
    order_by = SORT_ORDERS[product_filter.sort]
    sql = f"SELECT {PRODUCT_COLUMNS}{PRODUCT_FROM}{where} ORDER BY {order_by}"
    sql += " LIMIT :limit OFFSET :offset"
    rows = db.session.execute(text(sql), {**params, "limit": limit, "offset": offset}).mappings()
    return [dict(row) for row in rows]
