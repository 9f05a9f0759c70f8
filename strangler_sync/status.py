"""`strangler sync status`: how far behind each service's copies are, and why.

A change not yet applied is in one of three places: still in the monolith's change
table (the relay has not published it: per table), waiting in the service's queue
(published, not yet taken by its applier), or dead-lettered (refused; it needs a person).
Ages say how long the oldest has waited: captured at, for the change table; published at,
for the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from strangler.changes import dead_letter_queue, sync_queue
from strangler.database import display_url
from strangler_sync.broker import QueueBacklog, queue_backlog
from strangler_sync.change_store import captured_tables, unpublished_by_table


@dataclass(frozen=True)
class TableBacklog:
    """One captured table's changes the relay has not published yet."""

    table: str
    unpublished: int
    oldest_captured: datetime | None


@dataclass(frozen=True)
class ServiceStatus:
    """One service: its tables' unpublished changes and its queues."""

    service: str
    tables: tuple[TableBacklog, ...]
    queue: QueueBacklog


@dataclass(frozen=True)
class SyncStatus:
    """Every service of one monolith database, as seen at `now`."""

    database: str
    now: datetime
    services: tuple[ServiceStatus, ...]
    not_installed: tuple[str, ...]  # packages saying `sync = true` with no capture here

    def behind(self) -> int:
        """Not applied yet: unpublished changes, waiting and dead messages (a message holds
        one transaction's changes to one table; the dead need a person)."""
        return sum(
            sum(table.unpublished for table in service.tables)
            + service.queue.waiting
            + service.queue.dead
            for service in self.services
        )

    def lines(self) -> list[str]:
        lines = [
            f"sync status of {self.database}: {self.behind()} changes or messages not applied yet"
        ]
        if not self.services:
            lines.append("  no capture installed (strangler sync install SERVICE)")
        for service in self.services:
            lines.append(f"  {service.service}: {self._queue_line(service)}")
            width = max(len(table.table) for table in service.tables)
            lines.extend(
                f"    {table.table:<{width}}  {table.unpublished} unpublished"
                + self._age(table.oldest_captured, "captured")
                for table in service.tables
            )
        lines.extend(
            f"  {name}: sync = true, but capture is not installed in this database"
            f" (strangler sync install {name})"
            for name in self.not_installed
        )
        return lines

    def _queue_line(self, service: ServiceStatus) -> str:
        queue = service.queue
        if not queue.declared:
            return f"queue {sync_queue(service.service)} missing (run sync install again)"
        consumers = f"{queue.consumers} applier{'s' if queue.consumers != 1 else ''}"
        return (
            f"{queue.waiting} waiting in {sync_queue(service.service)}"
            + self._age(queue.oldest_published, "published")
            + f", {consumers}; {queue.dead} dead-lettered in {dead_letter_queue(service.service)}"
        )

    def _age(self, moment: datetime | None, what: str) -> str:
        if moment is None:
            return ""
        seconds = max((self.now - moment).total_seconds(), 0.0)
        return f" (oldest {what} {format_age(seconds)} ago)"


def format_age(seconds: float) -> str:
    """0.4s, 12s, 5m 3s, 2h 10m: precise while small, short when large."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60}s"
    return f"{whole // 3600}h {whole % 3600 // 60}m"


def read_status(engine: Engine, amqp_uri: str, sync_services: Sequence[str]) -> SyncStatus:
    """The status of every service captured in `engine`'s database; `sync_services`: the
    packages saying `sync = true`, to name those with no capture here."""
    now = datetime.now(UTC)
    captured = captured_tables(engine)
    unpublished = unpublished_by_table(engine)
    services = tuple(
        ServiceStatus(
            service=service,
            tables=tuple(
                TableBacklog(table, *unpublished.get(table, (0, None))) for table in tables
            ),
            queue=queue_backlog(amqp_uri, service),
        )
        for service, tables in captured.items()
    )
    missing = tuple(name for name in sync_services if name not in captured)
    return SyncStatus(display_url(engine.url), now, services, missing)
