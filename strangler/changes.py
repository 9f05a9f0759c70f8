"""The change events' names on the wire, defined once for the relay and the services.

docs/contracts.md, section (i): the relay (`strangler sync`) publishes every committed
row change of the monolith to the topic exchange `strangler.changes`, routed by the
monolith's table name; each service consumes its queue `sync-<service>`, whose refused
messages go to `sync-<service>.dead` with the reason in a header. `sync install` and the
service's applier both declare the queue, so they must declare it with the same
arguments (RabbitMQ refuses a second declaration that differs): `sync_queue_arguments`.
"""

from __future__ import annotations

from dataclasses import dataclass

CHANGES_EXCHANGE = "strangler.changes"  # topic exchange, durable
MESSAGE_VERSION = 1  # the body's `version`
OPERATIONS = ("insert", "update", "delete")
BYTES_PREFIX = "\\x"  # a bytes value is this, then two hex digits a byte (PostgreSQL's bytea)
REASON_HEADER = "x-strangler-reason"  # why a message was dead-lettered
# the table in each service's own database holding, per (source, table, key), the position
# of the last change applied (its own, not a copy of the monolith's: backfills leave it alone)
APPLIED_TABLE = "strangler_sync_applied"
# beside it, per source, the identity of the database its copies follow: that of the first
# message applied from the source that carried one (`database`); messages captured in
# another database of that source are refused (docs/contracts.md (i), "Stale messages")
SOURCES_TABLE = "strangler_sync_sources"


def sync_queue(service: str) -> str:
    """The durable queue holding `service`'s changes, bound by each of its monolith tables."""
    return f"sync-{service}"


def dead_letter_queue(service: str) -> str:
    """The durable queue holding the change messages `service`'s applier refused."""
    return f"{sync_queue(service)}.dead"


def sync_queue_arguments(service: str) -> dict[str, str]:
    """The `sync-<service>` queue's declaration arguments: dead-letter to its `.dead` queue."""
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead_letter_queue(service),
    }


# The reverse flow (docs/moving-writes.md): changes captured in a service's own database
# travel on the same exchange, routed by the monolith's table name, and `sync apply`
# takes the service's from this queue into the monolith's database.
def back_queue(service: str) -> str:
    """The durable queue `sync apply <service>` consumes: its changes going back."""
    return f"sync-back-{service}"


def back_dead_letter_queue(service: str) -> str:
    """The durable queue holding the messages `sync apply <service>` refused."""
    return f"{back_queue(service)}.dead"


def back_queue_arguments(service: str) -> dict[str, str]:
    """The `sync-back-<service>` queue's declaration arguments: dead-letter to `.dead`."""
    return {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": back_dead_letter_queue(service),
    }


# An applier's own writes are marked so capture skips them (nothing loops). PostgreSQL: a
# setting local to the applier's transaction, read by the trigger function. SQLite: a row
# of this table (made by `sync install`), inserted first and deleted last in the
# applier's transaction (SQLite has one writer at a time, so only that transaction's
# triggers ever see it); in a database without capture there is nothing to mark.
APPLYING_SETTING = "strangler.applying"
APPLYING_TABLE = "strangler_applying"
APPLYING_TABLE_DDL = f"CREATE TABLE IF NOT EXISTS {APPLYING_TABLE} (applying INTEGER PRIMARY KEY)"


@dataclass(frozen=True)
class ApplyingMarks:
    """How an applier marks its transaction on one kind of database."""

    needed: str | None  # a query returning a row when this database needs the mark; None: always
    begin: tuple[str, ...]  # first in the transaction
    end: tuple[str, ...]  # last, before the commit


def applying_marks(dialect: str) -> ApplyingMarks:
    """The statements marking an applier's transaction on `dialect`."""
    if dialect == "postgresql":
        return ApplyingMarks(None, (f"SET LOCAL {APPLYING_SETTING} = 'on'",), ())
    return ApplyingMarks(
        f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{APPLYING_TABLE}'",
        (f"INSERT INTO {APPLYING_TABLE} (applying) VALUES (1)",),
        (f"DELETE FROM {APPLYING_TABLE}",),
    )
