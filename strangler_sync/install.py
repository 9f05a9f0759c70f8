"""`sync install` / `sync uninstall` as use cases: broker first, then the database.

The queues are declared before any trigger exists, so no captured change can find its
service's queue missing, even for a service that never ran. `--side monolith` (the
default) captures, in the monolith's database, the tables the service copies, for its
queue `sync-<service>`; `--side service` captures, in the service's own database, the
tables it sends back (`owns`, and `writes_foreign` not switched off), for the queue
`sync-back-<service>` that `sync apply` consumes (docs/moving-writes.md).

Before anything is declared, the queue is looked through for stale messages (captured in
another database of the same side: refused, or deleted with `purge_stale`); after the
capture is installed, a SQLite database is switched to WAL (unless `keep_journal`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy import Engine

from extracted_services.discovery import ServicePackage
from extracted_services.manifest import Manifest
from strangler.changes import (
    CHANGES_EXCHANGE,
    back_dead_letter_queue,
    back_queue,
    dead_letter_queue,
    sync_queue,
)
from strangler.database import display_url
from strangler.errors import UsageError
from strangler_sync.apply_broker import declare_back_queues
from strangler_sync.broker import declare_service_queues, stale_messages
from strangler_sync.capture import (
    WAL,
    Installed,
    Journal,
    Uninstalled,
    database_dialect,
    describe_tables,
    install_capture,
    uninstall_capture,
    use_wal,
    wal_level,
)
from strangler_sync.capture_sql import CHANGES_TABLE
from strangler_sync.change_store import capture_identity
from strangler_sync.errors import StaleChanges
from strangler_sync.messages import captured_elsewhere

Side = Literal["monolith", "service"]
SIDES = ("monolith", "service")


@dataclass(frozen=True)
class InstallReport:
    """What `sync install` did, as the lines the command prints."""

    installed: Installed
    dialect: str
    wal_level: str | None
    side: Side = "monolith"
    published: tuple[str, ...] = ()  # the monolith's names of the tables (`--side service`)
    journal: Journal | None = None  # SQLite's journal mode
    purged: int = 0  # stale messages deleted from the queue (`--purge-stale`)

    def lines(self) -> list[str]:
        service, tables = self.installed.service, ", ".join(self.installed.tables)
        if self.side == "service":
            queue, dead = back_queue(service), back_dead_letter_queue(service)
            where = f"in {service}'s database (origin {service})"
            bound = ", ".join(self.published)
        else:
            queue, dead = sync_queue(service), dead_letter_queue(service)
            where, bound = f"for {service}", tables
        lines = [
            f"capture installed {where}: {tables} (triggers, {self.dialect})",
            f"  changes go to table {CHANGES_TABLE}"
            + (" (new)" if self.installed.new_change_table else "")
            + f"; database identity {self.installed.database_id} (each message carries it)",
            f"  broker: exchange {CHANGES_EXCHANGE}; queue {queue} bound to {bound};"
            f" dead letters to {dead}",
        ]
        if self.side == "service":
            lines.append(
                f"  next: the relay of this database with `strangler sync run --database-url URL"
                f" --source {service}`, and `strangler sync apply {service} --to-url MONOLITH_URL`"
            )
        if self.purged:
            lines.append(
                f"  deleted {self.purged} stale messages from {queue}: captured in another"
                " database (--purge-stale)"
            )
        if self.installed.released:
            lines.append(
                f"  no longer captured for {service}: {', '.join(self.installed.released)}"
            )
        if self.wal_level is not None:
            lines.append(f"  {wal_level_note(self.wal_level)}")
        if self.journal is not None:
            lines.append(f"  {journal_note(self.journal)}")
        return lines


def wal_level_note(level: str) -> str:
    """What the server's wal_level means for capture (triggers either way; no restart)."""
    if level == "logical":
        return "wal_level=logical: logical decoding is available; capture uses triggers"
    return (
        f"wal_level={level}: capture uses triggers (logical decoding would need"
        " wal_level=logical and a server restart; not required)"
    )


def journal_note(journal: Journal) -> str:
    """What `sync install` did to a SQLite database's journal, and what it means."""
    if journal.after == WAL and journal.before != WAL:
        return (
            f"SQLite journal switched from {journal.before} to WAL (kept by the file): the"
            " relay's reads no longer wait for the writers; the -wal and -shm files stay"
            " beside the database (not on a network filesystem)"
        )
    if journal.after == WAL:
        return "SQLite journal: WAL"
    slow = "each read of the change table by the relay waits for the writers"
    if journal.kept:
        return f"SQLite journal: {journal.after} kept (--keep-journal): {slow}"
    return (
        f"SQLite journal: still {journal.after}, WAL refused ({journal.refused}): {slow};"
        " run `sync install` again at a quiet moment, or add --keep-journal"
    )


