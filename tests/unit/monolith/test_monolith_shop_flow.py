"""Cart, promotions, checkout and what it writes across areas, then the order's life."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

SQL = Callable[..., list[Any]]
ADDRESS = {"line1": "5 Elm Road", "city": "Leeds", "postal_code": "LS1", "country": "gb"}
CHECKOUT = {"address": ADDRESS, "payment": {"card_number": "4242424242424242"}}


def stocked_product(sql: SQL, *, category: str | None = None, minimum: int = 10) -> int:
    rows = sql(
        "SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id"
        " JOIN stock_levels s ON s.product_id = p.id"
        " WHERE p.is_active = 1 AND (:slug IS NULL OR c.slug = :slug)"
        " GROUP BY p.id HAVING SUM(s.quantity) >= :minimum ORDER BY p.id LIMIT 1",
        slug=category,
        minimum=minimum,
    )
    return int(rows[0].id)


def stock_of(sql: SQL, product_id: int) -> int:
    return int(
        sql("SELECT SUM(quantity) AS q FROM stock_levels WHERE product_id = :id", id=product_id)[
            0
        ].q
    )


def place_order(client: FlaskClient, sql: SQL, quantity: int = 2) -> dict[str, Any]:
    product_id = stocked_product(sql)
    client.post("/api/cart/items", json={"product_id": product_id, "quantity": quantity})
    response = client.post("/api/orders/checkout", json=CHECKOUT)
    assert response.status_code == 201, response.get_json()
    order: dict[str, Any] = response.get_json()
    return order


def test_cart_lifecycle_and_cookie(client: FlaskClient, sql: SQL) -> None:
    product_id = stocked_product(sql)
    assert client.get("/api/cart").get_json()["items"] == []
    added = client.post("/api/cart/items", json={"product_id": product_id})
    assert added.status_code == 200
    assert "cart_token=" in added.headers["Set-Cookie"]
    client.post("/api/cart/items", json={"product_id": product_id, "quantity": 2})
    cart = client.get("/api/cart").get_json()
    assert [(i["product_id"], i["quantity"]) for i in cart["items"]] == [(product_id, 3)]
    assert cart["subtotal_cents"] == 3 * cart["items"][0]["unit_price_cents"]
    patched = client.patch(f"/api/cart/items/{product_id}", json={"quantity": 5})
    assert patched.get_json()["item_count"] == 5
    assert client.delete(f"/api/cart/items/{product_id}").get_json()["items"] == []
    missing = client.delete(f"/api/cart/items/{product_id}")
    assert missing.get_json()["error"] == {
        "code": "not_found",
        "message": f"product {product_id} is not in the cart",
    }
    client.post("/api/cart/items", json={"product_id": product_id})
    assert client.delete("/api/cart").get_json()["item_count"] == 0


def test_cart_refuses_inactive_and_overfull_lines(
    client: FlaskClient, sql: SQL, seed_rows: dict[str, list[dict[str, Any]]]
) -> None:
    inactive = next(p["id"] for p in seed_rows["products"] if not p["is_active"])
    response = client.post("/api/cart/items", json={"product_id": inactive})
    assert response.status_code == 404
    product_id = stocked_product(sql)
    client.post("/api/cart/items", json={"product_id": product_id, "quantity": 99})
    assert client.post("/api/cart/items", json={"product_id": product_id}).status_code == 422


def test_promo_codes_apply_to_the_cart(client: FlaskClient, sql: SQL) -> None:
    empty = client.post("/api/promotions/apply", json={"code": "WELCOME10"})
    assert empty.status_code == 422
    lamp = stocked_product(sql, category="lighting", minimum=1)
    other = stocked_product(sql, category="kitchen", minimum=1)
    client.post("/api/cart/items", json={"product_id": lamp})
    client.post("/api/cart/items", json={"product_id": other})
    lines = {
        i["product_id"]: i["unit_price_cents"] for i in client.get("/api/cart").get_json()["items"]
    }
    welcome = client.post("/api/promotions/apply", json={"code": "welcome10"}).get_json()
    assert welcome["discount_cents"] == sum(lines.values()) * 10 // 100
    light = client.post("/api/promotions/apply", json={"code": "LIGHT20"}).get_json()
    assert light["discount_cents"] == lines[lamp] * 20 // 100
    assert client.post("/api/promotions/apply", json={"code": "NOPE"}).status_code == 404
    expired = client.post("/api/promotions/apply", json={"code": "SUMMER2023"})
    assert expired.get_json()["error"] == {
        "code": "unprocessable",
        "message": "promo code 'SUMMER2023' is no longer active",
    }
    assert client.get("/api/promotions/codes/light20").get_json()["active"] is True
    assert client.delete("/api/promotions/apply").get_json() == {"code": None}


def test_checkout_writes_every_area(customer: FlaskClient, sql: SQL) -> None:
    product_id = stocked_product(sql)
    stock_before = stock_of(sql, product_id)
    customer.post("/api/cart/items", json={"product_id": product_id, "quantity": 3})
    customer.post("/api/promotions/apply", json={"code": "WELCOME10"})
    redeemed = sql("SELECT times_redeemed FROM promo_code WHERE code = 'WELCOME10'")[0][0]
    response = customer.post(
        "/api/orders/checkout", json={**CHECKOUT, "shipping_method": "express"}
    )
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert order["status"] == "paid"
    assert order["promo_code"] == "WELCOME10"
    assert order["discount_cents"] == order["subtotal_cents"] * 10 // 100
    assert order["shipping_cents"] == 1499
    assert order["total_cents"] == order["subtotal_cents"] - order["discount_cents"] + 1499
    assert [(i["product_id"], i["quantity"]) for i in order["items"]] == [(product_id, 3)]
    assert [p["status"] for p in order["payments"]] == ["captured"]
    assert order["shipment"]["status"] == "pending"
    assert stock_of(sql, product_id) == stock_before - 3
    moved = sql("SELECT SUM(delta) FROM stock_movements WHERE order_id = :id", id=order["id"])
    assert moved[0][0] == -3
    assert (
        sql("SELECT times_redeemed FROM promo_code WHERE code = 'WELCOME10'")[0][0] == redeemed + 1
    )
    kinds = sql("SELECT kind FROM notifications WHERE message LIKE :m", m=f"Order #{order['id']} %")
    assert [k.kind for k in kinds] == ["order_placed"]
    areas = sql(
        "SELECT DISTINCT area FROM audit_log WHERE created_at >= '2025-01-01' ORDER BY area"
    )
    assert [a.area for a in areas] == ["accounts", "orders", "payments"]
    assert customer.get("/api/cart").get_json()["items"] == []


def test_checkout_refusals_leave_no_trace(customer: FlaskClient, sql: SQL) -> None:
    orders_before = sql("SELECT COUNT(*) FROM orders")[0][0]
    assert customer.post("/api/orders/checkout", json=CHECKOUT).get_json()["error"] == {
        "code": "unprocessable",
        "message": "cart is empty",
    }
    product_id = stocked_product(sql, minimum=1)
    sql("UPDATE stock_levels SET quantity = 1 WHERE product_id = :id", id=product_id)
    stock = stock_of(sql, product_id)
    customer.post("/api/cart/items", json={"product_id": product_id, "quantity": stock + 1})
    too_many = customer.post("/api/orders/checkout", json=CHECKOUT)
    assert too_many.get_json()["error"] == {
        "code": "conflict",
        "message": f"not enough stock for product {product_id}: {stock} available,"
        f" {stock + 1} requested",
    }
    customer.patch(f"/api/cart/items/{product_id}", json={"quantity": 1})
    declined = customer.post(
        "/api/orders/checkout", json={**CHECKOUT, "payment": {"card_number": "4000000000000002"}}
    )
    assert declined.get_json()["error"] == {
        "code": "unprocessable",
        "message": "payment declined; use another card",
    }
    cases = [
        ({**CHECKOUT, "shipping_method": "teleport"}, "unknown shipping_method 'teleport';"),
        ({**CHECKOUT, "address": {"line1": "x"}}, "missing field: address.city"),
        ({**CHECKOUT, "address": "home"}, "address must be an object"),
        ({**CHECKOUT, "payment": {"card_number": "12ab"}}, "payment.card_number must be 12"),
        ({"address": ADDRESS}, "payment must be an object"),
    ]
    for body, message in cases:
        response = customer.post("/api/orders/checkout", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["message"].startswith(message)
    assert sql("SELECT COUNT(*) FROM orders")[0][0] == orders_before
    assert stock_of(sql, product_id) == stock


def test_checkout_needs_login(client: FlaskClient) -> None:
    assert client.post("/api/orders/checkout", json=CHECKOUT).status_code == 401


def test_orders_are_private(
    customer: FlaskClient, admin: FlaskClient, login: Callable[[str, str], FlaskClient], sql: SQL
) -> None:
    order = place_order(customer, sql)
    mine = customer.get("/api/orders?per_page=100").get_json()
    assert order["id"] in [o["id"] for o in mine["items"]]
    assert customer.get(f"/api/orders/{order['id']}").get_json()["id"] == order["id"]
    stranger = login("user2@example.com", "password2")
    assert stranger.get(f"/api/orders/{order['id']}").status_code == 404
    assert stranger.get(f"/api/payments/order/{order['id']}").status_code == 404
    assert admin.get(f"/api/orders/{order['id']}").status_code == 200
    assert customer.get("/api/orders?page=0").status_code == 400


def test_cancel_restocks_and_refunds(customer: FlaskClient, sql: SQL) -> None:
    order = place_order(customer, sql, quantity=2)
    product_id = order["items"][0]["product_id"]
    stock = stock_of(sql, product_id)
    cancelled = customer.post(f"/api/orders/{order['id']}/cancel")
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["status"] == "cancelled"
    assert [p["status"] for p in body["payments"]] == ["refunded"]
    assert body["shipment"]["status"] == "cancelled"
    assert stock_of(sql, product_id) == stock + 2
    again = customer.post(f"/api/orders/{order['id']}/cancel")
    assert again.get_json()["error"] == {
        "code": "conflict",
        "message": f"order {order['id']} cannot go from 'cancelled' to 'cancelled'",
    }


def test_admin_status_changes(customer: FlaskClient, admin: FlaskClient, sql: SQL) -> None:
    order = place_order(customer, sql)
    url = f"/api/orders/{order['id']}/status"
    assert customer.patch(url, json={"status": "shipped"}).status_code == 403
    assert admin.patch(url, json={"status": "lost"}).status_code == 400
    assert admin.patch(url, json={"status": "delivered"}).status_code == 409
    assert admin.patch(url, json={"status": "shipped"}).get_json()["status"] == "shipped"
    refunded = admin.patch(url, json={"status": "refunded"}).get_json()
    assert refunded["status"] == "refunded"
    assert [p["status"] for p in refunded["payments"]] == ["refunded"]


def test_payments_and_refunds(customer: FlaskClient, admin: FlaskClient, sql: SQL) -> None:
    order = place_order(customer, sql)
    payment = order["payments"][0]
    assert (
        customer.get(f"/api/payments/{payment['id']}").get_json()["amount_cents"]
        == order["total_cents"]
    )
    assert customer.post(f"/api/payments/{payment['id']}/refund").status_code == 403
    refunded = admin.post(f"/api/payments/{payment['id']}/refund")
    assert refunded.get_json()["status"] == "refunded"
    assert customer.get(f"/api/orders/{order['id']}").get_json()["status"] == "refunded"
    again = admin.post(f"/api/payments/{payment['id']}/refund")
    assert again.status_code == 409


def test_shipping_dispatch_and_delivery(
    customer: FlaskClient, admin: FlaskClient, sql: SQL
) -> None:
    rates = customer.get("/api/shipping/rates").get_json()["items"]
    assert [r["code"] for r in rates] == ["standard", "express", "overnight"]
    assert rates[0]["price"] == "4.99"
    order = place_order(customer, sql)
    shipment_id = order["shipment"]["id"]
    url = f"/api/shipping/shipments/{shipment_id}"
    assert admin.post(url + "/dispatch", json={}).status_code == 400
    assert admin.post(url + "/deliver").status_code == 409
    shipped = admin.post(url + "/dispatch", json={"tracking_number": "TRK1"}).get_json()
    assert (shipped["status"], shipped["tracking_number"]) == ("shipped", "TRK1")
    assert customer.get(url).get_json()["destination"] == {"city": "Leeds", "country": "GB"}
    assert customer.get(f"/api/orders/{order['id']}").get_json()["status"] == "shipped"
    assert admin.post(url + "/deliver").get_json()["status"] == "delivered"
    assert customer.get(f"/api/orders/{order['id']}").get_json()["status"] == "delivered"


def test_inventory(client: FlaskClient, admin: FlaskClient, sql: SQL) -> None:
    product_id = stocked_product(sql)
    stock = client.get(f"/api/inventory/stock/{product_id}").get_json()
    assert stock["total"] == stock_of(sql, product_id)
    codes = [w["code"] for w in client.get("/api/inventory/warehouses").get_json()["items"]]
    assert codes == ["MAIN", "EAST", "WEST"]
    assert client.put(f"/api/inventory/stock/{product_id}", json={}).status_code == 401
    updated = admin.put(
        f"/api/inventory/stock/{product_id}", json={"warehouse": "WEST", "quantity": 7}
    ).get_json()
    assert {w["code"]: w["quantity"] for w in updated["warehouses"]}["WEST"] == 7
    bad = admin.put(f"/api/inventory/stock/{product_id}", json={"warehouse": "X", "quantity": 1})
    assert bad.status_code == 404
    movements = admin.get(f"/api/inventory/movements/{product_id}").get_json()["items"]
    assert movements[0]["reason"] == "adjust"
    low = admin.get("/api/inventory/stock/low?threshold=1&per_page=100").get_json()
    assert all(item["total"] < 1 for item in low["items"])
    assert low["total"] == len(low["items"])
    assert admin.get("/api/inventory/stock/low?threshold=-1").status_code == 400
    assert admin.get("/api/inventory/stock/low?threshold=99999").status_code == 400


def test_notifications(
    customer: FlaskClient, login: Callable[[str, str], FlaskClient], sql: SQL
) -> None:
    place_order(customer, sql)
    unread = customer.get("/api/notifications?unread=1").get_json()
    assert unread["items"][0]["kind"] == "order_placed"
    first = unread["items"][0]["id"]
    assert customer.post(f"/api/notifications/{first}/read").get_json()["is_read"] is True
    stranger = login("user2@example.com", "password2")
    assert stranger.post(f"/api/notifications/{first}/read").status_code == 404
    assert customer.post("/api/notifications/read-all").get_json()["updated"] == unread["total"] - 1
    assert customer.get("/api/notifications?unread=1").get_json()["total"] == 0
    assert customer.get("/api/notifications?unread=yes").status_code == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "X", "percent_off": 5, "amount_off_cents": 5}, "give exactly one of"),
        ({"code": "X"}, "give exactly one of"),
        ({"code": "X", "percent_off": 101}, "percent_off must be between 1 and 100"),
        ({"code": "X", "percent_off": 5, "category_slugs": "books"}, "category_slugs must be"),
    ],
)
def test_promo_code_creation_validation(
    admin: FlaskClient, body: dict[str, Any], message: str
) -> None:
    response = admin.post("/api/promotions/codes", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(message)


def test_admin_creates_promo_codes(admin: FlaskClient, customer: FlaskClient) -> None:
    created = admin.post(
        "/api/promotions/codes",
        json={"code": "garden5", "amount_off_cents": 500, "category_slugs": ["garden"]},
    )
    assert created.status_code == 201
    assert created.get_json()["code"] == "GARDEN5"
    assert len(created.get_json()["category_ids"]) == 1
    assert (
        admin.post("/api/promotions/codes", json={"code": "GARDEN5", "percent_off": 5}).status_code
        == 409
    )
    unknown = admin.post(
        "/api/promotions/codes", json={"code": "Z", "percent_off": 5, "category_slugs": ["nope"]}
    )
    assert unknown.status_code == 404
    codes = [c["code"] for c in admin.get("/api/promotions/codes").get_json()["items"]]
    assert "GARDEN5" in codes
    assert customer.get("/api/promotions/codes").status_code == 403
