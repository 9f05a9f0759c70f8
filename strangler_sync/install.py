"""`sync install` / `sync uninstall` as use cases: broker first, then the database.

The queues are declared before any trigger exists, so no captured change can find its
service's queue missing, even for a service that never ran. `--side monolith` (the
default) captures, in the monolith's database, the tables the service copies, for its
queue `sync-<service>`; `--side service` captures, in the service's own database, the
tables it sends back (`owns`, and `writes_foreign` not switched off), for the queue
`sync-back-<service>` that `sync apply` consumes (docs/moving-writes.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
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
from strangler.errors import UsageError
from strangler_sync.apply_broker import declare_back_queues
from strangler_sync.broker import declare_service_queues
from strangler_sync.capture import (
    Installed,
    Uninstalled,
    database_dialect,
    describe_tables,
    install_capture,
    uninstall_capture,
    wal_level,
)
from strangler_sync.capture_sql import CHANGES_TABLE

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
            + (" (new)" if self.installed.new_change_table else ""),
            f"  broker: exchange {CHANGES_EXCHANGE}; queue {queue} bound to {bound};"
            f" dead letters to {dead}",
        ]
        if self.side == "service":
            lines.append(
                f"  next: the relay of this database with `strangler sync run --database-url URL"
                f" --source {service}`, and `strangler sync apply {service} --to-url MONOLITH_URL`"
            )
        if self.installed.released:
            lines.append(
                f"  no longer captured for {service}: {', '.join(self.installed.released)}"
            )
        if self.wal_level is not None:
            lines.append(f"  {wal_level_note(self.wal_level)}")
        return lines


def wal_level_note(level: str) -> str:
    """What the server's wal_level means for capture (triggers either way; no restart)."""
    if level == "logical":
        return "wal_level=logical: logical decoding is available; capture uses triggers"
    return (
        f"wal_level={level}: capture uses triggers (logical decoding would need"
        " wal_level=logical and a server restart; not required)"
    )


def install_service(
    engine: Engine,
    package: ServicePackage,
    amqp_uri: str,
    *,
    side: Side = "monolith",
    now: float | None = None,
) -> InstallReport:
    """Declare `package`'s queues, then capture its tables in the monolith's database
    (`side` monolith) or the tables it sends back in its own database (`side` service)."""
    if side == "service":
        return _install_service_side(engine, package, amqp_uri, now)
    dialect = database_dialect(engine)
    tables = [copy.monolith for copy in package.manifest.tables]
    describe_tables(engine, package.name, tables)  # refuse before touching the broker
    declare_service_queues(amqp_uri, package.name, tables)
    installed = install_capture(
        engine, package.name, tables, first_position=first_position(now or time.time())
    )
    return InstallReport(installed, dialect, wal_level(engine))


def _install_service_side(
    engine: Engine, package: ServicePackage, amqp_uri: str, now: float | None
) -> InstallReport:
    dialect = database_dialect(engine)
    check_sends_back(package.manifest)
    name, sent_back = package.name, package.manifest.sent_back
    tables = [copy.service for copy in sent_back]
    published = {copy.service: copy.monolith for copy in sent_back}
    describe_tables(engine, name, tables, origin=name)  # refuse before touching the broker
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
