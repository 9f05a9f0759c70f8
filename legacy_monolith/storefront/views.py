"""Storefront pages: home, product page, cart, checkout, order confirmation.

These views reach straight into catalog queries, the cart, stock_levels and the
Review model — the page layer knows every area.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from werkzeug.wrappers import Response

from legacy_monolith.cart import views as cart_views
from legacy_monolith.catalog import queries as catalog_queries
from legacy_monolith.catalog.views import parse_product_filter, product_listing
from legacy_monolith.db import db
from legacy_monolith.helpers import (
    ApiError,
    abort_json,
    format_money,
    login_required,
    parse_pagination,
    user_id_required,
)
from legacy_monolith.orders import views as orders_views
from legacy_monolith.promotions.models import PromoCode
from legacy_monolith.reviews.views import rating_summary, reviews_page

bp = Blueprint("storefront", __name__)

RECENTLY_VIEWED_COOKIE = "recently_viewed"
RECENTLY_VIEWED_KEEP = 5
HOME_PAGE_SIZE = 12


def _recently_viewed() -> list[int]:
    raw = request.cookies.get(RECENTLY_VIEWED_COOKIE, "")
    return [int(part) for part in raw.split("-") if part.isdigit()][:RECENTLY_VIEWED_KEEP]


@bp.get("/")
def home() -> ResponseReturnValue:
    pagination = parse_pagination({"per_page": str(HOME_PAGE_SIZE), **request.args})
    product_filter = parse_product_filter(request.args)
    total, products = product_listing(product_filter, pagination)
    return render_template(
        "home.html",
        categories=catalog_queries.list_categories(),
        products=[{**p, "price": format_money(p["price_cents"])} for p in products],
        args=request.args,
        page=pagination.page,
        pages=pagination.pages(total),
        total=total,
    )


@bp.get("/products/<int:product_id>")
def product_page(product_id: int) -> ResponseReturnValue:
    product = catalog_queries.get_product(product_id)
    if product is None:
        abort_json(404, f"product {product_id} not found")
    in_stock = db.session.execute(
        text("SELECT COALESCE(SUM(quantity), 0) FROM stock_levels WHERE product_id = :id"),
        {"id": product_id},
    ).scalar_one()
    page = render_template(
        "product.html",
        product={**product, "price": format_money(product["price_cents"])},
        in_stock=int(in_stock),
        summary=rating_summary(product_id),
        reviews=reviews_page(product_id, 10, 0),
    )
    response = Response(page, mimetype="text/html")
    viewed = [product_id, *(pid for pid in _recently_viewed() if pid != product_id)]
    response.set_cookie(
        RECENTLY_VIEWED_COOKIE,
        "-".join(str(pid) for pid in viewed[:RECENTLY_VIEWED_KEEP]),
        httponly=True,
        samesite="Lax",
    )
    return response


def _promo_discount(lines: list[dict[str, Any]]) -> tuple[str | None, int]:
    code = session.get(orders_views.PROMO_SESSION_KEY)
    promo = PromoCode.find(code) if isinstance(code, str) else None
    return (None, 0) if promo is None else (promo.code, promo.discount_cents(lines))


@bp.get("/cart")
def cart_page() -> ResponseReturnValue:
    lines = cart_views.cart_lines(cart_views.current_cart_id(create=False))
    code, discount = _promo_discount(lines)
    subtotal = cart_views.subtotal_cents(lines)
    return render_template(
        "cart.html",
        lines=[
            {**line, "line_total": format_money(line["quantity"] * line["price_cents"])}
            for line in lines
        ],
        subtotal=format_money(subtotal),
        promo_code=code,
        discount=format_money(discount),
    )


@bp.post("/cart/add")
def add_to_cart() -> ResponseReturnValue:
    product_id = request.form.get("product_id", "")
    quantity = request.form.get("quantity", "1")
    if not product_id.isdigit() or not quantity.isdigit():
        abort_json(400, "product_id and quantity must be whole numbers")
    if not 1 <= int(quantity) <= cart_views.MAX_QUANTITY:
        abort_json(400, f"quantity must be between 1 and {cart_views.MAX_QUANTITY}")
    cart_id = cart_views.current_cart_id(create=True)
    assert cart_id is not None
    cart_views.add_item(cart_id, int(product_id), int(quantity))
    return redirect(url_for("storefront.cart_page"))


def _shipping_methods() -> list[dict[str, object]]:
    rows = db.session.execute(
        text("SELECT code, name, price_cents FROM shipping_methods ORDER BY price_cents, id")
    ).mappings()
    return [{**row, "price": format_money(row["price_cents"])} for row in rows]


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout_page() -> ResponseReturnValue:
    cart_id = cart_views.current_cart_id(create=False)
    error = None
    status = 200
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            checkout = orders_views.checkout_request(form, form, nested=False)
            order_id = orders_views.place_order(user_id_required(), cart_id, checkout)
        except ApiError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            return redirect(url_for("storefront.order_page", order_id=order_id))
    lines = cart_views.cart_lines(cart_id)
    page = render_template(
        "checkout.html",
        lines=lines,
        subtotal=format_money(cart_views.subtotal_cents(lines)),
        methods=_shipping_methods(),
        form=request.form,
        error=error,
    )
    return page, status


@bp.get("/orders/<int:order_id>")
@login_required
def order_page(order_id: int) -> ResponseReturnValue:
    order = orders_views.visible_order(order_id)
    return render_template("order.html", order=order)
