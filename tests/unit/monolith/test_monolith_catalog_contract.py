"""The catalog endpoints against docs/contracts.md, with the seed rows as the oracle."""

from __future__ import annotations

import math
from typing import Any

import pytest
from flask.testing import FlaskClient

Rows = dict[str, list[dict[str, Any]]]


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def product_object(product: dict[str, Any], rows: Rows) -> dict[str, Any]:
    category = next(c for c in rows["categories"] if c["id"] == product["category_id"])
    return {
        "id": product["id"],
        "sku": product["sku"],
        "name": product["name"],
        "description": product["description"],
        "price_cents": product["price_cents"],
        "price": money(product["price_cents"]),
        "currency": "USD",
        "category": {"id": category["id"], "slug": category["slug"], "name": category["name"]},
        "is_active": True,
    }


SORT_KEYS = {
    "name": lambda p: (p["name"], p["id"]),
    "price": lambda p: (p["price_cents"], p["id"]),
    "-price": lambda p: (-p["price_cents"], p["id"]),
    "newest": lambda p: (-p["created_at"].timestamp(), -p["id"]),
}


def expected_listing(
    rows: Rows,
    *,
    sort: str = "name",
    category: str | None = None,
    q: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
) -> list[dict[str, Any]]:
    category_id = next((c["id"] for c in rows["categories"] if c["slug"] == category), None)
    matching = [
        p
        for p in rows["products"]
        if p["is_active"]
        and (category is None or p["category_id"] == category_id)
        and (not q or q.lower() in p["name"].lower())
        and (min_price is None or p["price_cents"] >= min_price)
        and (max_price is None or p["price_cents"] <= max_price)
    ]
    return [product_object(p, rows) for p in sorted(matching, key=SORT_KEYS[sort])]


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_categories_are_ordered_by_name_with_active_product_counts(
    client: FlaskClient, seed_rows: Rows
) -> None:
    body = get_json(client, "/api/catalog/categories")
    expected = [
        {
            "id": c["id"],
            "slug": c["slug"],
            "name": c["name"],
            "parent_id": c["parent_id"],
            "product_count": sum(
                1 for p in seed_rows["products"] if p["category_id"] == c["id"] and p["is_active"]
            ),
        }
        for c in sorted(seed_rows["categories"], key=lambda c: (c["name"], c["id"]))
    ]
    assert body == {"items": expected}
    by_slug = {item["slug"]: item for item in body["items"]}
    assert by_slug["clearance"]["product_count"] == 0
    assert by_slug["accessories"]["parent_id"] == by_slug["computers"]["id"]
    assert by_slug["computers"]["parent_id"] == by_slug["electronics"]["id"]


def test_inactive_products_are_not_counted(client: FlaskClient, seed_rows: Rows) -> None:
    inactive = [p for p in seed_rows["products"] if not p["is_active"]]
    assert inactive, "the seed must contain inactive products"
    counts = {
        i["id"]: i["product_count"] for i in get_json(client, "/api/catalog/categories")["items"]
    }
    assert sum(counts.values()) == len(seed_rows["products"]) - len(inactive)


def test_get_product_returns_the_product_object(client: FlaskClient, seed_rows: Rows) -> None:
    product = next(p for p in seed_rows["products"] if p["is_active"])
    assert get_json(client, f"/api/catalog/products/{product['id']}") == product_object(
        product, seed_rows
    )


def test_prices_under_a_dollar_keep_two_digits(client: FlaskClient, seed_rows: Rows) -> None:
    cheap = next(p for p in seed_rows["products"] if p["is_active"] and p["price_cents"] < 100)
    body = get_json(client, f"/api/catalog/products/{cheap['id']}")
    assert body["price"] == f"0.{cheap['price_cents']:02d}"


@pytest.mark.parametrize("kind", ["inactive", "missing", "beyond the database"])
def test_get_product_404s(client: FlaskClient, seed_rows: Rows, kind: str) -> None:
    product_id = {
        "inactive": next(p["id"] for p in seed_rows["products"] if not p["is_active"]),
        "missing": 999_999,
        "beyond the database": 10**20,
    }[kind]
    body = get_json(client, f"/api/catalog/products/{product_id}", 404)
    assert body == {"error": {"code": "not_found", "message": f"product {product_id} not found"}}


def test_default_listing_is_first_page_by_name(client: FlaskClient, seed_rows: Rows) -> None:
    expected = expected_listing(seed_rows)
    body = get_json(client, "/api/catalog/products")
    assert body == {
        "items": expected[:20],
        "page": 1,
        "per_page": 20,
        "total": len(expected),
        "pages": math.ceil(len(expected) / 20),
    }


@pytest.mark.parametrize("sort", ["name", "price", "-price", "newest"])
def test_every_sort_order(client: FlaskClient, seed_rows: Rows, sort: str) -> None:
    expected = expected_listing(seed_rows, sort=sort)
    body = get_json(client, f"/api/catalog/products?sort={sort}&per_page=100&page=2")
    assert body["items"] == expected[100:200]


