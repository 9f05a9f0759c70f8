"""The change events' names on the wire, defined once for the relay and the services.

docs/contracts.md, section (i): the relay (`strangler sync`) publishes every committed
row change of the monolith to the topic exchange `strangler.changes`, routed by the
monolith's table name; each service consumes its queue `sync-<service>`, whose refused
messages go to `sync-<service>.dead` with the reason in a header. `sync install` and the
service's applier both declare the queue, so they must declare it with the same
arguments (RabbitMQ refuses a second declaration that differs): `sync_queue_arguments`.
"""

from __future__ import annotations

CHANGES_EXCHANGE = "strangler.changes"  # topic exchange, durable
MESSAGE_VERSION = 1  # the body's `version`
OPERATIONS = ("insert", "update", "delete")
REASON_HEADER = "x-strangler-reason"  # why a message was dead-lettered
# the table in each service's own database holding, per (source, table, key), the position
# of the last change applied (its own, not a copy of the monolith's: backfills leave it alone)
APPLIED_TABLE = "strangler_sync_applied"


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
