"""Orders JSON API under /api/orders, and `place_order`, the checkout the storefront also uses.

Legacy tangle: checkout writes other areas' tables itself — it decrements inventory's
`stock_levels`, inserts `stock_movements`, `addresses`, `shipments`, bumps
`promo_code.times_redeemed` and empties `cart_items` — all with raw SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Blueprint, jsonify, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from legacy_monolith.accounts.views import insert_address, parse_address
from legacy_monolith.cart import views as cart_views
from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    admin_required,
    as_iso,
    current_user,
    format_money,
    insert_returning_id,
    json_body,
    login_required,
    now_utc,
    optional_str,
    parse_pagination,
    record_audit,
    require_str,
    user_id_required,
)
from legacy_monolith.notifications.views import notify
from legacy_monolith.orders.saga import (
    begin_return,
    checkout_saga,
    order_saga_enabled,
    send_return,
)
from legacy_monolith.payments import views as payments_views
from legacy_monolith.promotions.models import PromoCode

bp = Blueprint("orders", __name__, url_prefix="/api/orders")

STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled", "refunded")
# status -> the statuses it may move to through set_order_status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("paid", "cancelled"),
    "paid": ("shipped", "cancelled", "refunded"),
    "shipped": ("delivered", "refunded"),
    "delivered": ("refunded",),
    "cancelled": (),
    "refunded": (),
}
PROMO_SESSION_KEY = "promo_code"
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")


@dataclass(frozen=True)
class CheckoutRequest:
    """What the customer typed at checkout (JSON API or the HTML form)."""

    shipping_method: str
    address: dict[str, str]
    card_number: str
    promo_code: str | None


def checkout_request(
    fields: dict[str, Any], address: dict[str, Any], *, nested: bool
) -> CheckoutRequest:
    """Validate checkout fields; `nested` (JSON API) names fields as address.x / payment.x."""
    card_label = "payment.card_number" if nested else "card_number"
    card_number = require_str(fields, "card_number", max_length=19, label=card_label)
    if _CARD_NUMBER.fullmatch(card_number) is None:
        abort_json(400, f"{card_label} must be 12 to 19 digits")
    return CheckoutRequest(
        shipping_method=optional_str(fields, "shipping_method", max_length=20) or "standard",
        address=parse_address(address, "address." if nested else ""),
        card_number=card_number,
        promo_code=optional_str(fields, "promo_code", max_length=40)
        or session.get(PROMO_SESSION_KEY),
    )


def _shipping_method(code: str) -> Any:
    method = db.session.execute(
        text("SELECT id, code, name, price_cents FROM shipping_methods WHERE code = :code"),
        {"code": code},
    ).first()
    if method is None:
        codes = db.session.execute(text("SELECT code FROM shipping_methods ORDER BY id")).scalars()
        abort_json(400, f"unknown shipping_method '{code}'; choose one of: {', '.join(codes)}")
    return method


def _discount(promo_code: str | None, lines: list[dict[str, Any]]) -> tuple[int | None, int]:
    if promo_code is None:
        return None, 0
    promo = PromoCode.find(promo_code)
    if promo is None:
        abort_json(422, f"promo code '{promo_code}' not found")
    reason = promo.unusable_reason(cart_views.subtotal_cents(lines))
    if reason is not None:
        abort_json(422, reason)
    return promo.id, promo.discount_cents(lines)


def _take_stock(product_id: int, quantity: int, order_id: int) -> None:
    """Decrement inventory's stock_levels directly, warehouse by warehouse."""
    levels = db.session.execute(
        text(
            "SELECT id, warehouse_id, quantity FROM stock_levels"
            " WHERE product_id = :pid AND quantity > 0 ORDER BY warehouse_id"
        ),
        {"pid": product_id},
    ).all()
    available = sum(level.quantity for level in levels)
    if available < quantity:
        abort_json(
            409,
            f"not enough stock for product {product_id}: {available} available,"
            f" {quantity} requested",
        )
    remaining = quantity
    for level in levels:
        take = min(remaining, level.quantity)
        if take == 0:
            break
        taken = db.session.execute(
            text(
                "UPDATE stock_levels SET quantity = quantity - :take"
                " WHERE id = :id AND quantity >= :take RETURNING id"
            ),
            {"take": take, "id": level.id},
        ).first()
        if taken is None:
            abort_json(409, f"stock for product {product_id} changed meanwhile; try again")
        db.session.execute(
            text(
                "INSERT INTO stock_movements (product_id, warehouse_id, delta, reason, order_id,"
                " created_at) VALUES (:pid, :wid, :delta, 'order', :order_id, :now)"
            ),
            {
                "pid": product_id,
                "wid": level.warehouse_id,
                "delta": -take,
                "order_id": order_id,
                "now": now_utc(),
            },
        )
        remaining -= take


