"""What the inventory storage takes and hands back: plain facts, free of SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["reserved", "confirmed", "released", "refused", "returned"]


@dataclass(frozen=True)
class Item:
    """A quantity of one product an order asks for."""

    product_id: int
    quantity: int


@dataclass(frozen=True)
class Reservation:
    """What became of one saga's stock: `reason` says why it was refused or released."""

    saga_id: str
    status: Status
    reason: str | None = None
