"""The Nameko service the fault-under-load test calls: keyed writes applied once, and reads.

`load_orders.place_order` inserts one `orders` row per application (its `item` is the
write's id, so a test counts applications per id) through the shared `Idempotency`
dependency, which keeps the key in the same PostgreSQL database, then holds its answer
back for the body's `hold` seconds (a fault then meets calls in flight); `get_order`
reads.
Run with `nameko run --config` (AMQP_URI, DATABASE_URL, IDEMPOTENCY_LEASE_SECONDS).
"""

from __future__ import annotations

import time
from typing import Any

from idempotent_service import Order, Orders
from nameko.rpc import rpc
from sqlalchemy import func, select

from extracted_services.shared.idempotency import Idempotency


class LoadOrdersService:
    name = "load_orders"

    idempotency = Idempotency()
    orders = Orders()

    @rpc
    def place_order(self, query: Any = None, body: Any = None) -> dict[str, Any]:
        with self.orders() as session:
            order = Order(item=body["id"])
            session.add(order)
            session.commit()
            placed = {"order_id": order.id, "id": order.item, "source": "service"}
        time.sleep(float(body.get("hold", 0)))
        return placed

    @rpc
    def get_order(self, order_id: int, query: Any = None) -> dict[str, Any]:
        with self.orders() as session:
            placed = session.scalar(select(func.count()).select_from(Order))
        return {"order_id": order_id, "orders": placed, "source": "service"}
