"""Shipping JSON API under /api/shipping: rates and shipments (dispatch moves the order too)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    admin_required,
    as_iso,
    format_money,
    json_body,
    login_required,
    now_utc,
    require_str,
)
from legacy_monolith.notifications.views import notify
from legacy_monolith.orders import views as orders_views

bp = Blueprint("shipping", __name__, url_prefix="/api/shipping")


def _shipment(shipment_id: int) -> Any:
    row = db.session.execute(
        text(
            "SELECT s.id, s.order_id, s.status, s.tracking_number, s.created_at, s.shipped_at,"
            " m.code AS method, a.city, a.country, o.user_id"
            " FROM shipments s JOIN shipping_methods m ON m.id = s.method_id"
            " JOIN addresses a ON a.id = s.address_id JOIN orders o ON o.id = s.order_id"
            " WHERE s.id = :id"
        ),
        {"id": shipment_id},
    ).first()
    if row is None:
        abort_json(404, f"shipment {shipment_id} not found")
    return row


def _shipment_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "status": row.status,
        "method": row.method,
        "tracking_number": row.tracking_number,
        "destination": {"city": row.city, "country": row.country},
        "created_at": as_iso(row.created_at),
        "shipped_at": as_iso(row.shipped_at),
    }


@bp.get("/rates")
def rates() -> ResponseReturnValue:
    rows = db.session.execute(
        text("SELECT code, name, price_cents, days FROM shipping_methods ORDER BY price_cents, id")
    ).mappings()
    return jsonify(items=[{**row, "price": format_money(row["price_cents"])} for row in rows])


@bp.get("/shipments/<int:shipment_id>")
@login_required
def get_shipment(shipment_id: int) -> ResponseReturnValue:
    row = _shipment(shipment_id)
    orders_views.visible_order(row.order_id)
    return jsonify(_shipment_json(row))


def _advance(shipment_id: int, expected: str, order_status: str) -> Any:
    row = _shipment(shipment_id)
    if row.status != expected:
        abort_json(409, f"shipment {shipment_id} is {row.status}, not {expected}")
    orders_views.set_order_status(row.order_id, order_status)
    return row


@bp.post("/shipments/<int:shipment_id>/dispatch")
@admin_required
def dispatch(shipment_id: int) -> ResponseReturnValue:
    tracking_number = require_str(json_body(), "tracking_number", max_length=40)
    row = _advance(shipment_id, "pending", "shipped")
    db.session.execute(
        text(
            "UPDATE shipments SET status = 'shipped', tracking_number = :tracking,"
            " shipped_at = :now WHERE id = :id"
        ),
        {"tracking": tracking_number, "now": now_utc(), "id": shipment_id},
    )
    notify(row.user_id, "shipment_dispatched", f"Tracking number: {tracking_number}")
    db.session.commit()
    return jsonify(_shipment_json(_shipment(shipment_id)))


@bp.post("/shipments/<int:shipment_id>/deliver")
@admin_required
def deliver(shipment_id: int) -> ResponseReturnValue:
    _advance(shipment_id, "shipped", "delivered")
    db.session.execute(
        text("UPDATE shipments SET status = 'delivered' WHERE id = :id"), {"id": shipment_id}
    )
    db.session.commit()
    return jsonify(_shipment_json(_shipment(shipment_id)))
