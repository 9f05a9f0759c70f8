"""The inventory service: it owns stock, and holds it for the monolith's order saga.

    strangler service backfill inventory --from-url sqlite:///var/monolith.sqlite3
    strangler service run inventory [--amqp-uri URI] [--database-url URL]

The monolith places an order as a saga (docs/saga.md) and calls, over RPC:

    inventory.reserve(saga_id, items=[{"product_id", "quantity"}, ...])
    inventory.confirm(saga_id)     # the reserved stock is sold
    inventory.release(saga_id)     # the compensation: the reserved stock is back
    inventory.return_stock(saga_id)  # the order was cancelled: the sold stock is back

Each answers `{"saga_id", "status", "reason"}`, `status` one of reserved, confirmed,
released, refused (not enough stock: `reason` says which product), returned. Every
method is idempotent per saga id (`storage.py`): repeating a call, or nameko
re-delivering it after a crash, answers the same and changes nothing more; a release of
a saga never reserved is remembered, so a late reserve is refused. Confirming a
released saga, releasing a confirmed one, or returning one that is not confirmed raises
`Conflict`; bad arguments raise `BadRequest`.

The saga id is the idempotency key, kept in the reservation's own row and
transaction; the shared `Idempotency` dependency is not used, as it keys one call,
while these rules span the saga's calls.
"""

from __future__ import annotations

from nameko.rpc import rpc

from extracted_services.inventory.dependencies import InventoryStorage
from extracted_services.inventory.schemas import (
    JsonObject,
    parse_items,
    parse_saga_id,
    reservation_object,
)
from extracted_services.inventory.storage import InventoryStore
from extracted_services.shared.errors import ServiceError


class InventoryService:
    """Stock reservations for order sagas, over RPC."""

    name = "inventory"

    storage: InventoryStore = InventoryStorage()

    @rpc(expected_exceptions=ServiceError)
    def reserve(self, saga_id: str, items: list[dict[str, int]]) -> JsonObject:
        """Hold stock for every item, or for none (`refused`)."""
        saga = parse_saga_id(saga_id)
        return reservation_object(self.storage.reserve(saga, parse_items(items)))

    @rpc(expected_exceptions=ServiceError)
    def confirm(self, saga_id: str) -> JsonObject:
        """Turn the saga's reservation into a sale."""
        return reservation_object(self.storage.confirm(parse_saga_id(saga_id)))

    @rpc(expected_exceptions=ServiceError)
    def release(self, saga_id: str) -> JsonObject:
        """Give the saga's reserved stock back (the saga's compensation)."""
        return reservation_object(self.storage.release(parse_saga_id(saga_id)))

    @rpc(expected_exceptions=ServiceError)
    def return_stock(self, saga_id: str) -> JsonObject:
        """Put a confirmed saga's sold stock back: its order was cancelled."""
        return reservation_object(self.storage.return_stock(parse_saga_id(saga_id)))
