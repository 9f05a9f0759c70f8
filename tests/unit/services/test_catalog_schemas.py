"""The catalog's JSON shapes and price formatting."""

from __future__ import annotations

from datetime import datetime

import pytest

from extracted_services.catalog.queries import ProductQuery
from extracted_services.catalog.records import Category, Product, ProductPage
from extracted_services.catalog.schemas import (
    category_list,
    format_price,
    page_count,
    product_list,
    product_object,
)

LAMP = Product(
    id=7,
    sku="L-7",
    name="Brass lamp",
    description="warm light",
    price_cents=1999,
    category_id=2,
    category_slug="lamps",
    category_name="Lamps",
    is_active=True,
    created_at=datetime(2024, 1, 2, 3, 4, 5),
)


@pytest.mark.parametrize(
    ("cents", "price"),
    [(1999, "19.99"), (5, "0.05"), (0, "0.00"), (100, "1.00"), (123456, "1234.56"), (-5, "-0.05")],
)
def test_format_price(cents: int, price: str) -> None:
    assert format_price(cents) == price


def test_product_object_has_exactly_the_contract_fields() -> None:
    assert product_object(LAMP) == {
        "id": 7,
        "sku": "L-7",
        "name": "Brass lamp",
        "description": "warm light",
        "price_cents": 1999,
        "price": "19.99",
        "currency": "USD",
        "category": {"id": 2, "slug": "lamps", "name": "Lamps"},
        "is_active": True,
    }


def test_category_list() -> None:
    categories = [
        Category(id=1, slug="lamps", name="Lamps", parent_id=None, product_count=3),
        Category(id=4, slug="desk", name="Desk", parent_id=1, product_count=0),
    ]
    assert category_list(categories) == {
        "items": [
            {"id": 1, "slug": "lamps", "name": "Lamps", "parent_id": None, "product_count": 3},
            {"id": 4, "slug": "desk", "name": "Desk", "parent_id": 1, "product_count": 0},
        ]
    }


@pytest.mark.parametrize(
    ("total", "per_page", "pages"), [(0, 20, 0), (1, 20, 1), (20, 20, 1), (21, 20, 2), (7, 1, 7)]
)
def test_page_count_is_the_ceiling(total: int, per_page: int, pages: int) -> None:
    assert page_count(total, per_page) == pages


def test_product_list_envelope() -> None:
    body = product_list(ProductPage(items=(LAMP,), total=41), ProductQuery(page=3, per_page=20))
    assert body == {
        "items": [product_object(LAMP)],
        "page": 3,
        "per_page": 20,
        "total": 41,
        "pages": 3,
    }
