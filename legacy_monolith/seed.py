"""Deterministic demo data: the same arguments give the same rows on SQLite and PostgreSQL.

Every value (ids, names, prices, timestamps, password salts) comes from one
`random.Random(seed)` and a fixed base time, never from the clock.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from legacy_monolith.schema import TABLES_IN_ORDER, reset_schema
from strangler.database import display_url, open_engine

Row = dict[str, Any]

BASE_TIME = datetime(2024, 1, 1, 9, 0, 0)
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "adminpass"
SEED_HASH_ITERATIONS = 1000
INACTIVE_SHARE = 0.05

# (id, slug, name, parent_id, nouns sold in it)
CATEGORIES: tuple[tuple[int, str, str, int | None, tuple[str, ...]], ...] = (
    (1, "home", "Home & Kitchen", None, ()),
    (2, "kitchen", "Kitchen", 1, ("Chef Knife", "Cutting Board", "Coffee Mug", "Tea Kettle")),
    (3, "lighting", "Lighting", 1, ("Desk Lamp", "Floor Lamp", "Pendant Light", "Lantern")),
    (4, "furniture", "Furniture", 1, ("Bookshelf", "Side Table", "Office Chair", "Bench")),
    (5, "outdoor", "Outdoor", None, ()),
    (6, "garden", "Garden", 5, ("Planter", "Watering Can", "Garden Hose", "Bird Feeder")),
    (7, "camping", "Camping", 5, ("Tent", "Sleeping Bag", "Camp Stove", "Lantern")),
    (8, "electronics", "Electronics", None, ("Power Bank",)),
    (9, "audio", "Audio", 8, ("Headphones", "Speaker", "Turntable", "Earbuds")),
    (10, "computers", "Computers", 8, ("Laptop Stand", "Keyboard", "Monitor", "Mouse")),
    (11, "accessories", "Computer Accessories", 10, ("USB Hub", "Laptop Sleeve", "Desk Mat")),
    (12, "books", "Books", None, ("Cookbook", "Travel Guide", "Atlas")),
    (13, "fiction", "Fiction", 12, ("Novel", "Short Story Collection", "Poetry Anthology")),
    (14, "clearance", "Clearance", None, ()),
)
ADJECTIVES = ("Classic", "Deluxe", "Compact", "Vintage", "Modern", "Eco", "Premium", "Travel")
COLOURS = ("Black", "White", "Red", "Blue", "Green", "Walnut", "Steel", "Bamboo")
FIRST_NAMES = ("Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas")
LAST_NAMES = ("Smith", "Okafor", "Nguyen", "Garcia", "Muller", "Kowalski", "Tanaka", "Silva")
CITIES = (("Springfield", "US"), ("Lyon", "FR"), ("Leeds", "GB"), ("Porto", "PT"), ("Graz", "AT"))
WAREHOUSES = ((1, "MAIN", "Main warehouse"), (2, "EAST", "East depot"), (3, "WEST", "West depot"))
SHIPPING_METHODS = (
    (1, "standard", "Standard (5 days)", 499, 5),
    (2, "express", "Express (2 days)", 1499, 2),
    (3, "overnight", "Overnight", 2999, 1),
)
# (id, code, description, percent_off, amount_off_cents, min_subtotal, max_redemptions,
#  is_active, category ids)
PROMO_CODES: tuple[tuple[Any, ...], ...] = (
    (1, "WELCOME10", "10% off your order", 10, None, 0, None, True, ()),
    (2, "SAVE5", "$5 off orders over $25", None, 500, 2500, None, True, ()),
    (3, "LIGHT20", "20% off lighting", 20, None, 0, None, True, (3,)),
    (4, "BOOKS15", "15% off books", 15, None, 0, 1000, True, (12, 13)),
    (5, "SUMMER2023", "Last summer's sale", 25, None, 0, None, False, ()),
)
ORDER_STATUSES = (
    ("delivered", 45),
    ("shipped", 20),
    ("paid", 20),
    ("cancelled", 8),
    ("refunded", 7),
)
SHIPMENT_STATUS = {
    "delivered": "delivered",
    "shipped": "shipped",
    "paid": "pending",
    "cancelled": "cancelled",
    "refunded": "delivered",
}


@dataclass(frozen=True)
class SeedSummary:
    """What a seed run wrote: rows per table, in fill order."""

    database_url: str
    rows: Mapping[str, int] = field(default_factory=dict)
    inactive_products: int = 0

    def line(self) -> str:
        total = sum(self.rows.values())
        return (
            f"seeded {self.database_url}: {self.rows['products']} products"
            f" ({self.inactive_products} inactive), {self.rows['categories']} categories,"
            f" {self.rows['users']} users, {self.rows['orders']} orders,"
            f" {self.rows['reviews']} reviews; {total} rows in {len(self.rows)} tables"
        )


def seed_password_hash(password: str, salt: str) -> str:
    """A werkzeug-compatible pbkdf2 hash with a given salt (cheap: demo data only)."""
    digest = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), salt.encode(), SEED_HASH_ITERATIONS
    ).hex()
    return f"pbkdf2:sha256:{SEED_HASH_ITERATIONS}${salt}${digest}"


def _moment(rng: random.Random, days_back: int) -> datetime:
    return BASE_TIME - timedelta(days=rng.randint(0, days_back), seconds=rng.randint(0, 86399))


def _salt(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))


def _users(rng: random.Random, count: int) -> tuple[list[Row], list[Row]]:
    admin: Row = {
        "id": 1,
        "email": ADMIN_EMAIL,
        "password_hash": seed_password_hash(ADMIN_PASSWORD, _salt(rng)),
        "name": "Shop Admin",
        "is_admin": True,
        "created_at": BASE_TIME - timedelta(days=1000),
        "last_seen_at": None,
    }
    users, addresses = [admin], []
    for number in range(1, count + 1):
        user_id = number + 1
        users.append(
            {
                "id": user_id,
                "email": f"user{number}@example.com",
                "password_hash": seed_password_hash(f"password{number}", _salt(rng)),
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "is_admin": False,
                "created_at": _moment(rng, 900),
                "last_seen_at": None,
            }
        )
        city, country = rng.choice(CITIES)
        addresses.append(
            {
                "id": number,
                "user_id": user_id,
                "line1": f"{rng.randint(1, 250)} {rng.choice(LAST_NAMES)} Street",
                "city": city,
                "postal_code": f"{rng.randint(10000, 99999)}",
                "country": country,
            }
        )
    return users, addresses


def _price(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.03:
        return rng.randint(5, 99)
    if roll < 0.7:
        return rng.randint(2, 80) * 100 - 1
    return rng.randint(1000, 250_000)


def _products(rng: random.Random, count: int) -> list[Row]:
    selling = [(cid, nouns) for cid, _, _, _, nouns in CATEGORIES if nouns]
    products = []
    for product_id in range(1, count + 1):
        category_id, nouns = rng.choice(selling)
        adjective, colour, noun = rng.choice(ADJECTIVES), rng.choice(COLOURS), rng.choice(nouns)
        products.append(
            {
                "id": product_id,
                "sku": f"SKU-{product_id:06d}",
                "name": f"{adjective} {colour} {noun}",
                "description": f"A {adjective.lower()} {noun.lower()} in {colour.lower()}.",
                "price_cents": _price(rng),
                "category_id": category_id,
                "is_active": rng.random() >= INACTIVE_SHARE,
                "created_at": _moment(rng, 1000),
            }
        )
    return products


def _stock_levels(rng: random.Random, products: list[Row]) -> list[Row]:
    levels: list[Row] = []
    for product in products:
        sold_out = rng.random() < 0.05
        pid = product["id"]
        for warehouse_id in (1, 2) if pid % 2 == 0 else (1, 3):
            quantity = 0 if sold_out else rng.randint(0, 150)
            levels.append(
                {
                    "id": len(levels) + 1,
                    "product_id": pid,
                    "warehouse_id": warehouse_id,
                    "quantity": quantity,
                }
            )
    return levels


def _carts(rng: random.Random, users: list[Row], products: list[Row]) -> dict[str, list[Row]]:
    carts: list[Row] = []
    items: list[Row] = []
    for user in users[1 :: max(1, len(users) // 20)]:
        cart_id = len(carts) + 1
        carts.append(
            {
                "id": cart_id,
                "token": f"seed{cart_id:04d}{_salt(rng)}",
                "user_id": user["id"],
                "created_at": _moment(rng, 30),
            }
        )
        for product in rng.sample(products, min(len(products), rng.randint(1, 3))):
            items.append(
                {
                    "id": len(items) + 1,
                    "cart_id": cart_id,
                    "product_id": product["id"],
                    "quantity": rng.randint(1, 3),
                }
            )
    return {"carts": carts, "cart_items": items}


def _fixed_tables() -> dict[str, list[Row]]:
    return {
        "categories": [
            {"id": cid, "slug": slug, "name": name, "parent_id": parent}
            for cid, slug, name, parent, _ in CATEGORIES
        ],
        "warehouses": [{"id": wid, "code": code, "name": name} for wid, code, name in WAREHOUSES],
        "shipping_methods": [
            {"id": mid, "code": code, "name": name, "price_cents": price, "days": days}
            for mid, code, name, price, days in SHIPPING_METHODS
        ],
        "promo_code_categories": [
            {"promo_code_id": promo[0], "category_id": category_id}
            for promo in PROMO_CODES
            for category_id in promo[8]
        ],
    }


def _promo_codes(redeemed: Mapping[int, int]) -> list[Row]:
    return [
        {
            "id": pid,
            "code": code,
            "description": description,
            "percent_off": percent,
            "amount_off_cents": amount,
            "min_subtotal_cents": minimum,
            "max_redemptions": maximum,
            "times_redeemed": redeemed.get(pid, 0),
            "is_active": active,
            "created_at": BASE_TIME - timedelta(days=400 - pid),
        }
        for pid, code, description, percent, amount, minimum, maximum, active, _ in PROMO_CODES
    ]


class _OrderBook:
    """Accumulates orders and the rows of every area an order touches."""

    def __init__(self) -> None:
        self.tables: dict[str, list[Row]] = {
            name: []
            for name in (
                "orders",
                "order_items",
                "stock_movements",
                "payments",
                "shipments",
                "notifications",
                "audit_log",
            )
        }
        self.redeemed: dict[int, int] = {}

    def add(self, table: str, row: Row) -> None:
        rows = self.tables[table]
        rows.append({"id": len(rows) + 1, **row})


def _place_order(
    book: _OrderBook, rng: random.Random, user: Row, products: list[Row], at: datetime
) -> None:
    order_id = len(book.tables["orders"]) + 1
    status = rng.choices([s for s, _ in ORDER_STATUSES], [w for _, w in ORDER_STATUSES])[0]
    lines = [(p, rng.randint(1, 3)) for p in rng.sample(products, min(4, rng.randint(1, 4)))]
    subtotal = sum(product["price_cents"] * quantity for product, quantity in lines)
    promo_id = 1 if rng.random() < 0.1 else None
    discount = subtotal * 10 // 100 if promo_id else 0
    if promo_id:
        book.redeemed[promo_id] = book.redeemed.get(promo_id, 0) + 1
    method_id, _, _, shipping, _ = rng.choice(SHIPPING_METHODS)
    total = subtotal - discount + shipping
    book.add(
        "orders",
        {
            "user_id": user["id"],
            "status": status,
            "subtotal_cents": subtotal,
            "discount_cents": discount,
            "shipping_cents": shipping,
            "total_cents": total,
            "promo_code_id": promo_id,
            "created_at": at,
        },
    )
    for product, quantity in lines:
        book.add(
            "order_items",
            {
                "order_id": order_id,
                "product_id": product["id"],
                "quantity": quantity,
                "unit_price_cents": product["price_cents"],
            },
        )
        for delta, reason in ((-quantity, "order"), (quantity, "cancel")):
            if reason == "order" or status == "cancelled":
                book.add(
                    "stock_movements",
                    {
                        "product_id": product["id"],
                        "warehouse_id": 1,
                        "delta": delta,
                        "reason": reason,
                        "order_id": order_id,
                        "created_at": at,
                    },
                )
    paid = status in ("paid", "shipped", "delivered")
    book.add(
        "payments",
        {
            "order_id": order_id,
            "amount_cents": total,
            "status": "captured" if paid else "refunded",
            "card_last4": f"{rng.randint(0, 9999):04d}",
            "created_at": at,
        },
    )
    shipment_status = SHIPMENT_STATUS[status]
    shipped = shipment_status in ("shipped", "delivered")
    book.add(
        "shipments",
        {
            "order_id": order_id,
            "method_id": method_id,
            "address_id": user["id"] - 1,
            "status": shipment_status,
            "tracking_number": f"TRK{order_id:08d}" if shipped else None,
            "created_at": at,
            "shipped_at": at + timedelta(days=1) if shipped else None,
        },
    )
    book.add(
        "notifications",
        {
            "user_id": user["id"],
            "kind": "order_placed",
            "message": f"Order #{order_id} placed",
            "is_read": status in ("delivered", "refunded"),
            "created_at": at,
        },
    )
    book.add(
        "audit_log",
        {
            "actor_user_id": user["id"],
            "area": "orders",
            "action": "order.placed",
            "entity": "order",
            "entity_id": order_id,
            "detail": f"total_cents={total}",
            "created_at": at,
        },
    )


def _reviews(
    rng: random.Random, count: int, customers: list[Row], products: list[Row]
) -> list[Row]:
    seen: set[tuple[int, int]] = set()
    reviews: list[Row] = []
    for _ in range(count):
        user, product = rng.choice(customers), rng.choice(products)
        rating = rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 4, 5))[0]
        created_at = _moment(rng, 300)
        if (user["id"], product["id"]) in seen:
            continue
        seen.add((user["id"], product["id"]))
        reviews.append(
            {
                "id": len(reviews) + 1,
                "product_id": product["id"],
                "user_id": user["id"],
                "rating": rating,
                "title": ("Disappointing", "Okay", "Decent", "Great", "Love it")[rating - 1],
                "body": f"{rating} stars for the {product['name'].lower()}.",
                "created_at": created_at,
            }
        )
    return reviews


def build_rows(*, products: int, users: int, orders: int, seed: int) -> dict[str, list[Row]]:
    """All seed rows per table name, computed without touching a database."""
    rng = random.Random(seed)
    user_rows, addresses = _users(rng, users)
    product_rows = _products(rng, products)
    customers = user_rows[1:]
    book = _OrderBook()
    offsets = sorted(rng.randint(0, 365 * 86400) for _ in range(orders))
    for offset in offsets:
        at = BASE_TIME - timedelta(days=365) + timedelta(seconds=offset)
        _place_order(book, rng, rng.choice(customers), product_rows, at)
    return {
        **_fixed_tables(),
        "users": user_rows,
        "addresses": addresses,
        "products": product_rows,
        "stock_levels": _stock_levels(rng, product_rows),
        **_carts(rng, customers, product_rows),
        "promo_code": _promo_codes(book.redeemed),
        **book.tables,
        "order_sagas": [],  # checkouts placed through the order saga (docs/saga.md): none
        "reviews": _reviews(rng, orders * 2, customers, product_rows),
    }


def _advance_sequences(connection: sa.Connection) -> None:
    """PostgreSQL: move each id sequence past the explicit seed ids."""
    if connection.dialect.name != "postgresql":
        return
    for table in TABLES_IN_ORDER:
        if "id" in table.c:
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
                )
            )


def seed_database(
    database_url: str, *, products: int = 3000, users: int = 300, orders: int = 500, seed: int = 42
) -> SeedSummary:
    """Drop and create the monolith schema at `database_url`, then fill it deterministically."""
    if products < 1 or users < 1 or orders < 0:
        raise ValueError("seed needs products >= 1, users >= 1 and orders >= 0")
    rows = build_rows(products=products, users=users, orders=orders, seed=seed)
    engine = open_engine(database_url, role="monolith database", connect=True)
    try:
        reset_schema(engine)
        with engine.begin() as connection:
            for table in TABLES_IN_ORDER:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
            _advance_sequences(connection)
        url = display_url(engine.url)
    finally:
        engine.dispose()
    return SeedSummary(
        database_url=url,
        rows={table.name: len(rows[table.name]) for table in TABLES_IN_ORDER},
        inactive_products=sum(1 for product in rows["products"] if not product["is_active"]),
    )