def place_order(
    user_id: int,
    cart_id: int | None,
    checkout: CheckoutRequest,
    reserved_lines: list[dict[str, Any]] | None = None,
) -> int:
    """Turn the cart into a paid order; every write commits together or not at all.

    With ORDER_SAGA on, the inventory service holds the stock: the order saga reserves
    the cart's lines there and calls back with them as `reserved_lines` (docs/saga.md).
    """
    if reserved_lines is None and order_saga_enabled():
        return checkout_saga(
            cart_views.cart_lines(cart_id), partial(place_order, user_id, cart_id, checkout)
        )
    lines = cart_views.cart_lines(cart_id) if reserved_lines is None else reserved_lines
    if not lines:
        abort_json(422, "cart is empty")
    method = _shipping_method(checkout.shipping_method)
    promo_id, discount = _discount(checkout.promo_code, lines)
    subtotal = cart_views.subtotal_cents(lines)
    total = subtotal - discount + int(method.price_cents)
    now = now_utc()
    order_id = insert_returning_id(
        "INSERT INTO orders (user_id, status, subtotal_cents, discount_cents, shipping_cents,"
        " total_cents, promo_code_id, created_at) VALUES (:user_id, 'pending', :subtotal,"
        " :discount, :shipping, :total, :promo_id, :now)",
        {
            "user_id": user_id,
            "subtotal": subtotal,
            "discount": discount,
            "shipping": method.price_cents,
            "total": total,
            "promo_id": promo_id,
            "now": now,
        },
    )
    for line in lines:
        db.session.execute(
            text(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
                " VALUES (:order_id, :pid, :quantity, :price)"
            ),
            {
                "order_id": order_id,
                "pid": line["product_id"],
                "quantity": line["quantity"],
                "price": line["price_cents"],
            },
        )
        if reserved_lines is None:
            _take_stock(line["product_id"], line["quantity"], order_id)
    address_id = insert_address(user_id, checkout.address)
    db.session.execute(
        text(
            "INSERT INTO shipments (order_id, method_id, address_id, status, created_at)"
            " VALUES (:order_id, :method_id, :address_id, 'pending', :now)"
        ),
        {"order_id": order_id, "method_id": method.id, "address_id": address_id, "now": now},
    )
    if not payments_views.capture_payment(order_id, total, checkout.card_number):
        abort_json(422, "payment declined; use another card")
    db.session.execute(text("UPDATE orders SET status = 'paid' WHERE id = :id"), {"id": order_id})
    if promo_id is not None:
        db.session.execute(
            text("UPDATE promo_code SET times_redeemed = times_redeemed + 1 WHERE id = :id"),
            {"id": promo_id},
        )
    db.session.execute(text("DELETE FROM cart_items WHERE cart_id = :id"), {"id": cart_id})
    notify(user_id, "order_placed", f"Order #{order_id} placed: ${format_money(total)}")
    record_audit("orders", "order.placed", "order", order_id, f"total_cents={total}")
    db.session.commit()
    session.pop(PROMO_SESSION_KEY, None)
    return order_id


def order_json(order_id: int) -> dict[str, Any] | None:
    order = (
        db.session.execute(
            text(
                "SELECT o.id, o.user_id, o.status, o.subtotal_cents, o.discount_cents,"
                " o.shipping_cents, o.total_cents, o.created_at, pc.code AS promo_code"
                " FROM orders o LEFT JOIN promo_code pc ON pc.id = o.promo_code_id WHERE o.id = :id"
            ),
            {"id": order_id},
        )
        .mappings()
        .first()
    )
    if order is None:
        return None
    items = db.session.execute(
        text(
            "SELECT oi.product_id, p.sku, p.name, oi.quantity, oi.unit_price_cents"
            " FROM order_items oi JOIN products p ON p.id = oi.product_id"
            " WHERE oi.order_id = :id ORDER BY oi.id"
        ),
        {"id": order_id},
    ).mappings()
    shipment = (
        db.session.execute(
            text(
                "SELECT s.id, s.status, s.tracking_number, m.code AS method FROM shipments s"
                " JOIN shipping_methods m ON m.id = s.method_id WHERE s.order_id = :id"
            ),
            {"id": order_id},
        )
        .mappings()
        .first()
    )
    return {
        **order,
        "created_at": as_iso(order["created_at"]),
        "total": format_money(order["total_cents"]),
        "items": [
            {**item, "line_total_cents": item["quantity"] * item["unit_price_cents"]}
            for item in items
        ],
        "payments": payments_views.payments_for_order(order_id),
        "shipment": None if shipment is None else dict(shipment),
    }


def visible_order(order_id: int) -> dict[str, Any]:
    """The order if the current user owns it or is an admin; 404 otherwise (no leaking)."""
    order = order_json(order_id)
    user = current_user()
    if order is None or user is None or (order["user_id"] != user["id"] and not user["is_admin"]):
        abort_json(404, f"order {order_id} not found")
    return order