def install_service(
    engine: Engine,
    package: ServicePackage,
    amqp_uri: str,
    *,
    side: Side = "monolith",
    keep_journal: bool = False,
    purge_stale: bool = False,
    now: float | None = None,
) -> InstallReport:
    """Declare `package`'s queues, then capture its tables in the monolith's database
    (`side` monolith) or the tables it sends back in its own database (`side` service);
    a SQLite database is switched to WAL unless `keep_journal`.

    Refused (`StaleChanges`) while the queue holds messages captured in another database
    (an earlier or another one of the same side), unless `purge_stale` deletes them."""
    if side == "service":
        report = _install_service_side(engine, package, amqp_uri, purge_stale, now)
    else:
        report = _install_monolith_side(engine, package, amqp_uri, purge_stale, now)
    return replace(report, journal=use_wal(engine, keep=keep_journal))


def _stale_checked(engine: Engine, amqp_uri: str, service: str, side: Side, purge: bool) -> int:
    """Stale messages in the service's queue: refused, or (`purge`) deleted and counted.

    Stale: captured in another database of this side than `engine`'s. A service's own
    database relays as the service (`--source SERVICE`); the monolith's relay as anything
    else. So the service's echoes in `sync-<service>` are not the monolith side's."""
    database = capture_identity(engine)
    queue = back_queue(service) if side == "service" else sync_queue(service)
    target = "the monolith" if side == "service" else f"{service}'s copy"

    def same_side(source: str) -> bool:
        return (source == service) == (side == "service")

    found = stale_messages(
        amqp_uri, queue, lambda body: captured_elsewhere(body, database, same_side), purge=purge
    )
    if found and not purge:
        raise StaleChanges(
            f"queue {queue} holds {found} change messages captured in another database than"
            f" this one ({display_url(engine.url)}): applied, they would write that"
            f" database's rows into {target}",
            hint="if they are the last changes of the database followed until now, stop that"
            f" database's relay, let them be applied (`strangler sync status` shows {queue}"
            " empty) and install again; if they are an earlier database's leftovers, delete"
            f" them: `strangler sync install {service} --purge-stale`",
        )
    return found


def _install_monolith_side(
    engine: Engine, package: ServicePackage, amqp_uri: str, purge: bool, now: float | None
) -> InstallReport:
    dialect = database_dialect(engine)
    tables = [copy.monolith for copy in package.manifest.tables]
    describe_tables(engine, package.name, tables)  # refuse before touching the broker
    purged = _stale_checked(engine, amqp_uri, package.name, "monolith", purge)
    declare_service_queues(amqp_uri, package.name, tables)
    installed = install_capture(
        engine, package.name, tables, first_position=first_position(now or time.time())
    )
    return InstallReport(installed, dialect, wal_level(engine), purged=purged)


def _install_service_side(
    engine: Engine, package: ServicePackage, amqp_uri: str, purge: bool, now: float | None
) -> InstallReport:
    dialect = database_dialect(engine)
    check_sends_back(package.manifest)
    name, sent_back = package.name, package.manifest.sent_back
    tables = [copy.service for copy in sent_back]
    published = {copy.service: copy.monolith for copy in sent_back}
    describe_tables(engine, name, tables, origin=name)  # refuse before touching the broker
    purged = _stale_checked(engine, amqp_uri, name, "service", purge)
    declare_back_queues(amqp_uri, name, [copy.monolith for copy in sent_back])
    installed = install_capture(
        engine,
        name,
        tables,
        first_position=first_position(now or time.time()),
        origin=name,
        published=published,
    )
    return InstallReport(
        installed,
        dialect,
        wal_level(engine),
        side="service",
        published=tuple(copy.monolith for copy in sent_back),
        purged=purged,
    )


def check_sends_back(manifest: Manifest) -> None:
    """Refuse a service none of whose writes go back to the monolith."""
    if not manifest.sent_back:
        raise UsageError(
            f"service {manifest.name!r} sends nothing back: its service.toml owns no table and"
            " every `writes_foreign` table is switched off",
            hint="list the tables it writes alone in `owns` (see docs/moving-writes.md)",
        )


def first_position(now: float) -> int:
    """Positions of a new change table start at the time in microseconds, above any a
    change table dropped earlier gave out (so a service never skips a new change as old)."""
    return int(now * 1_000_000)


def uninstall_service(engine: Engine, service: str) -> Uninstalled:
    """Stop capturing for `service` (the broker's queues are left: they may hold changes)."""
    return uninstall_capture(engine, service)


def uninstall_lines(result: Uninstalled) -> list[str]:
    """What `sync uninstall` prints."""
    service = result.service
    if not result.released and not result.kept and not result.change_tables_dropped:
        return [f"no capture was installed for {service}"]
    lines = [f"capture removed for {service}"]
    if result.released:
        lines.append(f"  triggers dropped: {', '.join(result.released)}")
    if result.kept:
        lines.append(f"  still captured for other services: {', '.join(result.kept)}")
    if result.change_tables_dropped:
        lines.append(
            "  no service left: change tables dropped"
            + (
                f" with {result.unpublished_dropped} unpublished changes"
                if result.unpublished_dropped
                else ""
            )
        )
    lines.append(
        f"  queues {sync_queue(service)} and {dead_letter_queue(service)} are left on the broker;"
        " delete them once drained"
    )
    return lines
