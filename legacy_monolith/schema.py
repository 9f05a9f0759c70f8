"""The monolith's tables: one metadata, DDL that works on SQLite and PostgreSQL.

Most areas' tables are Core tables declared here (their views use raw SQL);
reviews and promotions declare ORM models in their own `models.py`.
"""

from __future__ import annotations

import sqlalchemy as sa

from legacy_monolith.db import db
from legacy_monolith.promotions.models import PromoCode, promo_code_categories
from legacy_monolith.reviews.models import Review

metadata = db.metadata


def _sortable_name(length: int) -> sa.types.TypeEngine[str]:
    """Byte-order collation on PostgreSQL so `ORDER BY name` matches SQLite everywhere."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime, nullable=False)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, default=False),
    _created_at(),
    sa.Column("last_seen_at", sa.DateTime, nullable=True),
)

addresses = sa.Table(
    "addresses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("line1", sa.String(200), nullable=False),
    sa.Column("city", sa.String(100), nullable=False),
    sa.Column("postal_code", sa.String(20), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("name", _sortable_name(120), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("categories.id"), nullable=True),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sku", sa.String(40), nullable=False, unique=True),
    sa.Column("name", _sortable_name(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("category_id", sa.Integer, sa.ForeignKey("categories.id"), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    _created_at(),
    sa.Index("ix_products_category_id", "category_id"),
)

warehouses = sa.Table(
    "warehouses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
)

stock_levels = sa.Table(
    "stock_levels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("warehouse_id", sa.Integer, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.UniqueConstraint("product_id", "warehouse_id", name="uq_stock_levels_product_warehouse"),
)

carts = sa.Table(
    "carts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    _created_at(),
)

cart_items = sa.Table(
    "cart_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("cart_id", sa.Integer, sa.ForeignKey("carts.id"), nullable=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.UniqueConstraint("cart_id", "product_id", name="uq_cart_items_cart_product"),
)

shipping_methods = sa.Table(
    "shipping_methods",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("subtotal_cents", sa.Integer, nullable=False),
    sa.Column("discount_cents", sa.Integer, nullable=False),
    sa.Column("shipping_cents", sa.Integer, nullable=False),
    sa.Column("total_cents", sa.Integer, nullable=False),
    sa.Column("promo_code_id", sa.Integer, sa.ForeignKey("promo_code.id"), nullable=True),
    _created_at(),
)

order_items = sa.Table(
    "order_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price_cents", sa.Integer, nullable=False),
)

stock_movements = sa.Table(
    "stock_movements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("warehouse_id", sa.Integer, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("delta", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=True),
    _created_at(),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("amount_cents", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("card_last4", sa.String(4), nullable=False),
    _created_at(),
)

shipments = sa.Table(
    "shipments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("method_id", sa.Integer, sa.ForeignKey("shipping_methods.id"), nullable=False),
    sa.Column("address_id", sa.Integer, sa.ForeignKey("addresses.id"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("tracking_number", sa.String(40), nullable=True),
    _created_at(),
    sa.Column("shipped_at", sa.DateTime, nullable=True),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("message", sa.String(500), nullable=False),
    sa.Column("is_read", sa.Boolean, nullable=False),
    _created_at(),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("actor_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("area", sa.String(40), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.Integer, nullable=True),
    sa.Column("detail", sa.String(500), nullable=False),
    _created_at(),
)

# one row per checkout placed through the order saga (legacy_monolith/orders/saga_store.py)
order_sagas = sa.Table(
    "order_sagas",
    metadata,
    sa.Column("saga_id", sa.String(32), primary_key=True),  # not "id": no sequence to advance
    sa.Column("step", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("items", sa.Text, nullable=False),
    sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=True),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    _created_at(),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

reviews = Review.__table__
promo_code = PromoCode.__table__

# Parents before children: the order the seed fills tables in.
TABLES_IN_ORDER: tuple[sa.Table, ...] = (
    users,
    addresses,
    categories,
    products,
    warehouses,
    stock_levels,
    carts,
    cart_items,
    shipping_methods,
    promo_code,
    promo_code_categories,
    orders,
    order_sagas,
    order_items,
    stock_movements,
    payments,
    shipments,
    reviews,
    notifications,
    audit_log,
)


def create_schema(engine: sa.Engine) -> None:
    """Create the tables that are missing (safe to run on an existing database)."""
    metadata.create_all(engine)


def reset_schema(engine: sa.Engine) -> None:
    """Drop every monolith table and create them again, empty."""
    metadata.drop_all(engine)
    metadata.create_all(engine)
