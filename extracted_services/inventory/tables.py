"""The inventory service's own schema (SQLAlchemy Core), apart from the monolith's.

`inventory_stock_levels` is the monolith's `stock_levels` (same columns, same ids),
which the service owns: what can still be sold. A reservation holds stock for one
order saga; its lines say which warehouse each unit came from, so a release puts
it back where it was; a return (the order cancelled after its sale) puts a confirmed
saga's lines back the same way. Per product: available + reserved + confirmed is the
stock the service started with plus what was adjusted since (returned lines are back in
available).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

SAGA_ID_LENGTH = 64

metadata = MetaData()

stock_levels = Table(
    "inventory_stock_levels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", Integer, nullable=False),
    Column("warehouse_id", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("product_id", "warehouse_id", name="uq_inventory_stock_product_warehouse"),
)

# one row per saga id, whatever happened to it:
# reserved | confirmed | released | refused | returned
reservations = Table(
    "inventory_reservations",
    metadata,
    Column("saga_id", String(SAGA_ID_LENGTH), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

reservation_lines = Table(
    "inventory_reservation_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "saga_id",
        String(SAGA_ID_LENGTH),
        ForeignKey(reservations.c.saga_id),
        nullable=False,
        index=True,
    ),
    Column("product_id", Integer, nullable=False),
    Column("warehouse_id", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("saga_id", "product_id", "warehouse_id", name="uq_inventory_line"),
)
