"""An inventory service database with known stock, for the inventory's unit tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, select

from extracted_services.inventory.storage import create_schema
from extracted_services.inventory.tables import stock_levels

# (row id, product, warehouse, quantity): product 1 has 3 in warehouse 1 and 4 in
# warehouse 2; product 2 has 1 in warehouse 1
STOCK = [(1, 1, 1, 3), (2, 1, 2, 4), (3, 2, 1, 1)]


def stocked_engine(path: Path) -> Engine:
    """A SQLite inventory database at `path` holding STOCK (the caller disposes of it)."""
    engine = create_engine(f"sqlite:///{path}")
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(
            stock_levels.insert(),
            [
                {"id": row_id, "product_id": product, "warehouse_id": warehouse, "quantity": q}
                for row_id, product, warehouse, q in STOCK
            ],
        )
    return engine


def quantities(engine: Engine) -> dict[tuple[int, int], int]:
    """The stock now, by (product, warehouse)."""
    with engine.connect() as connection:
        rows = connection.execute(select(stock_levels)).all()
    return {(row.product_id, row.warehouse_id): row.quantity for row in rows}
