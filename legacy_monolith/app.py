"""The app factory: configuration, the database, one blueprint per business area."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from legacy_monolith.accounts.views import bp as accounts_bp
from legacy_monolith.admin.views import bp as admin_bp
from legacy_monolith.cart.views import bp as cart_bp
from legacy_monolith.catalog.views import bp as catalog_bp
from legacy_monolith.db import db
from legacy_monolith.errors import register_error_handlers
from legacy_monolith.helpers import MAX_DB_INT, abort_json, format_money
from legacy_monolith.inventory.views import bp as inventory_bp
from legacy_monolith.notifications.views import bp as notifications_bp
from legacy_monolith.orders.views import bp as orders_bp
from legacy_monolith.payments.views import bp as payments_bp
from legacy_monolith.promotions.views import bp as promotions_bp
from legacy_monolith.reviews.views import bp as reviews_bp
from legacy_monolith.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MAX_CONTENT_LENGTH,
    DEFAULT_SECRET_KEY,
)
from legacy_monolith.shipping.views import bp as shipping_bp
from legacy_monolith.storefront.views import bp as storefront_bp
from strangler.database import engine_options, ensure_sqlite_folder, resolve_database_url

BLUEPRINTS = (
    accounts_bp,
    catalog_bp,
    inventory_bp,
    cart_bp,
    orders_bp,
    payments_bp,
    shipping_bp,
    reviews_bp,
    promotions_bp,
    notifications_bp,
    admin_bp,
    storefront_bp,
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the shop. Config keys: DATABASE_URL, SECRET_KEY, MAX_CONTENT_LENGTH, any Flask key."""
    settings = {
        "DATABASE_URL": DEFAULT_DATABASE_URL,
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "MAX_CONTENT_LENGTH": DEFAULT_MAX_CONTENT_LENGTH,
        **(config or {}),
    }
    database_url = resolve_database_url(str(settings["DATABASE_URL"]))
    ensure_sqlite_folder(database_url)

    app = Flask("legacy_monolith")
    app.config.update(settings)
    app.config.update(
        DATABASE_URL=database_url,
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(database_url),
    )
    db.init_app(app)
    register_error_handlers(app)
    app.url_value_preprocessor(_reject_ids_beyond_the_database)
    app.add_template_filter(format_money, "money")
    app.add_url_rule("/healthz", "healthz", healthz)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


def _reject_ids_beyond_the_database(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """`/products/99999999999999999999` is a missing product, not an integer overflow."""
    for name, value in (values or {}).items():
        if isinstance(value, int) and value > MAX_DB_INT:
            noun = name.removesuffix("_id").replace("_", " ")
            abort_json(404, f"{noun} {value} not found")
