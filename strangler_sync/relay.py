"""The relay: change table -> RabbitMQ, at least once, deleting only what was confirmed.

One loop: read the next changes in position order, keep those that are final
(`positions.py`), group them into messages (`messages.py`), publish them all and wait for
the broker's confirms together. It reads again at once after a batch (past the last
confirmed position) and soon when changes were there but not final yet; after looks
that found nothing it waits twice as long each time, up to the poll interval, so a busy
table is looked at often and an idle one rarely. Confirmed changes are deleted in one
statement about once a second (sooner when a batch's worth waits) and when the relay
stops: fewer writes on the change table (SQLite has one writer at a time) and none in
the way of the next batch. A change is deleted only once confirmed; a crash before its
delete publishes it again. A broker that goes away costs a one-line message and a
reconnect; the unconfirmed batch stays in the change table and is published again
(appliers skip what they already applied, by change id). A stop request is honoured
between batches.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from strangler.database import DatabaseUnavailable, failure_reason
from strangler_sync.broker import BrokerLost, ChangePublisher, OutgoingMessage
from strangler_sync.change_store import (
    capture_identity,
    delete_changes,
    read_changes,
    readers_wait_for_writers,
    sees_all_sessions,
)
from strangler_sync.changes import StoredChange
from strangler_sync.errors import BrokerUnavailable
from strangler_sync.messages import DEFAULT_SOURCE, change_id, group_messages, message_body
from strangler_sync.positions import needs_more_rows, publishable

DEFAULT_BATCH_SIZE = 500
DEFAULT_POLL_SECONDS = 0.5
# the wait after changes were seen (read, or not final yet); doubled after each empty look
QUICK_LOOK_SECONDS = 0.01
DELETE_EVERY_SECONDS = 1.0  # about the longest a confirmed change waits for its delete
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True)
class RelaySettings:
    """How the relay runs; `drain`: stop once nothing is left to publish."""

    amqp_uri: str
    source: str = DEFAULT_SOURCE
    batch_size: int = DEFAULT_BATCH_SIZE
    poll_seconds: float = DEFAULT_POLL_SECONDS
    drain: bool = False
    database: str | None = None  # the database's identity: `run_relay` reads it


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
    confirmed = ConfirmedChanges()
    publisher: ChangePublisher | None = ChangePublisher(settings.amqp_uri)
    failures = 0
    empty_looks = 0  # looks in a row that found nothing
    try:
        settings = replace(settings, database=capture_identity(engine))
        if settings.database is None:
            log(
                "relay: note: capture was installed by an earlier version: its messages carry"
                " no database identity; run `strangler sync install` again to give it one"
            )
        if not sees_all_sessions(engine):
            log(
                "relay: warning: this role cannot see other roles' transactions"
                " (grant it pg_read_all_stats): a late commit could be published out of order"
            )
        if readers_wait_for_writers(engine):
            log(
                "relay: note: this SQLite database has a rollback journal: each read of the"
                " change table waits for the monolith's writers; under a steady write load"
                " `PRAGMA journal_mode=WAL` (once, on the file) keeps the lag low: `sync"
                " install` does it unless --keep-journal"
            )
        while not stop.is_set():
            try:
                if publisher is None:
                    publisher = _reconnect(settings.amqp_uri)
                    log("relay: reconnected to the broker")
                read = _relay_batch(engine, publisher, settings, confirmed, totals, log)
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
            if confirmed.due(settings.batch_size):
                confirmed.delete(engine)
            empty_looks = 0 if read.published or read.waiting else empty_looks + 1
            if read.published:
                continue
            if settings.drain:
                break
            stop.wait(look_again_in(empty_looks, settings.poll_seconds))
        confirmed.delete(engine)
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


def look_again_in(empty_looks: int, poll_seconds: float) -> float:
    """The wait before the next look: short while changes come, doubling with each look
    that found nothing, at most `poll_seconds`."""
    return min(poll_seconds, QUICK_LOOK_SECONDS * 2 ** min(empty_looks, 30))


def _reconnect(amqp_uri: str) -> ChangePublisher:
    """A new publisher; a broker still away is one more loss to wait out, not the end."""
    try:
        return ChangePublisher(amqp_uri)
    except BrokerUnavailable as exc:
        raise BrokerLost(exc.message) from None


@dataclass
class ConfirmedChanges:
    """Changes the broker confirmed that are still in the change table. The relay reads
    past them: whatever it publishes later has a larger position (`positions.py`)."""

    after: int = 0  # the largest confirmed position (positions are positive)
    positions: list[int] = field(default_factory=list)
    since: float = 0.0  # time.monotonic() of the oldest confirm not deleted yet

    def add(self, positions: Sequence[int]) -> None:
        if not self.positions:
            self.since = time.monotonic()
        self.positions.extend(positions)
        self.after = max(self.after, *positions)

    def due(self, most: int) -> bool:
        """Whether to delete them now: `most` or more wait, or the oldest waited
        `DELETE_EVERY_SECONDS`."""
        return len(self.positions) >= most or (
            bool(self.positions) and time.monotonic() - self.since >= DELETE_EVERY_SECONDS
        )

    def delete(self, engine: Engine) -> None:
        """Delete them from the change table, in one transaction."""
        if self.positions:
            delete_changes(engine, self.positions)
            self.positions = []


@dataclass(frozen=True)
class BatchRead:
    """What one look at the change table found: changes published, and changes left
    waiting because they were not final yet."""

    published: int
    waiting: bool


def _relay_batch(
    engine: Engine,
    publisher: ChangePublisher,
    settings: RelaySettings,
    confirmed: ConfirmedChanges,
    totals: RelayTotals,
    log: Callable[[str], None],
) -> BatchRead:
    """Publish the next final changes past the confirmed ones; once the broker confirmed
    them, they are confirmed too."""
    ready, waiting = _next_ready(engine, settings.batch_size, confirmed.after)
    if not ready:
        return BatchRead(published=0, waiting=waiting)
    messages = group_messages(ready)
    publisher.publish(
        [
            OutgoingMessage(
                message.table,
                message_body(message, settings.source, settings.database),
                change_id(settings.source, message.changes[0]),
            )
            for message in messages
        ]
    )
    confirmed.add([change.position for change in ready])
    totals.changes += len(ready)
    totals.messages += len(messages)
    per_table = Counter(change.table for change in ready)
    log(
        f"relay: published {len(ready)} changes in {len(messages)} messages ("
        + ", ".join(f"{table} {count}" for table, count in sorted(per_table.items()))
        + f"); {totals.changes} in all"
    )
    return BatchRead(published=len(ready), waiting=False)


def _next_ready(engine: Engine, batch_size: int, after: int) -> tuple[list[StoredChange], bool]:
    """The changes past `after` to publish now, and whether others read must wait (not
    final yet)."""
    limit = batch_size
    while True:
        changes, view = read_changes(engine, limit, after)
        if not needs_more_rows(changes, view, limit):
            ready = publishable(changes, view)
            return ready, len(ready) < len(changes)
        limit *= 2
