"""Checkout as a saga over the inventory service, when the setting ORDER_SAGA is on.

The request runs the steps itself (docs/saga.md): it records the saga (committed
before anything is sent), reserves the cart's stock in the inventory service, creates
the order in the monolith's database (the saga's move committed with it), then
confirms. A refusal, no answer to the reserve, or a failed order compensates: the saga
moves to `release`, which is sent at once and, failing that, by the runner
(`saga_runner.py`). A confirm left unanswered is the runner's too; the order stands.

Cancelling an order the saga placed moves its saga to `return` in the cancel's own
transaction (`begin_return`); after the commit the return is sent (`send_return`), and
failing that by the runner, until the service has put the sold stock back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from legacy_monolith.db import db
from legacy_monolith.helpers import abort_json, now_utc
from legacy_monolith.orders.saga_inventory import Inventory, InventoryUnanswered
from legacy_monolith.orders.saga_states import (
    CANCELLABLE,
    CONFIRMING,
    CREATING_ORDER,
    RELEASING,
    RESERVING,
    RETURNING,
    Event,
    SagaState,
)
from legacy_monolith.orders.saga_store import SagaItem, for_order, move, set_order, start
from legacy_monolith.settings import DEFAULT_ORDER_SAGA, DEFAULT_SAGA_STEP_TIMEOUT
from strangler.broker import amqp_uri_from_env

EXTENSION = "order_saga_inventory"
UNAVAILABLE = "the inventory service is unavailable; try again later"
TAKEN_OVER = "the checkout took too long and was cancelled; try again"
# a cancel's move races only the runner's confirmed: one retry after it always applies
RETURN_TRIES = 2


def order_saga_enabled() -> bool:
    return bool(current_app.config.get("ORDER_SAGA", DEFAULT_ORDER_SAGA))


def inventory_for(app: Flask) -> Inventory:
    """The app's inventory client (one per app; its connections are per thread)."""
    created = Inventory.over(
        app.config.get("AMQP_URI") or amqp_uri_from_env(),
        timeout=float(app.config.get("SAGA_STEP_TIMEOUT", DEFAULT_SAGA_STEP_TIMEOUT)),
    )  # connects on its first call only
    inventory: Inventory = app.extensions.setdefault(EXTENSION, created)
    return inventory


def _move(saga_id: str, state: SagaState, event: Event, reason: str | None = None) -> bool:
    """Move the saga and commit; False if it had moved on (the runner took it over)."""
    moved = move(db.session, saga_id, state, event, now_utc(), reason=reason)
    db.session.commit()
    return moved is not None


def _send(inventory: Inventory, saga_id: str, state: SagaState) -> bool:
    """Send the step the saga waits on once; True if it was answered and recorded."""
    try:
        event = inventory.send_step(saga_id, state)
    except InventoryUnanswered as exc:
        current_app.logger.warning("saga %s: %s; the saga runner will send it", saga_id, exc)
        return False
    return _move(saga_id, state, event)


def _compensate(
    inventory: Inventory, saga_id: str, state: SagaState, event: Event, why: str
) -> None:
    """Move the saga to release, noting `why`, and send the release once."""
    if _move(saga_id, state, event, why):
        _send(inventory, saga_id, RELEASING)


def checkout_saga(
    lines: list[dict[str, Any]], create_order: Callable[[list[dict[str, Any]]], int]
) -> int:
    """Reserve the cart `lines`, create the order with `create_order(lines)` (it commits),
    send the confirm; the order's id. Refused: 409; inventory unanswered: 503; a failed
    order: its own error. A cart with nothing to reserve goes straight to `create_order`."""
    if not lines:
        return create_order(lines)
    inventory = inventory_for(current_app)
    saga_id = uuid.uuid4().hex
    items = tuple(SagaItem(int(line["product_id"]), int(line["quantity"])) for line in lines)
    start(db.session, saga_id, items, now_utc())
    db.session.commit()
    try:
        reserved = inventory.reserve(saga_id, items)
    except InventoryUnanswered as exc:
        _compensate(inventory, saga_id, RESERVING, "unanswered", str(exc))
        abort_json(503, UNAVAILABLE)
    if reserved.event == "refused":
        reason = reserved.reason or "not enough stock"
        _compensate(inventory, saga_id, RESERVING, "refused", reason)
        abort_json(409, reason)
    if not _move(saga_id, RESERVING, "reserved"):
        abort_json(503, TAKEN_OVER)
    if move(db.session, saga_id, CREATING_ORDER, "order_created", now_utc()) is None:
        db.session.rollback()
        abort_json(503, TAKEN_OVER)
    try:
        order_id = create_order(lines)  # commits the saga's move with the order
    except Exception as exc:
        db.session.rollback()
        _compensate(inventory, saga_id, CREATING_ORDER, "order_failed", str(exc) or repr(exc))
        raise
    set_order(db.session, saga_id, order_id)
    db.session.commit()
    _send(inventory, saga_id, CONFIRMING)
    return order_id


def begin_return(order_id: int) -> str | None:
    """In the cancel's transaction (the caller commits): move the order's saga to
    `return`; its id, to `send_return` after the commit. None for an order placed
    without the saga: its stock is in the monolith's `stock_levels`."""
    for _ in range(RETURN_TRIES):
        saga = for_order(db.session, order_id)
        if saga is None:
            return None
        if saga.state not in CANCELLABLE:
            abort_json(409, f"order {order_id}'s stock is already being returned")
        if move(db.session, saga.saga_id, saga.state, "cancelled", now_utc()) is not None:
            return saga.saga_id
    abort_json(409, f"order {order_id} changed meanwhile; try again")


def send_return(saga_id: str) -> None:
    """After the cancel committed: send the return once; unanswered, the runner sends it."""
    _send(inventory_for(current_app), saga_id, RETURNING)
