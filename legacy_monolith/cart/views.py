"""Cart JSON API under /api/cart; the cart is found by the `cart_token` cookie."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    current_user,
    format_money,
    insert_returning_id,
    json_body,
    now_utc,
    require_int,
)

bp = Blueprint("cart", __name__, url_prefix="/api/cart")

CART_COOKIE = "cart_token"
CART_COOKIE_MAX_AGE = 30 * 24 * 3600
MAX_QUANTITY = 99


def cart_token() -> str | None:
    token: str | None = g.get("new_cart_token") or request.cookies.get(CART_COOKIE)
    return token


def current_cart_id(*, create: bool) -> int | None:
    """The browser's cart id; with `create`, a new cart (and cookie) when there is none."""
    token = cart_token()
    if token:
        found: int | None = db.session.execute(
            text("SELECT id FROM carts WHERE token = :token"), {"token": token}
        ).scalar_one_or_none()
        if found is not None or not create:
            return found
    elif not create:
        return None
    user = current_user()
    g.new_cart_token = secrets.token_urlsafe(24)
    return insert_returning_id(
        "INSERT INTO carts (token, user_id, created_at) VALUES (:token, :user_id, :now)",
        {
            "token": g.new_cart_token,
            "user_id": None if user is None else user["id"],
            "now": now_utc(),
        },
    )


@bp.after_app_request
def set_cart_cookie(response: Response) -> Response:
    token = g.get("new_cart_token")
    if token:
        response.set_cookie(
            CART_COOKIE, token, max_age=CART_COOKIE_MAX_AGE, httponly=True, samesite="Lax"
        )
    return response


def cart_lines(cart_id: int | None) -> list[dict[str, Any]]:
    """The cart's lines for active products, with current prices."""
    if cart_id is None:
        return []
    rows = db.session.execute(
        text(
            "SELECT ci.product_id, ci.quantity, p.sku, p.name, p.price_cents, p.category_id"
            " FROM cart_items ci JOIN products p ON p.id = ci.product_id"
            " WHERE ci.cart_id = :cart_id AND p.is_active = TRUE ORDER BY ci.id"
        ),
        {"cart_id": cart_id},
    ).mappings()
    return [dict(row) for row in rows]


def subtotal_cents(lines: list[dict[str, Any]]) -> int:
    return sum(int(line["quantity"]) * int(line["price_cents"]) for line in lines)


def cart_json(cart_id: int | None) -> dict[str, Any]:
    lines = cart_lines(cart_id)
    subtotal = subtotal_cents(lines)
    return {
        "items": [
            {
                "product_id": line["product_id"],
                "sku": line["sku"],
                "name": line["name"],
                "quantity": line["quantity"],
                "unit_price_cents": line["price_cents"],
                "line_total_cents": line["quantity"] * line["price_cents"],
            }
            for line in lines
        ],
        "item_count": sum(int(line["quantity"]) for line in lines),
        "subtotal_cents": subtotal,
        "subtotal": format_money(subtotal),
    }


def _line_quantity(cart_id: int, product_id: int) -> int | None:
    found: int | None = db.session.execute(
        text("SELECT quantity FROM cart_items WHERE cart_id = :cart_id AND product_id = :pid"),
        {"cart_id": cart_id, "pid": product_id},
    ).scalar_one_or_none()
    return found


def add_item(cart_id: int, product_id: int, quantity: int) -> None:
    """Add `quantity` of an active product to the cart (merging with an existing line)."""
    active = db.session.execute(
        text("SELECT id FROM products WHERE id = :id AND is_active = TRUE"), {"id": product_id}
    ).first()
    if active is None:
        abort_json(404, f"product {product_id} not found")
    existing = _line_quantity(cart_id, product_id)
    if existing is None:
        db.session.execute(
            text(
                "INSERT INTO cart_items (cart_id, product_id, quantity)"
                " VALUES (:cart_id, :pid, :quantity)"
            ),
            {"cart_id": cart_id, "pid": product_id, "quantity": quantity},
        )
    elif existing + quantity > MAX_QUANTITY:
        abort_json(
            422, f"a cart line holds at most {MAX_QUANTITY}; product {product_id} has {existing}"
        )
    else:
        _set_quantity(cart_id, product_id, existing + quantity)
    db.session.commit()


def _set_quantity(cart_id: int, product_id: int, quantity: int) -> None:
    db.session.execute(
        text(
            "UPDATE cart_items SET quantity = :quantity"
            " WHERE cart_id = :cart_id AND product_id = :pid"
        ),
        {"quantity": quantity, "cart_id": cart_id, "pid": product_id},
    )


def _cart_with_product(product_id: int) -> int:
    cart_id = current_cart_id(create=False)
    if cart_id is None or _line_quantity(cart_id, product_id) is None:
        abort_json(404, f"product {product_id} is not in the cart")
    return cart_id


@bp.get("")
def get_cart() -> ResponseReturnValue:
    return jsonify(cart_json(current_cart_id(create=False)))


@bp.post("/items")
def add_cart_item() -> ResponseReturnValue:
    body = json_body()
    product_id = require_int(body, "product_id", minimum=1)
    quantity = (
        1
        if body.get("quantity") is None
        else require_int(body, "quantity", minimum=1, maximum=MAX_QUANTITY)
    )
    cart_id = current_cart_id(create=True)
    assert cart_id is not None
    add_item(cart_id, product_id, quantity)
    return jsonify(cart_json(cart_id))


@bp.patch("/items/<int:product_id>")
def update_cart_item(product_id: int) -> ResponseReturnValue:
    body = json_body()
    quantity = require_int(body, "quantity", minimum=1, maximum=MAX_QUANTITY)
    cart_id = _cart_with_product(product_id)
    _set_quantity(cart_id, product_id, quantity)
    db.session.commit()
    return jsonify(cart_json(cart_id))


@bp.delete("/items/<int:product_id>")
def remove_cart_item(product_id: int) -> ResponseReturnValue:
    cart_id = _cart_with_product(product_id)
    db.session.execute(
        text("DELETE FROM cart_items WHERE cart_id = :cart_id AND product_id = :pid"),
        {"cart_id": cart_id, "pid": product_id},
    )
    db.session.commit()
    return jsonify(cart_json(cart_id))


@bp.delete("")
def clear_cart() -> ResponseReturnValue:
    cart_id = current_cart_id(create=False)
    if cart_id is not None:
        db.session.execute(text("DELETE FROM cart_items WHERE cart_id = :id"), {"id": cart_id})
        db.session.commit()
    return jsonify(cart_json(cart_id))
