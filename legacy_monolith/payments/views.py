"""Payments JSON API under /api/payments; card captures and refunds for orders.

Legacy tangle: this module and orders/views.py import each other (an import cycle that
works because each only uses the other's functions at call time).
"""

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
    insert_returning_id,
    login_required,
    now_utc,
    record_audit,
)
from legacy_monolith.notifications.views import notify
from legacy_monolith.orders import views as orders_views

bp = Blueprint("payments", __name__, url_prefix="/api/payments")

DECLINED_CARD_SUFFIX = "0002"
PAYMENT_COLUMNS = "id, order_id, amount_cents, status, card_last4, created_at"


def capture_payment(order_id: int, amount_cents: int, card_number: str) -> bool:
    """Charge the card (test rule: numbers ending in 0002 are declined); True if captured."""
    status = "declined" if card_number.endswith(DECLINED_CARD_SUFFIX) else "captured"
    payment_id = insert_returning_id(
        "INSERT INTO payments (order_id, amount_cents, status, card_last4, created_at)"
        " VALUES (:order_id, :amount, :status, :last4, :now)",
        {
            "order_id": order_id,
            "amount": amount_cents,
            "status": status,
            "last4": card_number[-4:],
            "now": now_utc(),
        },
    )
    record_audit("payments", f"payment.{status}", "payment", payment_id, f"order {order_id}")
    return status == "captured"


def refund_order_payments(order_id: int) -> int:
    """Mark the order's captured payments refunded; how many were. The caller commits."""
    refunded = (
        db.session.execute(
            text(
                "UPDATE payments SET status = 'refunded'"
                " WHERE order_id = :id AND status = 'captured' RETURNING id"
            ),
            {"id": order_id},
        )
        .scalars()
        .all()
    )
    for payment_id in refunded:
        record_audit("payments", "payment.refunded", "payment", payment_id, f"order {order_id}")
    return len(refunded)


def _payment_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.order_id,
        "amount_cents": row.amount_cents,
        "amount": format_money(row.amount_cents),
        "status": row.status,
        "card_last4": row.card_last4,
        "created_at": as_iso(row.created_at),
    }


def payments_for_order(order_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        text(f"SELECT {PAYMENT_COLUMNS} FROM payments WHERE order_id = :id ORDER BY id"),
        {"id": order_id},
    )
    return [_payment_json(row) for row in rows]


def _payment(payment_id: int) -> Any:
    row = db.session.execute(
        text(f"SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = :id"), {"id": payment_id}
    ).first()
    if row is None:
        abort_json(404, f"payment {payment_id} not found")
    return row


@bp.get("/<int:payment_id>")
@login_required
def get_payment(payment_id: int) -> ResponseReturnValue:
    row = _payment(payment_id)
    orders_views.visible_order(row.order_id)
    return jsonify(_payment_json(row))


@bp.get("/order/<int:order_id>")
@login_required
def list_order_payments(order_id: int) -> ResponseReturnValue:
    orders_views.visible_order(order_id)
    return jsonify(items=payments_for_order(order_id))


@bp.post("/<int:payment_id>/refund")
@admin_required
def refund(payment_id: int) -> ResponseReturnValue:
    row = _payment(payment_id)
    if row.status != "captured":
        abort_json(409, f"payment {payment_id} is {row.status}; only captured payments refund")
    orders_views.set_order_status(row.order_id, "refunded")
    refund_order_payments(row.order_id)
    owner = db.session.execute(
        text("SELECT user_id FROM orders WHERE id = :id"), {"id": row.order_id}
    ).scalar_one()
    notify(owner, "payment_refunded", f"We refunded ${format_money(row.amount_cents)}")
    db.session.commit()
    return jsonify(_payment_json(_payment(payment_id)))
