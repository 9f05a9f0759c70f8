"""Server-rendered pages: storefront, checkout form, admin pages; HTML errors and redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

Rows = dict[str, list[dict[str, Any]]]
SQL = Callable[..., list[Any]]
FORM = {
    "line1": "9 Quay St",
    "city": "Porto",
    "postal_code": "4000",
    "country": "PT",
    "shipping_method": "standard",
    "card_number": "4242424242424242",
    "promo_code": "",
}


def first_stocked(sql: SQL) -> int:
    rows = sql(
        "SELECT p.id FROM products p JOIN stock_levels s ON s.product_id = p.id"
        " WHERE p.is_active = 1 GROUP BY p.id HAVING SUM(s.quantity) >= 5 ORDER BY p.id LIMIT 1"
    )
    return int(rows[0].id)


def test_home_lists_and_searches(client: FlaskClient, seed_rows: Rows) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert b"Computer Accessories" in page.data
    search = client.get("/?q=lantern")
    lanterns = [p for p in seed_rows["products"] if p["is_active"] and "Lantern" in p["name"]]
    assert f"{len(lanterns)} products".encode() in search.data
    bad = client.get("/?page=0")
    assert (bad.status_code, bad.mimetype) == (400, "text/html")
    assert b"page must be a positive integer" in bad.data


def test_product_page_and_recently_viewed_cookie(client: FlaskClient, seed_rows: Rows) -> None:
    first, second = [p for p in seed_rows["products"] if p["is_active"]][:2]
    page = client.get(f"/products/{first['id']}")
    assert page.status_code == 200
    assert first["name"].encode() in page.data
    client.get(f"/products/{second['id']}")
    cookie = client.get_cookie("recently_viewed")
    assert cookie is not None
    assert cookie.value == f"{second['id']}-{first['id']}"
    inactive = next(p for p in seed_rows["products"] if not p["is_active"])
    missing = client.get(f"/products/{inactive['id']}")
    assert (missing.status_code, missing.mimetype) == (404, "text/html")


def test_cart_and_checkout_pages(client: FlaskClient, sql: SQL) -> None:
    product_id = first_stocked(sql)
    added = client.post("/cart/add", data={"product_id": str(product_id), "quantity": "2"})
    assert (added.status_code, added.headers["Location"]) == (302, "/cart")
    assert b"Check out" in client.get("/cart").data
    assert client.post("/cart/add", data={"product_id": "x"}).status_code == 400
    anonymous = client.get("/checkout")
    assert (anonymous.status_code, anonymous.headers["Location"]) == (
        302,
        "/login?next=/checkout",
    )
    client.post("/login", data={"email": "user3@example.com", "password": "password3"})
    form = client.get("/checkout")
    assert b'name="card_number"' in form.data
    wrong = client.post("/checkout", data={**FORM, "city": ""})
    assert wrong.status_code == 400
    assert b"city must not be empty" in wrong.data
    placed = client.post("/checkout", data={**FORM, "promo_code": "welcome10"})
    assert placed.status_code == 302, placed.data
    order_page = client.get(placed.headers["Location"])
    assert b"Status: paid" in order_page.data
    client.post("/cart/add", data={"product_id": str(product_id), "quantity": "1"})
    assert client.post("/checkout", data=FORM).status_code == 302
    empty = client.post("/checkout", data=FORM)
    assert (empty.status_code, b"cart is empty" in empty.data) == (422, True)


def test_admin_pages(admin: FlaskClient, customer: FlaskClient, client: FlaskClient) -> None:
    dashboard = admin.get("/admin/")
    assert dashboard.status_code == 200
    assert b"Active products" in dashboard.data
    forbidden = customer.get("/admin/")
    assert (forbidden.status_code, forbidden.mimetype) == (403, "text/html")
    assert client.get("/admin/").headers["Location"] == "/login?next=/admin/"
    orders = admin.get("/admin/orders?status=delivered")
    assert orders.status_code == 200
    assert b"delivered" in orders.data
    assert admin.get("/admin/orders?status=nope").status_code == 400
    assert b"Revenue by category" in admin.get("/admin/reports").data


def test_admin_product_edit_form(admin: FlaskClient, seed_rows: Rows) -> None:
    product = seed_rows["products"][0]
    url = f"/admin/products/{product['id']}/edit"
    assert product["sku"].encode() in admin.get(url).data
    form = {"name": "Edited Name", "price": "12.50", "category_id": "2", "description": "d"}
    saved = admin.post(url, data=form)
    assert (saved.status_code, saved.headers["Location"]) == (302, url)
    page = admin.get(url)
    assert b"Saved product" in page.data
    assert b"Edited Name" in page.data
    bad = admin.post(url, data={**form, "price": "12,5"})
    assert bad.status_code == 400
    assert b"price must look like 12.34" in bad.data
    assert admin.get("/admin/products/999999/edit").status_code == 404
