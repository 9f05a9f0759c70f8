"""`strangler sync status`: how far behind each service's copies are, and why.

A change not yet applied is in one of three places: still in the monolith's change
table (the relay has not published it: per table), waiting in the service's queue
(published, not yet taken by its applier), or dead-lettered (refused; it needs a person).
Ages say how long the oldest has waited: captured at, for the change table; published at,
for the queue.

The reverse flow (docs/moving-writes.md) is told the same way for each service whose
writes go back to the monolith: its `sync-back-<service>` queue and dead letters, and
the change table of its own database (its changes its relay has not published yet).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from extracted_services.discovery import ServicePackage
from strangler.changes import back_dead_letter_queue, back_queue, dead_letter_queue, sync_queue
from strangler.database import display_url, open_engine
from strangler.errors import StranglerError, UsageError
from strangler_sync.broker import QueueBacklog, queue_backlog
from strangler_sync.capture_sql import CHANGES_TABLE
from strangler_sync.change_store import captured_tables, has_change_table, unpublished_by_table


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
class SendsBack:
    """A service whose writes go back to the monolith: the monolith's names of those
    tables, and the URL of its own database, where they are captured."""

    service: str
    tables: tuple[str, ...]
    database_url: str


@dataclass(frozen=True)
class BackFlowStatus:
    """A service's changes going back: its queue, and its database's unpublished changes
    (`problem`: why they could not be read; none are when the queue is missing)."""

    service: str
    queue: QueueBacklog
    database: str  # the service database's URL, shown
    tables: tuple[TableBacklog, ...] = ()
    problem: str | None = None

    def behind(self) -> int:
        return (
            sum(table.unpublished for table in self.tables) + self.queue.waiting + self.queue.dead
        )


@dataclass(frozen=True)
class SyncStatus:
    """Every service of one monolith database, as seen at `now`."""

    database: str
    now: datetime
    services: tuple[ServiceStatus, ...]
    not_installed: tuple[str, ...]  # packages saying `sync = true` with no capture here
    back_flows: tuple[BackFlowStatus, ...] = ()

    def behind(self) -> int:
        """Not applied yet: unpublished changes, waiting and dead messages (a message holds
        one transaction's changes to one table; the dead need a person), both ways."""
        return sum(
            sum(table.unpublished for table in service.tables)
            + service.queue.waiting
            + service.queue.dead
            for service in self.services
        ) + sum(flow.behind() for flow in self.back_flows)

    def lines(self) -> list[str]:
        lines = [
            f"sync status of {self.database}: {self.behind()} changes or messages not applied yet"
        ]
        if not self.services:
            lines.append("  no capture installed (strangler sync install SERVICE)")
        for service in self.services:
            lines.append(f"  {service.service}: {self._queue_line(service)}")
            lines.extend(self._table_lines(service.tables))
        lines.extend(
            f"  {name}: sync = true, but capture is not installed in this database"
            f" (strangler sync install {name})"
            for name in self.not_installed
        )
        for flow in self.back_flows:
            lines.append(f"  {flow.service}, going back: {self._back_line(flow)}")
            if flow.problem is not None:
                lines.append(f"    {flow.database}: {flow.problem}")
            elif flow.queue.declared:
                lines.append(f"    in {flow.database}:")
                lines.extend(self._table_lines(flow.tables))
        return lines

    def _table_lines(self, tables: tuple[TableBacklog, ...]) -> list[str]:
        width = max((len(table.table) for table in tables), default=0)
        return [
            f"    {table.table:<{width}}  {table.unpublished} unpublished"
            + self._age(table.oldest_captured, "captured")
            for table in tables
        ]

    def _queue_line(self, service: ServiceStatus) -> str:
        if not service.queue.declared:
            return f"queue {sync_queue(service.service)} missing (run sync install again)"
        return self._queues(
            service.queue, sync_queue(service.service), dead_letter_queue(service.service)
        )

    def _back_line(self, flow: BackFlowStatus) -> str:
        if not flow.queue.declared:
            return (
                f"queue {back_queue(flow.service)} missing: the reverse flow is not installed"
                f" (strangler sync install {flow.service} --side service)"
            )
        return self._queues(
            flow.queue, back_queue(flow.service), back_dead_letter_queue(flow.service)
        )

    def _queues(self, queue: QueueBacklog, name: str, dead_name: str) -> str:
        consumers = f"{queue.consumers} applier{'s' if queue.consumers != 1 else ''}"
        return (
            f"{queue.waiting} waiting in {name}"
            + self._age(queue.oldest_published, "published")
            + f", {consumers}; {queue.dead} dead-lettered in {dead_name}"
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


def read_status(
    engine: Engine,
    amqp_uri: str,
    sync_services: Sequence[str],
    senders: Sequence[SendsBack] = (),
) -> SyncStatus:
    """The status of every service captured in `engine`'s database; `sync_services`: the
    packages saying `sync = true`, to name those with no capture here; `senders`: the
    services whose writes go back, their reverse flow told too."""
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
    back_flows = tuple(read_back_flow(amqp_uri, sender) for sender in senders)
    return SyncStatus(display_url(engine.url), now, services, missing, back_flows)


def senders_back(
    packages: Sequence[ServicePackage], service_urls: Sequence[str], environ: Mapping[str, str]
) -> list[SendsBack]:
    """The packages whose writes go back, each with its database URL: from `service_urls`
    (`SERVICE=URL`), else as the service itself resolves it under `environ`."""
    given = {}
    names = [package.name for package in packages]
    for item in service_urls:
        name, equals, url = item.partition("=")
        if not equals or not name or not url:
            raise UsageError(
                f"--service-url {item!r} is not SERVICE=URL",
                hint="e.g. --service-url inventory=postgresql://app@db/inventory",
            )
        if name not in names:
            raise UsageError(
                f"--service-url names {name!r}, which is no service package",
                hint=f"known services: {', '.join(names)}",
            )
        given[name] = url
    return [
        SendsBack(
            package.name,
            tuple(table.monolith for table in package.manifest.sent_back),
            given.get(package.name) or package.database_url(environ),
        )
        for package in packages
        if package.manifest.sent_back
    ]


def read_back_flow(amqp_uri: str, sender: SendsBack) -> BackFlowStatus:
    """`sender`'s queue going back and, once it is installed, its database's change table
    (a database that cannot be read is told, not raised: the rest is still worth seeing)."""
    queue = queue_backlog(amqp_uri, sender.service, back=True)
    shown = display_url(sender.database_url)
    if not queue.declared:
        return BackFlowStatus(sender.service, queue, shown)
    try:
        engine = open_engine(
            sender.database_url, role=f"{sender.service}'s database", must_exist=True, connect=True
        )
    except StranglerError as exc:
        return BackFlowStatus(sender.service, queue, shown, problem=exc.message)
    try:
        if not has_change_table(engine):
            return BackFlowStatus(
                sender.service,
                queue,
                shown,
                problem=f"no change table ({CHANGES_TABLE}): capture is not installed there"
                f" (strangler sync install {sender.service} --side service --database-url URL)",
            )
        unpublished = unpublished_by_table(engine)
    finally:
        engine.dispose()
    tables = tuple(
        TableBacklog(table, *unpublished.get(table, (0, None))) for table in sender.tables
    )
    return BackFlowStatus(sender.service, queue, shown, tables)
