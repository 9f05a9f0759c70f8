"""The catalog's JSON shapes, exactly as the monolith's /api/catalog endpoints answer."""

from __future__ import annotations

from typing import Any

from extracted_services.catalog.queries import ProductQuery
from extracted_services.catalog.records import Category, Product, ProductPage

CURRENCY = "USD"

JsonObject = dict[str, Any]


def format_price(cents: int) -> str:
    """Cents as dollars with two decimals: 1999 -> "19.99", 5 -> "0.05", -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}{dollars}.{rest:02d}"


def product_object(product: Product) -> JsonObject:
    """The product object of GET /api/catalog/products/<id> and of listings."""
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "price_cents": product.price_cents,
        "price": format_price(product.price_cents),
        "currency": CURRENCY,
        "category": {
            "id": product.category_id,
            "slug": product.category_slug,
            "name": product.category_name,
        },
        "is_active": product.is_active,
    }


def category_object(category: Category) -> JsonObject:
    """One item of GET /api/catalog/categories."""
    return {
        "id": category.id,
        "slug": category.slug,
        "name": category.name,
        "parent_id": category.parent_id,
        "product_count": category.product_count,
    }


def category_list(categories: list[Category]) -> JsonObject:
    """The body of GET /api/catalog/categories."""
    return {"items": [category_object(category) for category in categories]}


def page_count(total: int, per_page: int) -> int:
    """ceil(total / per_page); 0 when nothing matches."""
    return -(-total // per_page)


def product_list(page: ProductPage, query: ProductQuery) -> JsonObject:
    """The body of GET /api/catalog/products."""
    return {
        "items": [product_object(product) for product in page.items],
        "page": query.page,
        "per_page": query.per_page,
        "total": page.total,
        "pages": page_count(page.total, query.per_page),
    }
