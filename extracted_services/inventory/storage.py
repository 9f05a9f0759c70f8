"""Stock and reservations in the inventory service's database, one transaction per call.

Each method is idempotent per saga id: the saga's row in `inventory_reservations` is
claimed first (inserted if absent, else locked and read), so a call repeated or
re-delivered answers what the first one did and changes nothing more. A release of a
saga never reserved leaves a `released` row behind, so a reserve arriving after it
(late, from the queue) is not applied. A return puts a confirmed saga's stock back
(its order was cancelled) once: the saga is then `returned`. Stock rows are locked in
product order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from extracted_services.inventory.exceptions import Conflict
from extracted_services.inventory.records import Item, Reservation, Status
from extracted_services.inventory.tables import (
    metadata,
    reservation_lines,
    reservations,
    stock_levels,
)

RELEASED_UNRESERVED = "released before anything was reserved"


def create_schema(engine: Engine) -> None:
    """Create the service's tables if they are missing."""
    metadata.create_all(engine)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _claim(
    connection: Connection, saga_id: str, status: Status, reason: str | None
) -> Reservation | None:
    """Insert the saga's row with `status`; None if that happened, else the row found."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    now = _now()
    inserted = connection.execute(
        dialect.insert(reservations)
        .values(saga_id=saga_id, status=status, reason=reason, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
    )
    if inserted.rowcount == 1:
        return None
    return _existing(connection, saga_id)


def _existing(connection: Connection, saga_id: str) -> Reservation | None:
    """The saga's row, locked until the transaction ends; None if there is none."""
    row = connection.execute(
        select(reservations.c.status, reservations.c.reason)
        .where(reservations.c.saga_id == saga_id)
        .with_for_update()
    ).first()
    return None if row is None else Reservation(saga_id, row.status, row.reason)


def _set_status(connection: Connection, saga_id: str, status: Status, reason: str | None) -> None:
    connection.execute(
        reservations.update()
        .where(reservations.c.saga_id == saga_id)
        .values(status=status, reason=reason, updated_at=_now())
    )


@dataclass(frozen=True)
class _Level:
    """One warehouse's stock of a product."""

    id: int
    warehouse_id: int
    quantity: int


def _levels(connection: Connection, product_id: int) -> list[_Level]:
    """The product's stock rows holding any, by warehouse, locked."""
    rows = connection.execute(
        select(stock_levels.c.id, stock_levels.c.warehouse_id, stock_levels.c.quantity)
        .where(stock_levels.c.product_id == product_id, stock_levels.c.quantity > 0)
        .order_by(stock_levels.c.warehouse_id)
        .with_for_update()
    ).all()
    return [_Level(row.id, row.warehouse_id, row.quantity) for row in rows]


def _shortage(items: tuple[Item, ...], levels: dict[int, list[_Level]]) -> str | None:
    for item in items:
        available = sum(level.quantity for level in levels[item.product_id])
        if available < item.quantity:
            return (
                f"not enough stock for product {item.product_id}: {available} available,"
                f" {item.quantity} requested"
            )
    return None


def _take(connection: Connection, saga_id: str, item: Item, levels: list[_Level]) -> None:
    """Take the item's quantity warehouse by warehouse, a reservation line for each."""
    remaining = item.quantity
    for level in levels:
        take = min(remaining, level.quantity)
        if take == 0:
            break
        connection.execute(
            stock_levels.update()
            .where(stock_levels.c.id == level.id)
            .values(quantity=stock_levels.c.quantity - take)
        )
        connection.execute(
            reservation_lines.insert().values(
                saga_id=saga_id,
                product_id=item.product_id,
                warehouse_id=level.warehouse_id,
                quantity=take,
            )
        )
        remaining -= take


def _put_back(connection: Connection, saga_id: str) -> None:
    lines = connection.execute(
        select(reservation_lines).where(reservation_lines.c.saga_id == saga_id)
    ).all()
    for line in lines:
        connection.execute(
            stock_levels.update()
            .where(
                stock_levels.c.product_id == line.product_id,
                stock_levels.c.warehouse_id == line.warehouse_id,
            )
            .values(quantity=stock_levels.c.quantity + line.quantity)
        )


class InventoryStore:
    """Reserve, confirm and release stock for order sagas."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reserve(self, saga_id: str, items: tuple[Item, ...]) -> Reservation:
        """Hold every item's quantity for the saga, or none of them (`refused`)."""
        with self.engine.begin() as connection:
            known = _claim(connection, saga_id, "reserved", None)
            if known is not None:
                return known
            levels = {item.product_id: _levels(connection, item.product_id) for item in items}
            shortage = _shortage(items, levels)
            if shortage is not None:
                _set_status(connection, saga_id, "refused", shortage)
                return Reservation(saga_id, "refused", shortage)
            for item in items:
                _take(connection, saga_id, item, levels[item.product_id])
        return Reservation(saga_id, "reserved")

    def confirm(self, saga_id: str) -> Reservation:
        """The reserved stock is sold; Conflict if the saga holds none."""
        with self.engine.begin() as connection:
            known = _existing(connection, saga_id)
            if known is None or known.status in ("released", "refused"):
                raise Conflict(f"saga {saga_id} holds no reserved stock to confirm")
            if known.status == "returned":
                return known
            if known.status == "reserved":
                _set_status(connection, saga_id, "confirmed", None)
        return Reservation(saga_id, "confirmed")

    def release(self, saga_id: str) -> Reservation:
        """Give the saga's reserved stock back; Conflict once it is confirmed (sold)."""
        with self.engine.begin() as connection:
            known = _claim(connection, saga_id, "released", RELEASED_UNRESERVED)
            if known is None:
                return Reservation(saga_id, "released", RELEASED_UNRESERVED)
            if known.status in ("confirmed", "returned"):
                raise Conflict(f"saga {saga_id} is {known.status}: its stock is sold, not released")
            if known.status == "reserved":
                _put_back(connection, saga_id)
                _set_status(connection, saga_id, "released", None)
                return Reservation(saga_id, "released")
        return known

    def return_stock(self, saga_id: str) -> Reservation:
        """Put a confirmed saga's sold stock back (its order was cancelled): `returned`,
        once; Conflict for a saga that sold nothing (reserved, released, refused, unknown)."""
        with self.engine.begin() as connection:
            known = _existing(connection, saga_id)
            if known is None:
                raise Conflict(f"saga {saga_id} is unknown: it sold no stock to return")
            if known.status not in ("confirmed", "returned"):
                raise Conflict(
                    f"saga {saga_id} is {known.status}, not confirmed: it sold no stock to return"
                )
            # compare-and-set before the stock: of two returns of the saga, one puts it back
            # (SQLite takes no row lock for the read above)
            returned = connection.execute(
                reservations.update()
                .where(reservations.c.saga_id == saga_id, reservations.c.status == "confirmed")
                .values(status="returned", reason=None, updated_at=_now())
            )
            if returned.rowcount == 1:
                _put_back(connection, saga_id)
        return Reservation(saga_id, "returned")
