"""The inventory RPC arguments, checked, and its answers as JSON."""

from __future__ import annotations

from typing import Any, TypeGuard

from extracted_services.inventory.exceptions import BadRequest
from extracted_services.inventory.records import Item, Reservation
from extracted_services.inventory.tables import SAGA_ID_LENGTH

MAX_QUANTITY = 1_000_000

JsonObject = dict[str, Any]


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_saga_id(value: object) -> str:
    """A non-empty text of at most 64 characters."""
    if not isinstance(value, str) or not value or len(value) > SAGA_ID_LENGTH:
        raise BadRequest(f"saga_id must be a text of 1 to {SAGA_ID_LENGTH} characters")
    return value


def parse_items(value: object) -> tuple[Item, ...]:
    """`[{"product_id": int, "quantity": int >= 1}, ...]`, one Item per product (summed),
    sorted by product id (the order stock rows are locked in)."""
    if not isinstance(value, list):
        raise BadRequest("items must be a list of {product_id, quantity} objects")
    quantities: dict[int, int] = {}
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise BadRequest(f"items[{index}] must be an object")
        product_id, quantity = item.get("product_id"), item.get("quantity")
        if not _is_int(product_id) or not _is_int(quantity):
            raise BadRequest(f"items[{index}] needs integer product_id and quantity")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise BadRequest(f"items[{index}].quantity must be between 1 and {MAX_QUANTITY}")
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    return tuple(Item(product_id, quantities[product_id]) for product_id in sorted(quantities))


def reservation_object(reservation: Reservation) -> JsonObject:
    """The answer of reserve, confirm and release."""
    return {
        "saga_id": reservation.saga_id,
        "status": reservation.status,
        "reason": reservation.reason,
    }