def test_filters_combine(client: FlaskClient, seed_rows: Rows) -> None:
    expected = expected_listing(
        seed_rows, category="lighting", q="lamp", min_price=500, max_price=20000, sort="price"
    )
    assert expected, "pick filters that match something"
    body = get_json(
        client,
        "/api/catalog/products?category=lighting&q=%20LaMp%20&min_price=500&max_price=20000"
        "&sort=price&per_page=100",
    )
    assert body["items"] == expected
    assert body["total"] == len(expected)


def test_q_matches_across_categories_and_blank_q_is_no_filter(
    client: FlaskClient, seed_rows: Rows
) -> None:
    lanterns = expected_listing(seed_rows, q="lantern")
    assert len({p["category"]["slug"] for p in lanterns}) == 2
    assert get_json(client, "/api/catalog/products?q=lantern&per_page=100")["items"] == lanterns
    everything = get_json(client, "/api/catalog/products?q=%20%20")
    assert everything["total"] == len(expected_listing(seed_rows))


def test_price_bounds_are_inclusive(client: FlaskClient, seed_rows: Rows) -> None:
    price = next(p["price_cents"] for p in seed_rows["products"] if p["is_active"])
    body = get_json(client, f"/api/catalog/products?min_price={price}&max_price={price}")
    assert body["total"] >= 1
    assert {item["price_cents"] for item in body["items"]} == {price}


def test_huge_price_bounds_do_not_overflow(client: FlaskClient, seed_rows: Rows) -> None:
    huge = "9" * 30
    assert get_json(client, f"/api/catalog/products?min_price={huge}")["total"] == 0
    total = len(expected_listing(seed_rows))
    assert get_json(client, f"/api/catalog/products?max_price={huge}")["total"] == total


def test_category_filter_only_returns_that_category(client: FlaskClient, seed_rows: Rows) -> None:
    body = get_json(client, "/api/catalog/products?category=fiction&per_page=100")
    assert body["items"] == expected_listing(seed_rows, category="fiction")
    empty = get_json(client, "/api/catalog/products?category=clearance")
    assert empty == {"items": [], "page": 1, "per_page": 20, "total": 0, "pages": 0}


def test_pages_past_the_end_are_empty(client: FlaskClient, seed_rows: Rows) -> None:
    total = len(expected_listing(seed_rows))
    pages = math.ceil(total / 7)
    last = get_json(client, f"/api/catalog/products?per_page=7&page={pages}")
    assert len(last["items"]) == total - 7 * (pages - 1)
    for page in (pages + 1, 10**25):
        body = get_json(client, f"/api/catalog/products?per_page=7&page={page}")
        assert body == {"items": [], "page": page, "per_page": 7, "total": total, "pages": pages}


def test_leading_zeros_first_value_and_unknown_parameters(
    client: FlaskClient, seed_rows: Rows
) -> None:
    body = get_json(client, "/api/catalog/products?page=002&per_page=0100&sort=price&sort=x&x=1")
    assert (body["page"], body["per_page"]) == (2, 100)
    assert body["items"] == expected_listing(seed_rows, sort="price")[100:200]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "page must be a positive integer"),
        ("page=-1", "page must be a positive integer"),
        ("page=%2B1", "page must be a positive integer"),
        ("page=%201", "page must be a positive integer"),
        ("page=1.0", "page must be a positive integer"),
        ("page=", "page must be a positive integer"),
        ("page=abc", "page must be a positive integer"),
        ("per_page=0", "per_page must be a positive integer"),
        ("per_page=x", "per_page must be a positive integer"),
        ("per_page=101", "per_page must be at most 100"),
        ("per_page=99999999999999999999999", "per_page must be at most 100"),
        ("min_price=-1", "min_price must be a non-negative integer"),
        ("min_price=1.5", "min_price must be a non-negative integer"),
        ("max_price=", "max_price must be a non-negative integer"),
        ("min_price=10&max_price=9", "min_price must not exceed max_price"),
        ("sort=cheapest", "sort must be one of: name, price, -price, newest"),
        ("sort=", "sort must be one of: name, price, -price, newest"),
        # first failure wins, in the contract's order
        ("page=0&per_page=0", "page must be a positive integer"),
        ("per_page=101&min_price=x", "per_page must be at most 100"),
        ("min_price=x&max_price=y", "min_price must be a non-negative integer"),
        ("max_price=y&sort=bad", "max_price must be a non-negative integer"),
        ("min_price=5&max_price=1&sort=bad", "min_price must not exceed max_price"),
        ("sort=bad&category=nope", "sort must be one of: name, price, -price, newest"),
    ],
)
def test_validation_messages(client: FlaskClient, query: str, message: str) -> None:
    body = get_json(client, f"/api/catalog/products?{query}", 400)
    assert body == {"error": {"code": "bad_request", "message": message}}


def test_unknown_category_is_404_after_validation(client: FlaskClient) -> None:
    body = get_json(client, "/api/catalog/products?category=nope", 404)
    assert body == {"error": {"code": "not_found", "message": "category 'nope' not found"}}


def test_equal_prices_tie_break_on_id(client: FlaskClient) -> None:
    items = get_json(client, "/api/catalog/products?sort=-price&per_page=100")["items"]
    keys = [(-item["price_cents"], item["id"]) for item in items]
    assert keys == sorted(keys)
