"""Reviews (ORM), the admin JSON API that writes catalog tables, and the cross-area reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

Rows = dict[str, list[dict[str, Any]]]


def active_product(rows: Rows) -> dict[str, Any]:
    return next(p for p in rows["products"] if p["is_active"])


def test_reviews_list_summary_create_delete(
    customer: FlaskClient,
    admin: FlaskClient,
    login: Callable[[str, str], FlaskClient],
    seed_rows: Rows,
) -> None:
    reviewed = {r["product_id"] for r in seed_rows["reviews"]}
    product = next(p for p in seed_rows["products"] if p["is_active"] and p["id"] in reviewed)
    seeded = [r for r in seed_rows["reviews"] if r["product_id"] == product["id"]]
    listing = customer.get(f"/api/reviews/product/{product['id']}").get_json()
    assert listing["total"] == len(seeded)
    summary = customer.get(f"/api/reviews/summary/{product['id']}").get_json()
    assert summary["count"] == len(seeded)
    assert summary["average_rating"] == round(sum(r["rating"] for r in seeded) / len(seeded), 2)

    url = f"/api/reviews/product/{product['id']}"
    assert customer.post(url, json={"rating": 6, "title": "x"}).status_code == 400
    assert customer.post(url, json={"rating": 5}).get_json()["error"]["message"] == (
        "missing field: title"
    )
    created = customer.post(url, json={"rating": 5, "title": "Great", "body": "Really."})
    assert created.status_code == 201
    review = created.get_json()
    assert customer.get(url).get_json()["items"][0]["id"] == review["id"]
    assert customer.post(url, json={"rating": 4, "title": "Again"}).status_code == 409

    stranger = login("user2@example.com", "password2")
    assert stranger.delete(f"/api/reviews/{review['id']}").status_code == 403
    assert admin.delete(f"/api/reviews/{review['id']}").get_json() == {"deleted": review["id"]}
    assert admin.delete(f"/api/reviews/{review['id']}").status_code == 404


def test_reviews_need_an_active_product(customer: FlaskClient, seed_rows: Rows) -> None:
    inactive = next(p for p in seed_rows["products"] if not p["is_active"])
    response = customer.get(f"/api/reviews/product/{inactive['id']}")
    assert response.get_json()["error"]["message"] == f"product {inactive['id']} not found"
    assert customer.post("/api/accounts/logout").status_code == 200
    product = active_product(seed_rows)
    assert (
        customer.post(
            f"/api/reviews/product/{product['id']}", json={"rating": 5, "title": "x"}
        ).status_code
        == 401
    )


def test_admin_creates_and_updates_products(
    admin: FlaskClient, customer: FlaskClient, client: FlaskClient
) -> None:
    body = {"sku": "new-1", "name": "Zzz Test Lamp", "price_cents": 1234, "category_id": 3}
    assert customer.post("/api/admin/products", json=body).status_code == 403
    assert client.post("/api/admin/products", json=body).status_code == 401
    created = admin.post("/api/admin/products", json={**body, "initial_stock": 4})
    assert created.status_code == 201
    product = created.get_json()
    assert (product["sku"], product["price"], product["category"]["slug"]) == (
        "NEW-1",
        "12.34",
        "lighting",
    )
    assert client.get(f"/api/catalog/products/{product['id']}").get_json() == product
    assert client.get(f"/api/inventory/stock/{product['id']}").get_json()["total"] == 4
    assert admin.post("/api/admin/products", json=body).status_code == 409
    unknown = admin.post("/api/admin/products", json={**body, "sku": "N2", "category_id": 999})
    assert unknown.get_json()["error"]["message"] == "category 999 not found"

    url = f"/api/admin/products/{product['id']}"
    patched = admin.patch(url, json={"price_cents": 99, "name": "Renamed Lamp"}).get_json()
    assert (patched["price"], patched["name"]) == ("0.99", "Renamed Lamp")
    assert admin.patch(url, json={}).status_code == 400
    assert (
        admin.patch(url, json={"sku": "X"})
        .get_json()["error"]["message"]
        .startswith("unknown field: sku")
    )
    assert admin.patch(url, json={"is_active": "no"}).status_code == 400
    assert admin.patch(url, json={"is_active": False}).get_json()["is_active"] is False
    assert client.get(f"/api/catalog/products/{product['id']}").status_code == 404
    assert admin.patch("/api/admin/products/999999", json={"name": "x"}).status_code == 404


def test_revenue_report_joins_every_area(admin: FlaskClient, seed_rows: Rows) -> None:
    captured = {p["order_id"] for p in seed_rows["payments"] if p["status"] == "captured"}
    category_of = {p["id"]: p["category_id"] for p in seed_rows["products"]}
    expected: dict[int, int] = {}
    for item in seed_rows["order_items"]:
        if item["order_id"] in captured:
            category = category_of[item["product_id"]]
            revenue = item["quantity"] * item["unit_price_cents"]
            expected[category] = expected.get(category, 0) + revenue
    items = admin.get("/api/admin/reports/revenue-by-category").get_json()["items"]
    assert {row["category_id"]: row["revenue_cents"] for row in items} == expected
    revenues = [row["revenue_cents"] for row in items]
    assert revenues == sorted(revenues, reverse=True)


def test_top_customers_and_audit_log(admin: FlaskClient, customer: FlaskClient) -> None:
    top = admin.get("/api/admin/reports/top-customers?limit=3").get_json()["items"]
    assert len(top) == 3
    assert top[0]["spent_cents"] >= top[-1]["spent_cents"]
    assert admin.get("/api/admin/reports/top-customers?limit=0").status_code == 400
    assert customer.get("/api/admin/reports/top-customers").status_code == 403
    audit = admin.get("/api/admin/audit-log?area=accounts").get_json()
    assert audit["items"][0]["action"] == "user.login"
    assert {row["area"] for row in audit["items"]} == {"accounts"}
