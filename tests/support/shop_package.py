"""A monolith schema and a service package that exist nowhere in the toolkit: made in tmp_path.

The schema has what a generic copy must cope with: a foreign-key cycle (customers ->
orders -> customers), a self-reference, a table without a primary key, explicit ids
with gaps, and a monolith table the service does not keep. The rows below are the
expected data, written by hand.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

CUSTOMERS = [  # id, name, referrer_id, favourite_order_id, joined, vip, prefs (JSON)
    (3, "Ann", None, 105, datetime(2024, 1, 1, 10, 0), True, {"news": True, "tags": ["a"]}),
    (7, "Bob", 3, None, datetime(2024, 2, 1, 10, 30), False, None),
    (11, "Dee", 11, 101, datetime(2024, 2, 29, 23, 59, 59), True, None),
    (20, "Cy", 7, 100, datetime(2024, 3, 1, 9, 15, 30, 250000), False, {"news": False}),
]
ORDERS = [  # id, customer_id, total, note
    (100, 20, Decimal("12.50"), "gift wrap"),
    (101, 11, Decimal("0.00"), "ünïcode ✓"),
    (105, 3, Decimal("99.99"), None),
]
ORDER_NOTES = [(100, "fragile"), (100, "fragile"), (105, "late")]  # no primary key
MONOLITH_ONLY = "audit_log"

TABLES_LINE = (
    'tables = ["customers", {monolith = "orders", service = "shop_orders"}, "order_notes"]'
)
SERVICE_TABLES = ("customers", "shop_orders", "order_notes")

_SQLITE_DDL = [
    """CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL,
        referrer_id INTEGER REFERENCES customers(id),
        favourite_order_id INTEGER REFERENCES orders(id),
        joined TIMESTAMP NOT NULL, vip BOOLEAN NOT NULL, prefs JSON)""",
    """CREATE TABLE orders (id INTEGER PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        total NUMERIC(10, 2) NOT NULL, note TEXT)""",
    "CREATE TABLE order_notes (order_id INTEGER REFERENCES orders(id), body TEXT NOT NULL)",
    "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, event TEXT)",
]
_POSTGRES_DDL = [
    """CREATE TABLE customers (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL,
        referrer_id INTEGER REFERENCES customers(id), favourite_order_id INTEGER,
        joined TIMESTAMP NOT NULL, vip BOOLEAN NOT NULL, prefs JSONB)""",
    """CREATE TABLE orders (id SERIAL PRIMARY KEY,
        customer_id INTEGER NOT NULL REFERENCES customers(id),
        total NUMERIC(10, 2) NOT NULL, note TEXT)""",
    """ALTER TABLE customers ADD CONSTRAINT customers_favourite_order_fkey
        FOREIGN KEY (favourite_order_id) REFERENCES orders(id)""",
    "CREATE TABLE order_notes (order_id INTEGER REFERENCES orders(id), body TEXT NOT NULL)",
    "CREATE TABLE audit_log (id SERIAL PRIMARY KEY, event TEXT)",
]


def build_monolith(url: str) -> None:
    """The monolith's tables and rows (the cycle filled in two steps, as an app would)."""
    engine = sa.create_engine(url)
    ddl = _POSTGRES_DDL if engine.dialect.name == "postgresql" else _SQLITE_DDL
    typed = (
        sa.bindparam("joined", type_=sa.DateTime),
        sa.bindparam("prefs", type_=sa.JSON(none_as_null=True)),
    )
    with engine.begin() as connection:
        for statement in ddl:
            connection.execute(sa.text(statement))
        connection.execute(
            sa.text(
                "INSERT INTO customers"
                " VALUES (:id, :name, :referrer_id, NULL, :joined, :vip, :prefs)"
            ).bindparams(*typed),
            [_customer(row) for row in sorted(CUSTOMERS, key=lambda row: row[2] or 0)],
        )
        connection.execute(
            sa.text("INSERT INTO orders VALUES (:id, :customer_id, :total, :note)").bindparams(
                sa.bindparam("total", type_=sa.Numeric(10, 2))
            ),
            [dict(zip(("id", "customer_id", "total", "note"), row, strict=True)) for row in ORDERS],
        )
        connection.execute(
            sa.text("UPDATE customers SET favourite_order_id = :order WHERE id = :id"),
            [{"order": row[3], "id": row[0]} for row in CUSTOMERS if row[3] is not None],
        )
        connection.execute(
            sa.text("INSERT INTO order_notes VALUES (:order_id, :body)"),
            [{"order_id": order, "body": body} for order, body in ORDER_NOTES],
        )
        connection.execute(sa.text("INSERT INTO audit_log (event) VALUES ('login')"))
    engine.dispose()


def _customer(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(
        zip(
            ("id", "name", "referrer_id", "favourite_order_id", "joined", "vip", "prefs"),
            row,
            strict=True,
        )
    )


def table_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of `table` read through its reflected types, sorted."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
            rows = [tuple(row) for row in connection.execute(sa.select(reflected))]
    finally:
        engine.dispose()
    return sorted(rows, key=repr)


SERVICE_CODE = '''
"""A service nobody registered anywhere: found by its service.toml alone."""

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import text

from strangler.database import open_engine


class Engine(DependencyProvider):
    def setup(self):
        url = self.container.config["DATABASE_URL"]
        self.engine = open_engine(url, role="shop service database", green=True)

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.engine


class ShopService:
    name = "{name}"
    engine = Engine()

    @rpc
    def customer(self, customer_id):
        with self.engine.connect() as connection:
            name = connection.execute(
                text("SELECT name FROM customers WHERE id = :id"), {{"id": customer_id}}
            ).scalar()
            return {{"name": name, "driver": connection.dialect.driver}}
'''


def write_shop_package(
    services_dir: Path, *, manifest_extra: str = "", files: dict[str, str] | None = None
) -> str:
    """A service package `shop_<random>` in `services_dir`; returns its (service) name."""
    name = f"shop_{uuid.uuid4().hex[:8]}"
    package = services_dir / name
    package.mkdir(parents=True)
    variable = f"{name.upper()}_DATABASE_URL"
    default = f"sqlite:///var/{name}.sqlite3"
    (package / "service.toml").write_text(
        f'name = "{name}"\n'
        f'service = "service:ShopService"\n'
        f'database_env = "{variable}"\n'
        f'default_database_url = "{default}"\n'
        f"{TABLES_LINE}\n"
        f"{manifest_extra}"
    )
    (package / "config.yml").write_text(
        "AMQP_URI: ${AMQP_URI:amqp://guest:guest@127.0.0.1:5672/}\n"
        f"DATABASE_URL: ${{{variable}:{default}}}\n"
    )
    (package / "service.py").write_text(SERVICE_CODE.format(name=name))
    for file_name, text in (files or {}).items():
        (package / file_name).write_text(text)
    return name
