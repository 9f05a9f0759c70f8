"""Inventory JSON API under /api/inventory: warehouses, stock levels, stock movements."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    admin_required,
    as_iso,
    json_body,
    now_utc,
    parse_non_negative_arg,
    parse_pagination,
    record_audit,
    require_int,
    require_str,
)

bp = Blueprint("inventory", __name__, url_prefix="/api/inventory")

DEFAULT_LOW_STOCK = 5
MAX_LOW_STOCK = 10_000


def _require_product(product_id: int) -> None:
    exists = db.session.execute(
        text("SELECT id FROM products WHERE id = :id"), {"id": product_id}
    ).first()
    if exists is None:
        abort_json(404, f"product {product_id} not found")


def stock_for(product_id: int) -> dict[str, Any]:
    rows = db.session.execute(
        text(
            "SELECT w.code, w.name, s.quantity FROM stock_levels s"
            " JOIN warehouses w ON w.id = s.warehouse_id WHERE s.product_id = :pid ORDER BY w.id"
        ),
        {"pid": product_id},
    ).mappings()
    warehouses = [dict(row) for row in rows]
    return {
        "product_id": product_id,
        "total": sum(int(row["quantity"]) for row in warehouses),
        "warehouses": warehouses,
    }


@bp.get("/warehouses")
def list_warehouses() -> ResponseReturnValue:
    rows = db.session.execute(text("SELECT id, code, name FROM warehouses ORDER BY id")).mappings()
    return jsonify(items=[dict(row) for row in rows])


@bp.get("/stock/<int:product_id>")
def get_stock(product_id: int) -> ResponseReturnValue:
    _require_product(product_id)
    return jsonify(stock_for(product_id))


@bp.get("/stock/low")
@admin_required
def low_stock() -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    threshold = parse_non_negative_arg(request.args, "threshold")
    if threshold is None:
        threshold = DEFAULT_LOW_STOCK
    if threshold > MAX_LOW_STOCK:
        abort_json(400, f"threshold must be at most {MAX_LOW_STOCK}")
    # legacy: the validated integer is pasted into the SQL text
    totals = (
        "SELECT p.id AS product_id, p.sku, p.name, COALESCE(SUM(s.quantity), 0) AS total"
        " FROM products p LEFT JOIN stock_levels s ON s.product_id = p.id"
        " WHERE p.is_active = TRUE GROUP BY p.id, p.sku, p.name"
        f" HAVING COALESCE(SUM(s.quantity), 0) < {threshold}"
    )
    total = db.session.execute(text(f"SELECT COUNT(*) FROM ({totals}) low")).scalar_one()
    rows = db.session.execute(
        text(totals + " ORDER BY total ASC, p.id ASC LIMIT :limit OFFSET :offset"),
        {"limit": pagination.per_page, "offset": pagination.offset},
    ).mappings()
    return jsonify(pagination.envelope([dict(row) for row in rows], total))


@bp.put("/stock/<int:product_id>")
@admin_required
def set_stock(product_id: int) -> ResponseReturnValue:
    body = json_body()
    code = require_str(body, "warehouse", max_length=20)
    quantity = require_int(body, "quantity", minimum=0, maximum=1_000_000)
    _require_product(product_id)
    warehouse_id = db.session.execute(
        text("SELECT id FROM warehouses WHERE code = :code"), {"code": code}
    ).scalar_one_or_none()
    if warehouse_id is None:
        abort_json(404, f"warehouse '{code}' not found")
    params = {"pid": product_id, "wid": warehouse_id}
    before = db.session.execute(
        text("SELECT quantity FROM stock_levels WHERE product_id = :pid AND warehouse_id = :wid"),
        params,
    ).scalar_one_or_none()
    if before is None:
        db.session.execute(
            text(
                "INSERT INTO stock_levels (product_id, warehouse_id, quantity)"
                " VALUES (:pid, :wid, :quantity)"
            ),
            {**params, "quantity": quantity},
        )
    else:
        db.session.execute(
            text(
                "UPDATE stock_levels SET quantity = :quantity"
                " WHERE product_id = :pid AND warehouse_id = :wid"
            ),
            {**params, "quantity": quantity},
        )
    delta = quantity - (before or 0)
    db.session.execute(
        text(
            "INSERT INTO stock_movements (product_id, warehouse_id, delta, reason, created_at)"
            " VALUES (:pid, :wid, :delta, 'adjust', :now)"
        ),
        {**params, "delta": delta, "now": now_utc()},
    )
    record_audit("inventory", "stock.set", "product", product_id, f"{code}={quantity}")
    db.session.commit()
    return jsonify(stock_for(product_id))


@bp.get("/movements/<int:product_id>")
@admin_required
def list_movements(product_id: int) -> ResponseReturnValue:
    _require_product(product_id)
    rows = db.session.execute(
        text(
            "SELECT m.id, w.code AS warehouse, m.delta, m.reason, m.order_id, m.created_at"
            " FROM stock_movements m JOIN warehouses w ON w.id = m.warehouse_id"
            " WHERE m.product_id = :pid ORDER BY m.id DESC LIMIT 50"
        ),
        {"pid": product_id},
    ).mappings()
    return jsonify(items=[{**row, "created_at": as_iso(row["created_at"])} for row in rows])
