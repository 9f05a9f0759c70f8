"""Promotions JSON API under /api/promotions, on the PromoCode ORM model."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, session
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from legacy_monolith.cart import views as cart_views
from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    admin_required,
    format_money,
    json_body,
    now_utc,
    optional_int,
    optional_str,
    record_audit,
    require_str,
)
from legacy_monolith.orders.views import PROMO_SESSION_KEY
from legacy_monolith.promotions.models import PromoCode, promo_code_categories
from legacy_monolith.schema import categories

bp = Blueprint("promotions", __name__, url_prefix="/api/promotions")


def _find_or_404(code: str) -> PromoCode:
    promo = PromoCode.find(code)
    if promo is None:
        abort_json(404, f"promo code '{code.strip().upper()}' not found")
    return promo


def quote(promo: PromoCode, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """What the code takes off these cart lines."""
    subtotal = cart_views.subtotal_cents(lines)
    discount = promo.discount_cents(lines)
    return {
        "code": promo.code,
        "subtotal_cents": subtotal,
        "discount_cents": discount,
        "discount": format_money(discount),
        "total_after_discount_cents": subtotal - discount,
    }


@bp.get("/codes")
@admin_required
def list_codes() -> ResponseReturnValue:
    promos = db.session.execute(select(PromoCode).order_by(PromoCode.code)).scalars()
    return jsonify(items=[promo.to_json() for promo in promos])


@bp.get("/codes/<code>")
def check_code(code: str) -> ResponseReturnValue:
    promo = _find_or_404(code)
    return jsonify(code=promo.code, description=promo.description, active=bool(promo.is_active))


def _category_ids(slugs: Any) -> list[int]:
    if slugs is None:
        return []
    if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
        abort_json(400, "category_slugs must be a list of strings")
    found = {
        slug: category_id
        for slug, category_id in db.session.execute(
            select(categories.c.slug, categories.c.id).where(categories.c.slug.in_(slugs))
        )
    }
    missing = sorted(set(slugs) - set(found))
    if missing:
        abort_json(404, f"category '{missing[0]}' not found")
    return sorted(set(found.values()))


@bp.post("/codes")
@admin_required
def create_code() -> ResponseReturnValue:
    body = json_body()
    code = require_str(body, "code", max_length=40).upper()
    percent_off = optional_int(body, "percent_off", minimum=1, maximum=100)
    amount_off = optional_int(body, "amount_off_cents", minimum=1)
    if (percent_off is None) == (amount_off is None):
        abort_json(400, "give exactly one of percent_off, amount_off_cents")
    category_ids = _category_ids(body.get("category_slugs"))
    if PromoCode.find(code) is not None:
        abort_json(409, f"promo code '{code}' already exists")
    promo = PromoCode(
        code=code,
        description=optional_str(body, "description") or "",
        percent_off=percent_off,
        amount_off_cents=amount_off,
        min_subtotal_cents=optional_int(body, "min_subtotal_cents") or 0,
        max_redemptions=optional_int(body, "max_redemptions", minimum=1),
        times_redeemed=0,
        is_active=True,
        created_at=now_utc(),
    )
    db.session.add(promo)
    db.session.flush()
    if category_ids:
        db.session.execute(
            promo_code_categories.insert(),
            [{"promo_code_id": promo.id, "category_id": cid} for cid in category_ids],
        )
    record_audit("promotions", "promo.created", "promo_code", promo.id, code)
    db.session.commit()
    return jsonify(promo.to_json()), 201


@bp.post("/apply")
def apply_code() -> ResponseReturnValue:
    code = require_str(json_body(), "code", max_length=40)
    promo = _find_or_404(code)
    lines = cart_views.cart_lines(cart_views.current_cart_id(create=False))
    if not lines:
        abort_json(422, "cart is empty; add products before applying a promo code")
    reason = promo.unusable_reason(cart_views.subtotal_cents(lines))
    if reason is not None:
        abort_json(422, reason)
    session[PROMO_SESSION_KEY] = promo.code
    return jsonify(quote(promo, lines))


@bp.delete("/apply")
def remove_code() -> ResponseReturnValue:
    session.pop(PROMO_SESSION_KEY, None)
    return jsonify(code=None)
