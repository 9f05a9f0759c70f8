"""The monolith on a real PostgreSQL: same seed rows as SQLite, same catalog JSON, checkout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from table_dump import dump_tables

from legacy_monolith import create_app
from legacy_monolith.db import db
from legacy_monolith.seed import seed_database

pytestmark = pytest.mark.postgres

SEED = {"products": 200, "users": 10, "orders": 20, "seed": 11}
CATALOG_URLS = [
    "/api/catalog/categories",
    "/api/catalog/products",
    "/api/catalog/products?sort=newest&per_page=100",
    "/api/catalog/products?sort=-price&page=2&per_page=50",
    "/api/catalog/products?sort=price&q=LAMP&min_price=100&max_price=90000",
    "/api/catalog/products?category=camping&per_page=100",
    "/api/catalog/products?category=nope",
    "/api/catalog/products?per_page=101",
    "/api/catalog/products/1",
    "/api/catalog/products/999999",
]


@pytest.fixture
def both(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask, str]]:
    """(sqlite app, postgres app, postgres url), both seeded with the same arguments."""
    sqlite_url = f"sqlite:///{tmp_path}/monolith.sqlite3"
    seed_database(sqlite_url, **SEED)
    seed_database(postgres_url, **SEED)
    apps = [create_app({"DATABASE_URL": url}) for url in (sqlite_url, postgres_url)]
    yield apps[0], apps[1], postgres_url
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_seed_rows_are_identical_on_both_databases(
    both: tuple[Flask, Flask, str],
) -> None:
    sqlite_app, _, postgres_url = both
    assert dump_tables(sqlite_app.config["DATABASE_URL"]) == dump_tables(postgres_url)


def test_catalog_answers_byte_for_byte_the_same(both: tuple[Flask, Flask, str]) -> None:
    sqlite_client, postgres_client = (app.test_client() for app in both[:2])
    for url in CATALOG_URLS:
        on_sqlite, on_postgres = sqlite_client.get(url), postgres_client.get(url)
        assert on_postgres.status_code == on_sqlite.status_code, url
        assert on_postgres.data == on_sqlite.data, url
    assert postgres_client.get("/api/catalog/products").get_json()["total"] > 150


def test_checkout_on_postgres(both: tuple[Flask, Flask, str]) -> None:
    _, postgres_app, postgres_url = both
    client = postgres_app.test_client()
    login = client.post(
        "/api/accounts/login", json={"email": "user1@example.com", "password": "password1"}
    )
    assert login.status_code == 200
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        product_id, stock = connection.execute(
            sa.text(
                "SELECT p.id, SUM(s.quantity) FROM products p JOIN stock_levels s"
                " ON s.product_id = p.id WHERE p.is_active GROUP BY p.id"
                " HAVING SUM(s.quantity) >= 3 ORDER BY p.id LIMIT 1"
            )
        ).one()
        max_order = connection.execute(sa.text("SELECT MAX(id) FROM orders")).scalar_one()
    assert (
        client.post("/api/cart/items", json={"product_id": product_id, "quantity": 3}).status_code
        == 200
    )
    response = client.post(
        "/api/orders/checkout",
        json={
            "address": {"line1": "1 Rue", "city": "Lyon", "postal_code": "69001", "country": "FR"},
            "payment": {"card_number": "4242424242424242"},
        },
    )
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["id"] == max_order + 1
    assert order["status"] == "paid"
    with engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT SUM(quantity) FROM stock_levels WHERE product_id = :id"),
            {"id": product_id},
        ).scalar_one()
    engine.dispose()
    assert left == stock - 3
    assert (
        client.get(f"/api/orders/{order['id']}").get_json()["total_cents"] == order["total_cents"]
    )
    registered = client.post(
        "/api/accounts/register",
        json={"email": "pg@example.com", "password": "longenough", "name": "Pg"},
    )
    assert registered.status_code == 201
    assert (
        client.post(
            "/api/accounts/register",
            json={"email": "pg@example.com", "password": "longenough", "name": "Pg"},
        ).status_code
        == 409
    )
