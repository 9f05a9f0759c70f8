"""The relay: change table -> RabbitMQ, at least once, deleting only what was confirmed.

One loop: read the next changes in position order, keep those that are final
(`positions.py`), group them into messages (`messages.py`), publish each with a confirm,
then delete the batch in one transaction. A broker that goes away costs a one-line
message and a reconnect; the unconfirmed batch stays in the change table and is
published again (appliers skip what they already applied, by change id). A stop request
is honoured between batches.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from strangler.database import DatabaseUnavailable, failure_reason
from strangler_sync.broker import BrokerLost, ChangePublisher
from strangler_sync.change_store import delete_changes, read_changes, sees_all_sessions
from strangler_sync.changes import StoredChange
from strangler_sync.errors import BrokerUnavailable
from strangler_sync.messages import DEFAULT_SOURCE, change_id, group_messages, message_body
from strangler_sync.positions import needs_more_rows, publishable

DEFAULT_BATCH_SIZE = 500
DEFAULT_POLL_SECONDS = 0.5
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True)
class RelaySettings:
    """How the relay runs; `drain`: stop once nothing is left to publish."""

    amqp_uri: str
    source: str = DEFAULT_SOURCE
    batch_size: int = DEFAULT_BATCH_SIZE
    poll_seconds: float = DEFAULT_POLL_SECONDS
    drain: bool = False


@dataclass
class RelayTotals:
    """What a run published."""

    changes: int = 0
    messages: int = 0
    reconnects: int = 0


def run_relay(
    engine: Engine,
    settings: RelaySettings,
    stop: threading.Event,
    log: Callable[[str], None],
) -> RelayTotals:
    """Relay until `stop` is set (or, with `drain`, until nothing is left to publish).

    The first connection must succeed (`BrokerUnavailable` otherwise); later losses are
    retried until the broker is back or a stop is asked for.
    """
    totals = RelayTotals()
    publisher: ChangePublisher | None = ChangePublisher(settings.amqp_uri)
    failures = 0
    try:
        if not sees_all_sessions(engine):
            log(
                "relay: warning: this role cannot see other roles' transactions"
                " (grant it pg_read_all_stats): a late commit could be published out of order"
            )
        while not stop.is_set():
            try:
                if publisher is None:
                    publisher = _reconnect(settings.amqp_uri)
                    log("relay: reconnected to the broker")
                published = _relay_batch(engine, publisher, settings, totals, log)
                failures = 0
            except BrokerLost as exc:
                if publisher is not None:
                    publisher.close()
                    publisher = None
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                totals.reconnects += 1
                log(
                    f"relay: broker connection lost ({exc}); unconfirmed changes stay in the"
                    f" change table, reconnecting in {delay:g}s"
                )
                stop.wait(delay)
                continue
            if not published:
                if settings.drain:
                    break
                stop.wait(settings.poll_seconds)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(
            f"relay: the monolith's database failed: {failure_reason(exc)};"
            " unconfirmed changes stay in the change table",
            hint="fix the database, then start `strangler sync run` again",
        ) from None
    finally:
        if publisher is not None:
            publisher.close()
    return totals


def _reconnect(amqp_uri: str) -> ChangePublisher:
    """A new publisher; a broker still away is one more loss to wait out, not the end."""
    try:
        return ChangePublisher(amqp_uri)
    except BrokerUnavailable as exc:
        raise BrokerLost(exc.message) from None


def _relay_batch(
    engine: Engine,
    publisher: ChangePublisher,
    settings: RelaySettings,
    totals: RelayTotals,
    log: Callable[[str], None],
) -> int:
    """Publish the next final changes and delete them once confirmed; how many."""
    ready = _next_ready(engine, settings.batch_size)
    if not ready:
        return 0
    messages = group_messages(ready)
    for message in messages:
        first = message.changes[0]
        publisher.publish(
            message.table, message_body(message, settings.source), change_id(settings.source, first)
        )
    delete_changes(engine, [change.position for change in ready])
    totals.changes += len(ready)
    totals.messages += len(messages)
    per_table = Counter(change.table for change in ready)
    log(
        f"relay: published {len(ready)} changes in {len(messages)} messages ("
        + ", ".join(f"{table} {count}" for table, count in sorted(per_table.items()))
        + f"); {totals.changes} in all"
    )
    return len(ready)


def _next_ready(engine: Engine, batch_size: int) -> list[StoredChange]:
    limit = batch_size
    while True:
        changes, view = read_changes(engine, limit)
        if not needs_more_rows(changes, view, limit):
            return publishable(changes, view)
        limit *= 2
