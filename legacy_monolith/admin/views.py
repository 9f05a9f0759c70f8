"""Admin pages under /admin and the admin JSON API under /api/admin.

Legacy tangle: product create/update write the catalog's tables (and inventory's
stock_levels) straight from here instead of going through the catalog area.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from legacy_monolith.admin import reports
from legacy_monolith.catalog import queries as catalog_queries
from legacy_monolith.catalog.views import product_json
from legacy_monolith.db import db
from legacy_monolith.helpers import (
    ApiError,
    abort_json,
    admin_required,
    as_iso,
    format_money,
    insert_returning_id,
    json_body,
    now_utc,
    optional_bool,
    optional_int,
    optional_str,
    parse_pagination,
    record_audit,
    require_int,
    require_str,
)
from legacy_monolith.orders.views import STATUSES

bp = Blueprint("admin", __name__)

EDITABLE_FIELDS = ("name", "description", "price_cents", "category_id", "is_active")
_PRICE = re.compile(r"([0-9]{1,7})(?:\.([0-9]{2}))?")
MAX_TOP_CUSTOMERS = 100


def _require_category(category_id: int) -> None:
    found = db.session.execute(
        text("SELECT id FROM categories WHERE id = :id"), {"id": category_id}
    ).first()
    if found is None:
        abort_json(404, f"category {category_id} not found")


def update_product(product_id: int, changes: dict[str, Any]) -> None:
    """UPDATE products with the given columns (SET clause built by concatenation)."""
    if catalog_queries.get_product(product_id, active_only=False) is None:
        abort_json(404, f"product {product_id} not found")
    if "category_id" in changes:
        _require_category(changes["category_id"])
    sql = "UPDATE products SET "
    sql += ", ".join(f"{column} = :{column}" for column in changes)
    sql += " WHERE id = :id"
    db.session.execute(text(sql), {**changes, "id": product_id})
    record_audit("admin", "product.updated", "product", product_id, ",".join(sorted(changes)))
    db.session.commit()


# -- JSON API ------------------------------------------------------------------------------


@bp.post("/api/admin/products")
@admin_required
def create_product() -> ResponseReturnValue:
    body = json_body()
    sku = require_str(body, "sku", max_length=40).upper()
    name = require_str(body, "name", max_length=200)
    price_cents = require_int(body, "price_cents", minimum=0)
    category_id = require_int(body, "category_id", minimum=1)
    description = optional_str(body, "description", max_length=5000) or ""
    is_active = optional_bool(body, "is_active")
    initial_stock = optional_int(body, "initial_stock", maximum=1_000_000) or 0
    _require_category(category_id)
    try:
        product_id = insert_returning_id(
            "INSERT INTO products (sku, name, description, price_cents, category_id, is_active,"
            " created_at) VALUES (:sku, :name, :description, :price, :category_id, :is_active,"
            " :now)",
            {
                "sku": sku,
                "name": name,
                "description": description,
                "price": price_cents,
                "category_id": category_id,
                "is_active": True if is_active is None else is_active,
                "now": now_utc(),
            },
        )
    except IntegrityError:
        abort_json(409, f"sku {sku} already exists")
    db.session.execute(
        text(
            "INSERT INTO stock_levels (product_id, warehouse_id, quantity)"
            " SELECT :pid, MIN(id), :quantity FROM warehouses"
        ),
        {"pid": product_id, "quantity": initial_stock},
    )
    record_audit("admin", "product.created", "product", product_id, sku)
    db.session.commit()
    row = catalog_queries.get_product(product_id, active_only=False)
    assert row is not None
    return jsonify(product_json(row)), 201


@bp.patch("/api/admin/products/<int:product_id>")
@admin_required
def patch_product(product_id: int) -> ResponseReturnValue:
    body = json_body()
    unknown = sorted(set(body) - set(EDITABLE_FIELDS))
    if unknown:
        abort_json(400, f"unknown field: {unknown[0]}; editable: {', '.join(EDITABLE_FIELDS)}")
    changes: dict[str, Any] = {
        "name": optional_str(body, "name", max_length=200),
        "description": body.get("description"),
        "price_cents": optional_int(body, "price_cents"),
        "category_id": optional_int(body, "category_id", minimum=1),
        "is_active": optional_bool(body, "is_active"),
    }
    if changes["description"] is not None and not isinstance(changes["description"], str):
        abort_json(400, "description must be a string")
    changes = {column: value for column, value in changes.items() if value is not None}
    if not changes:
        abort_json(400, f"nothing to update; editable: {', '.join(EDITABLE_FIELDS)}")
    update_product(product_id, changes)
    row = catalog_queries.get_product(product_id, active_only=False)
    assert row is not None
    return jsonify(product_json(row))


@bp.get("/api/admin/reports/revenue-by-category")
@admin_required
def revenue_by_category() -> ResponseReturnValue:
    return jsonify(items=reports.revenue_by_category())


@bp.get("/api/admin/reports/top-customers")
@admin_required
def top_customers() -> ResponseReturnValue:
    raw = request.args.get("limit", "10")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_TOP_CUSTOMERS:
        abort_json(400, f"limit must be an integer from 1 to {MAX_TOP_CUSTOMERS}")
    return jsonify(items=reports.top_customers(int(raw)))


@bp.get("/api/admin/audit-log")
@admin_required
def audit_log() -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    area = request.args.get("area")
    where = "" if area is None else " WHERE area = :area"
    total = db.session.execute(
        text("SELECT COUNT(*) FROM audit_log" + where), {"area": area}
    ).scalar_one()
    rows = db.session.execute(
        text(
            "SELECT id, actor_user_id, area, action, entity, entity_id, detail, created_at"
            " FROM audit_log" + where + " ORDER BY id DESC LIMIT :limit OFFSET :offset"
        ),
        {"area": area, "limit": pagination.per_page, "offset": pagination.offset},
    ).mappings()
    items = [{**row, "created_at": as_iso(row["created_at"])} for row in rows]
    return jsonify(pagination.envelope(items, total))


# -- pages ---------------------------------------------------------------------------------


@bp.get("/admin/")
@admin_required
def dashboard() -> ResponseReturnValue:
    figures = reports.dashboard_figures()
    return render_template(
        "admin/dashboard.html", figures=figures, revenue=format_money(figures["revenue_cents"])
    )


def _parse_price(raw: str) -> int:
    match = _PRICE.fullmatch(raw.strip())
    if match is None:
        abort_json(400, "price must look like 12.34")
    return int(match.group(1)) * 100 + int(match.group(2) or 0)


def _product_form_changes(form: Any) -> dict[str, Any]:
    category = form.get("category_id", "")
    if not category.isdigit():
        abort_json(400, "choose a category")
    return {
        "name": require_str(form, "name", max_length=200),
        "description": form.get("description", "").strip(),
        "price_cents": _parse_price(form.get("price", "")),
        "category_id": int(category),
        "is_active": form.get("is_active") == "on",
    }


@bp.route("/admin/products/<int:product_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_product(product_id: int) -> ResponseReturnValue:
    product = catalog_queries.get_product(product_id, active_only=False)
    if product is None:
        abort_json(404, f"product {product_id} not found")
    error = None
    status = 200
    if request.method == "POST":
        try:
            update_product(product_id, _product_form_changes(request.form))
        except ApiError as exc:
            error, status = exc.message, exc.status
        else:
            flash(f"Saved product {product_id}.")
            return redirect(url_for("admin.edit_product", product_id=product_id))
    page = render_template(
        "admin/product_edit.html",
        product={**product, "price": format_money(product["price_cents"])},
        categories=catalog_queries.list_categories(),
        error=error,
    )
    return page, status


@bp.get("/admin/orders")
@admin_required
def orders_page() -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort_json(400, "status must be one of: " + ", ".join(STATUSES))
    where = "" if status is None else " WHERE o.status = :status"
    total = db.session.execute(
        text("SELECT COUNT(*) FROM orders o" + where), {"status": status}
    ).scalar_one()
    rows = db.session.execute(
        text(
            "SELECT o.id, o.status, o.total_cents, o.created_at, u.email FROM orders o"
            " JOIN users u ON u.id = o.user_id" + where + " ORDER BY o.id DESC"
            " LIMIT :limit OFFSET :offset"
        ),
        {"status": status, "limit": pagination.per_page, "offset": pagination.offset},
    ).mappings()
    return render_template(
        "admin/orders.html",
        orders=[{**row, "created_at": as_iso(row["created_at"])} for row in rows],
        page=pagination.page,
        pages=pagination.pages(total),
        total=total,
        status=status,
        statuses=STATUSES,
    )


@bp.get("/admin/reports")
@admin_required
def reports_page() -> ResponseReturnValue:
    return render_template(
        "admin/reports.html",
        revenue=reports.revenue_by_category(),
        customers=reports.top_customers(10),
    )
