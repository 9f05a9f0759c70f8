"""Catalog JSON API under /api/catalog (the contract the catalog service answers identically)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from legacy_monolith.catalog import queries
from legacy_monolith.helpers import (
    Pagination,
    abort_json,
    clamp_db_int,
    format_money,
    parse_non_negative_arg,
    parse_pagination,
)

bp = Blueprint("catalog", __name__, url_prefix="/api/catalog")

SORTS = tuple(queries.SORT_ORDERS)


def product_json(row: dict[str, Any]) -> dict[str, Any]:
    """The contract's product object from a queries.get_product / find_products row."""
    return {
        "id": row["id"],
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "price_cents": row["price_cents"],
        "price": format_money(row["price_cents"]),
        "currency": "USD",
        "category": {
            "id": row["category_id"],
            "slug": row["category_slug"],
            "name": row["category_name"],
        },
        "is_active": bool(row["is_active"]),
    }


@bp.get("/categories")
def list_categories() -> ResponseReturnValue:
    return jsonify(items=queries.list_categories())


@bp.get("/products/<int:product_id>")
def get_product(product_id: int) -> ResponseReturnValue:
    row = queries.get_product(product_id)
    if row is None:
        abort_json(404, f"product {product_id} not found")
    return jsonify(product_json(row))


def parse_product_filter(args: Any) -> queries.ProductFilter:
    """Validate min_price, max_price, sort, category (in the contract's order) into a filter."""
    min_price = parse_non_negative_arg(args, "min_price")
    max_price = parse_non_negative_arg(args, "max_price")
    if min_price is not None and max_price is not None and min_price > max_price:
        abort_json(400, "min_price must not exceed max_price")
    sort = args.get("sort", "name")
    if sort not in SORTS:
        abort_json(400, "sort must be one of: " + ", ".join(SORTS))
    category_id = None
    slug = args.get("category")
    if slug is not None:
        category_id = queries.category_id_for_slug(slug)
        if category_id is None:
            abort_json(404, f"category '{slug}' not found")
    return queries.ProductFilter(
        category_id=category_id,
        q=(args.get("q") or "").strip() or None,
        min_price=None if min_price is None else clamp_db_int(min_price),
        max_price=None if max_price is None else clamp_db_int(max_price),
        sort=sort,
    )


def product_listing(
    product_filter: queries.ProductFilter, pagination: Pagination
) -> tuple[int, list[dict[str, Any]]]:
    """The matching count and one page of rows (no query for a page past the end)."""
    total = queries.count_products(product_filter)
    if pagination.offset >= total:
        return total, []
    return total, queries.find_products(product_filter, pagination.per_page, pagination.offset)


@bp.get("/products")
def list_products() -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    product_filter = parse_product_filter(request.args)
    total, rows = product_listing(product_filter, pagination)
    return jsonify(pagination.envelope([product_json(row) for row in rows], total))
