"""The saga runner: it finishes the order sagas their checkout request could not.

One pass reads the running sagas from `order_sagas`: a saga waiting on confirm or
release has that step sent again (same saga id: the inventory service applies it once
however often it comes); a saga still at reserve or create_order whose request is gone
(not moved for `stale_after` seconds) is abandoned, which compensates it. A step the
service does not answer stays as it is, one attempt counted, until the next pass.
`strangler monolith saga-run` runs passes until stopped; a plain process, no eventlet.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from legacy_monolith.helpers import now_utc
from legacy_monolith.orders.saga_inventory import Inventory, InventoryUnanswered
from legacy_monolith.orders.saga_states import REQUEST_OWNED, SagaState
from legacy_monolith.orders.saga_store import SagaRecord, count_attempt, due, move
from legacy_monolith.settings import DEFAULT_SAGA_POLL_INTERVAL, DEFAULT_SAGA_STALE_AFTER
from strangler.database import open_engine
from strangler.processes import sigterm_as_interrupt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunnerPass:
    """What one pass did: steps answered, sagas abandoned, steps left unanswered."""

    finished: int = 0
    abandoned: int = 0
    unanswered: int = 0


def _abandon(engine: Engine, saga: SagaRecord) -> SagaState | None:
    with engine.begin() as connection:
        return move(
            connection,
            saga.saga_id,
            saga.state,
            "abandoned",
            now_utc(),
            reason=f"abandoned at {saga.state.step}: its checkout request ended",
        )


def _send(engine: Engine, inventory: Inventory, saga_id: str, state: SagaState) -> bool:
    try:
        event = inventory.send_step(saga_id, state)
    except InventoryUnanswered as exc:
        log.warning("saga %s: %s", saga_id, exc)
        with engine.begin() as connection:
            count_attempt(connection, saga_id)
        return False
    with engine.begin() as connection:
        move(connection, saga_id, state, event, now_utc())
    return True


def resume_sagas(engine: Engine, inventory: Inventory, *, stale_after: float) -> RunnerPass:
    """One pass over the running sagas (at most one batch)."""
    with engine.connect() as connection:
        sagas = due(connection, stale_before=now_utc() - timedelta(seconds=stale_after))
    finished = abandoned = unanswered = 0
    for saga in sagas:
        state = saga.state
        if state in REQUEST_OWNED:
            compensating = _abandon(engine, saga)
            if compensating is None:  # its request moved it meanwhile: still alive
                continue
            state = compensating
            abandoned += 1
        if _send(engine, inventory, saga.saga_id, state):
            finished += 1
        else:
            unanswered += 1
    return RunnerPass(finished, abandoned, unanswered)


def run_saga_runner(
    engine: Engine,
    inventory: Inventory,
    stop: threading.Event,
    *,
    poll_interval: float = DEFAULT_SAGA_POLL_INTERVAL,
    stale_after: float = DEFAULT_SAGA_STALE_AFTER,
) -> None:
    """Run passes until `stop` is set, resting `poll_interval` seconds when idle."""
    while not stop.is_set():
        done = resume_sagas(engine, inventory, stale_after=stale_after)
        if done != RunnerPass():
            log.info(
                "sagas: %d steps answered, %d abandoned, %d unanswered",
                done.finished,
                done.abandoned,
                done.unanswered,
            )
        if done.finished == 0 or done.unanswered > 0:
            stop.wait(poll_interval)


def run_saga_process(
    database_url: str,
    amqp_uri: str,
    *,
    step_timeout: float,
    poll_interval: float = DEFAULT_SAGA_POLL_INTERVAL,
    stale_after: float = DEFAULT_SAGA_STALE_AFTER,
) -> None:
    """`strangler monolith saga-run`: the runner over these URLs until Ctrl-C or SIGTERM."""
    engine = open_engine(database_url, role="monolith database", connect=True)
    inventory = Inventory.over(amqp_uri, timeout=step_timeout)
    try:
        with sigterm_as_interrupt():
            run_saga_runner(
                engine,
                inventory,
                threading.Event(),
                poll_interval=poll_interval,
                stale_after=stale_after,
            )
    except KeyboardInterrupt:
        pass
    finally:
        inventory.close()
        engine.dispose()
