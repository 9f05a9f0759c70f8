"""The `order_sagas` table: where each order saga stands, in the monolith's own database.

Every move is a compare-and-set on the saga's current step and status, so of two
movers (the request running the saga and the runner resuming it) exactly one wins;
the caller commits. Functions take the Flask-SQLAlchemy session or a Core connection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import Session, scoped_session

from legacy_monolith.orders.saga_states import (
    RESERVING,
    RESUMABLE,
    Event,
    SagaState,
    next_state,
)
from legacy_monolith.schema import order_sagas

Executor = Connection | Session | scoped_session[Any]
DUE_BATCH = 100


@dataclass(frozen=True)
class SagaItem:
    """A quantity of one product the saga reserves."""

    product_id: int
    quantity: int


@dataclass(frozen=True)
class SagaRecord:
    """One row of `order_sagas`."""

    saga_id: str
    state: SagaState
    items: tuple[SagaItem, ...]
    order_id: int | None
    reason: str | None
    attempts: int
    updated_at: datetime


def items_payload(items: tuple[SagaItem, ...]) -> list[dict[str, int]]:
    """The items as the inventory service's `reserve` takes them."""
    return [{"product_id": item.product_id, "quantity": item.quantity} for item in items]


def _record(row: Any) -> SagaRecord:
    return SagaRecord(
        saga_id=row.saga_id,
        state=SagaState(row.step, row.status),
        items=tuple(SagaItem(**item) for item in json.loads(row.items)),
        order_id=row.order_id,
        reason=row.reason,
        attempts=row.attempts,
        updated_at=row.updated_at,
    )


def start(executor: Executor, saga_id: str, items: tuple[SagaItem, ...], now: datetime) -> None:
    """A new saga, about to reserve `items`."""
    executor.execute(
        order_sagas.insert().values(
            saga_id=saga_id,
            step=RESERVING.step,
            status=RESERVING.status,
            items=json.dumps(items_payload(items)),
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    )


def move(
    executor: Executor,
    saga_id: str,
    state: SagaState,
    event: Event,
    now: datetime,
    *,
    reason: str | None = None,
) -> SagaState | None:
    """Apply `event` to a saga still in `state`; the new state, or None if it had moved on."""
    target = next_state(state, event)
    values: dict[str, Any] = {"step": target.step, "status": target.status, "updated_at": now}
    if reason is not None:
        values["reason"] = reason[:500]
    moved = executor.execute(
        order_sagas.update()
        .where(
            order_sagas.c.saga_id == saga_id,
            order_sagas.c.step == state.step,
            order_sagas.c.status == state.status,
        )
        .values(**values)
        .returning(order_sagas.c.saga_id)
    ).first()
    return None if moved is None else target


def set_order(executor: Executor, saga_id: str, order_id: int) -> None:
    """Note which order the saga created."""
    executor.execute(
        order_sagas.update().where(order_sagas.c.saga_id == saga_id).values(order_id=order_id)
    )


def count_attempt(executor: Executor, saga_id: str) -> None:
    """One more unanswered try of the saga's current step."""
    executor.execute(
        order_sagas.update()
        .where(order_sagas.c.saga_id == saga_id)
        .values(attempts=order_sagas.c.attempts + 1)
    )


def load(executor: Executor, saga_id: str) -> SagaRecord | None:
    row = executor.execute(select(order_sagas).where(order_sagas.c.saga_id == saga_id)).first()
    return None if row is None else _record(row)


def for_order(executor: Executor, order_id: int) -> SagaRecord | None:
    """The saga that placed the order; None for an order placed without one."""
    row = executor.execute(select(order_sagas).where(order_sagas.c.order_id == order_id)).first()
    return None if row is None else _record(row)


def due(executor: Executor, *, stale_before: datetime, limit: int = DUE_BATCH) -> list[SagaRecord]:
    """Running sagas a runner moves on: those at a step it sends (confirm, release, return), and
    those their request left behind (not moved since `stale_before`), oldest first."""
    resumable = or_(
        *(
            and_(order_sagas.c.step == state.step, order_sagas.c.status == state.status)
            for state in RESUMABLE
        )
    )
    rows = executor.execute(
        select(order_sagas)
        .where(
            order_sagas.c.status == "running",
            or_(resumable, order_sagas.c.updated_at < stale_before),
        )
        .order_by(order_sagas.c.updated_at, order_sagas.c.saga_id)
        .limit(limit)
    ).all()
    return [_record(row) for row in rows]
