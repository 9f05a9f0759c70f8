"""Turning the monolith's `product_updated` event payload into a catalog product row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

PRODUCT_FIELDS = (
    "id",
    "sku",
    "name",
    "description",
    "price_cents",
    "category_id",
    "is_active",
    "created_at",
)


class BadProductEvent(ValueError):
    """A product event whose payload is not a product row."""


def product_row(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The product table values in `payload` (the monolith's products row as JSON).

    `created_at` may be an ISO-8601 string (as JSON carries it) or a datetime;
    an aware time is stored as naive UTC. Extra keys are ignored.
    """
    missing = [field for field in PRODUCT_FIELDS if field not in payload]
    if missing:
        raise BadProductEvent(f"product event lacks {', '.join(missing)}")
    row = {field: payload[field] for field in PRODUCT_FIELDS}
    if isinstance(row["created_at"], str):
        try:
            row["created_at"] = datetime.fromisoformat(row["created_at"])
        except ValueError:
            raise BadProductEvent(
                f"product event created_at {row['created_at']!r} is not an ISO-8601 time"
            ) from None
    if row["created_at"].tzinfo is not None:  # the monolith's column is a naive UTC TIMESTAMP
        row["created_at"] = row["created_at"].astimezone(UTC).replace(tzinfo=None)
    row["is_active"] = bool(row["is_active"])
    return row
