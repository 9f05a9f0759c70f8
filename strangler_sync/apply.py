"""`sync apply`: a service's changes going back, applied to the monolith's database.

A plain process (pika's blocking connection, no eventlet) consuming `sync-back-<service>`
one message at a time. Each message is decoded and checked as the services' applier does
(`extracted_services/shared/change_messages.py`); the service's own changes
(`apply_messages.py`) are written by the shared `ChangeWriter` in one transaction marked
as an applier's, so the monolith's capture does not capture them again; idempotent by
change id and ordered by position per key (`strangler_sync_applied` in the monolith's
database). The message is acknowledged after its transaction committed. A message that
can never apply goes to `sync-back-<service>.dead` with the reason; one met while the
database is unreachable goes back to the queue. A lost broker is a one-line message and
a reconnect; a stop request is honoured between messages.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError

from extracted_services.manifest import Manifest
from extracted_services.shared.change_messages import PoisonMessage, decode_message
from extracted_services.shared.change_writer import Applied, ChangeWriter, create_applied_table
from strangler.changes import back_dead_letter_queue
from strangler.database import DatabaseUnavailable, failure_reason
from strangler_sync.apply_broker import BackConsumer, Delivery
from strangler_sync.apply_messages import sort_message
from strangler_sync.broker import BrokerLost
from strangler_sync.capture_sql import ORIGIN
from strangler_sync.errors import BrokerUnavailable
from strangler_sync.ownership_store import create_violations_table, record_violations

DEFAULT_PREFETCH = 50
WAIT_SECONDS = 0.5  # between looks at the stop request while the queue is empty
RETRY_SECONDS = 1.0  # before a message met while the database was unreachable goes back
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True)
class ApplySettings:
    """Whose changes to apply, from which broker; `tables`: monolith names sent back."""

    amqp_uri: str
    service: str
    tables: tuple[str, ...]
    owned: tuple[str, ...]
    prefetch: int = DEFAULT_PREFETCH


def apply_settings(manifest: Manifest, amqp_uri: str, prefetch: int) -> ApplySettings:
    """The settings of `sync apply` for the service of `manifest`."""
    return ApplySettings(
        amqp_uri=amqp_uri,
        service=manifest.name,
        tables=tuple(table.monolith for table in manifest.sent_back),
        owned=manifest.owns,
        prefetch=prefetch,
    )


@dataclass
class ApplyTotals:
    """What a run did, counted in changes (messages: those taken from the queue)."""

    messages: int = 0
    written: int = 0
    skipped: int = 0  # applied before, older than what the monolith holds, or not the service's
    violations: int = 0
    dead_letters: int = 0
    reconnects: int = 0


def run_apply(
    engine: Engine, settings: ApplySettings, stop: threading.Event, log: Callable[[str], None]
) -> ApplyTotals:
    """Apply until `stop` is set. The first connection must succeed (`BrokerUnavailable`
    otherwise); later losses are retried until the broker is back or a stop is asked for."""
    try:
        create_applied_table(engine)
        create_violations_table(engine)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(
            f"apply: the monolith's database failed: {failure_reason(exc)}",
            hint="check --to-url, then start `strangler sync apply` again",
        ) from None
    applier = _Applier(engine, settings, stop, log)
    try:
        consumer: BackConsumer | None = _consumer(settings)
    except BrokerLost as exc:
        raise BrokerUnavailable(f"RabbitMQ refused `sync apply` its queue: {exc}") from None
    failures = 0
    try:
        while not stop.is_set():
            try:
                if consumer is None:
                    consumer = _reconnect(settings)
                    log("apply: reconnected to the broker")
                applier.consume(consumer)
            except BrokerLost as exc:
                if consumer is not None:
                    consumer.close()
                    consumer = None
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                applier.totals.reconnects += 1
                log(
                    f"apply: broker connection lost ({exc}); unacknowledged messages go back to"
                    f" the queue, reconnecting in {delay:g}s"
                )
                stop.wait(delay)
            else:
                failures = 0
    finally:
        if consumer is not None:
            consumer.close()
    return applier.totals


def _consumer(settings: ApplySettings) -> BackConsumer:
    return BackConsumer(settings.amqp_uri, settings.service, settings.tables, settings.prefetch)


def _reconnect(settings: ApplySettings) -> BackConsumer:
    """A new consumer; a broker still away is one more loss to wait out, not the end."""
    try:
        return _consumer(settings)
    except BrokerUnavailable as exc:
        raise BrokerLost(exc.message) from None


class _Applier:
    """Settles each delivery: applied and acknowledged, dead-lettered, or given back."""

    def __init__(
        self,
        engine: Engine,
        settings: ApplySettings,
        stop: threading.Event,
        log: Callable[[str], None],
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.stop = stop
        self.log = log
        self.writer = ChangeWriter(engine, ORIGIN, {table: table for table in settings.tables})
        self.totals = ApplyTotals()

    def consume(self, consumer: BackConsumer) -> None:
        """Handle deliveries until a stop is asked for (BrokerLost if the broker goes away)."""
        for delivery in consumer.deliveries(WAIT_SECONDS):
            if self.stop.is_set():
                return  # a delivery taken now goes back to the queue as the connection closes
            if delivery is not None:
                self.totals.messages += 1
                self.handle(consumer, delivery)

    def handle(self, consumer: BackConsumer, delivery: Delivery) -> None:
        try:
            applied = self.apply(delivery.body)
        except PoisonMessage as poison:
            self.dead_letter(consumer, delivery, poison.reason)
        except (OperationalError, InterfaceError, DisconnectionError) as exc:
            self.log(
                f"apply: the monolith's database is unreachable ({failure_reason(exc)});"
                f" the message goes back to the queue in {RETRY_SECONDS:g}s"
            )
            self.stop.wait(RETRY_SECONDS)
            consumer.give_back(delivery)
        except SQLAlchemyError as exc:
            self.dead_letter(consumer, delivery, f"the applier failed: {failure_reason(exc)}")
        else:
            consumer.ack(delivery)
            if applied is not None:
                self.log(
                    f"apply: {applied[0]}: {applied[1].written} written, {applied[1].skipped}"
                    f" skipped; {self.totals.written} written in all"
                )

    def apply(self, body: bytes) -> tuple[str, Applied] | None:
        """Apply the service's changes of one message; record its ownership violations."""
        message = decode_message(_json(body))
        sorted_ = sort_message(message, self.settings.service, self.settings.owned)
        if sorted_.violations:
            record_violations(self.engine, message.table, sorted_.violations)
            origins = Counter(change.origin for change in sorted_.violations)
            self.log(
                f"apply: error: {self.settings.service} owns {message.table}, yet "
                + ", ".join(f"{origin} wrote {count}" for origin, count in origins.items())
                + " (not applied; see `strangler sync check-ownership`)"
            )
        self.totals.violations += len(sorted_.violations)
        self.totals.skipped += sorted_.others
        if sorted_.own is None:
            return None
        (applied,) = self.writer.write([self.writer.check(sorted_.own)])
        self.totals.written += applied.written
        self.totals.skipped += applied.skipped
        return message.table, applied

    def dead_letter(self, consumer: BackConsumer, delivery: Delivery, reason: str) -> None:
        consumer.dead_letter(delivery, reason)
        self.totals.dead_letters += 1
        queue = back_dead_letter_queue(self.settings.service)
        self.log(f"apply: message dead-lettered to {queue}: {reason}")


def _json(body: bytes) -> object:
    """The body as JSON, or PoisonMessage (dead-lettered with the reason)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessage(f"bad payload: the body is not JSON: {exc}") from None