def set_order_status(order_id: int, new_status: str) -> None:
    """Move an order along TRANSITIONS (409 otherwise); the caller commits."""
    current = db.session.execute(
        text("SELECT status, user_id FROM orders WHERE id = :id"), {"id": order_id}
    ).first()
    if current is None:
        abort_json(404, f"order {order_id} not found")
    if new_status not in TRANSITIONS[current.status]:
        abort_json(409, f"order {order_id} cannot go from '{current.status}' to '{new_status}'")
    db.session.execute(
        text("UPDATE orders SET status = :status WHERE id = :id"),
        {"status": new_status, "id": order_id},
    )
    notify(current.user_id, f"order_{new_status}", f"Order #{order_id} is now {new_status}")
    record_audit("orders", f"order.{new_status}", "order", order_id, f"from {current.status}")


def _restock(order_id: int) -> None:
    """Put back what the order took from stock_levels (inventory's table, written here)."""
    taken = db.session.execute(
        text(
            "SELECT product_id, warehouse_id, -delta AS quantity FROM stock_movements"
            " WHERE order_id = :id AND reason = 'order' ORDER BY id"
        ),
        {"id": order_id},
    ).all()
    for row in taken:
        db.session.execute(
            text(
                "UPDATE stock_levels SET quantity = quantity + :quantity"
                " WHERE product_id = :pid AND warehouse_id = :wid"
            ),
            {"quantity": row.quantity, "pid": row.product_id, "wid": row.warehouse_id},
        )
        db.session.execute(
            text(
                "INSERT INTO stock_movements (product_id, warehouse_id, delta, reason, order_id,"
                " created_at) VALUES (:pid, :wid, :quantity, 'cancel', :order_id, :now)"
            ),
            {
                "pid": row.product_id,
                "wid": row.warehouse_id,
                "quantity": row.quantity,
                "order_id": order_id,
                "now": now_utc(),
            },
        )


def cancel_order(order_id: int) -> str | None:
    """Cancel, refund and restock an order that has not shipped; the caller commits.

    With ORDER_SAGA on, an order its saga placed has its stock in the inventory service:
    its saga moves to `return` instead of a restock here, and the saga id is returned
    for the caller to `finish_cancel` after the commit (docs/saga.md)."""
    set_order_status(order_id, "cancelled")
    payments_views.refund_order_payments(order_id)
    returning = begin_return(order_id) if order_saga_enabled() else None
    if returning is None:
        _restock(order_id)
    db.session.execute(
        text("UPDATE shipments SET status = 'cancelled' WHERE order_id = :id"), {"id": order_id}
    )
    return returning


def finish_cancel(returning: str | None) -> None:
    """After the cancel committed, send its saga's return (if it has one)."""
    if returning is not None:
        send_return(returning)


@bp.post("/checkout")
@login_required
def checkout() -> ResponseReturnValue:
    body = json_body()
    address = body.get("address")
    payment = body.get("payment")
    if not isinstance(address, dict):
        abort_json(400, "address must be an object with line1, city, postal_code, country")
    if not isinstance(payment, dict):
        abort_json(400, "payment must be an object with card_number")
    request_data = checkout_request({**body, **payment}, address, nested=True)
    order_id = place_order(
        user_id_required(), cart_views.current_cart_id(create=False), request_data
    )
    return jsonify(order_json(order_id)), 201


@bp.get("")
@login_required
def list_orders() -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    params = {"user_id": user_id_required()}
    total = db.session.execute(
        text("SELECT COUNT(*) FROM orders WHERE user_id = :user_id"), params
    ).scalar_one()
    rows = db.session.execute(
        text(
            "SELECT id, status, total_cents, created_at FROM orders WHERE user_id = :user_id"
            " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": pagination.per_page, "offset": pagination.offset},
    ).mappings()
    items = [
        {**row, "created_at": as_iso(row["created_at"]), "total": format_money(row["total_cents"])}
        for row in rows
    ]
    return jsonify(pagination.envelope(items, total))


@bp.get("/<int:order_id>")
@login_required
def get_order(order_id: int) -> ResponseReturnValue:
    return jsonify(visible_order(order_id))


@bp.post("/<int:order_id>/cancel")
@login_required
def cancel(order_id: int) -> ResponseReturnValue:
    visible_order(order_id)
    returning = cancel_order(order_id)
    db.session.commit()
    finish_cancel(returning)
    return jsonify(order_json(order_id))


@bp.patch("/<int:order_id>/status")
@admin_required
def change_status(order_id: int) -> ResponseReturnValue:
    status = require_str(json_body(), "status", max_length=20)
    if status not in STATUSES:
        abort_json(400, "status must be one of: " + ", ".join(STATUSES))
    returning = None
    if status == "cancelled":
        returning = cancel_order(order_id)
    else:
        set_order_status(order_id, status)
    if status == "refunded":
        payments_views.refund_order_payments(order_id)
    db.session.commit()
    finish_cancel(returning)
    return jsonify(order_json(order_id))
