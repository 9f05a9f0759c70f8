"""`strangler sync ...`: install and remove capture, run the relay, tell the backlog, apply a
service's changes back to the monolith, check that each owned table has one writer."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from extracted_services.cli_options import services_dir_option
from extracted_services.discovery import find_services
from strangler.broker import amqp_uri_from_env
from strangler.database import display_url, open_engine
from strangler.processes import STOP_SIGNALS
from strangler_sync.apply import DEFAULT_PREFETCH, apply_settings, run_apply
from strangler_sync.change_store import check_installed
from strangler_sync.install import (
    SIDES,
    Side,
    check_sends_back,
    install_service,
    uninstall_lines,
    uninstall_service,
)
from strangler_sync.messages import DEFAULT_SOURCE
from strangler_sync.ownership import check_ownership, table_owners
from strangler_sync.ownership_store import recorded_violations, unpublished_origins
from strangler_sync.relay import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_POLL_SECONDS,
    RelaySettings,
    run_relay,
)
from strangler_sync.status import read_status, senders_back

MONOLITH_DATABASE_ENV = "DATABASE_URL"
MONOLITH_DEFAULT_DATABASE_URL = "sqlite:///var/monolith.sqlite3"

database_url_option = click.option(
    "--database-url",
    envvar=MONOLITH_DATABASE_ENV,
    default=MONOLITH_DEFAULT_DATABASE_URL,
    show_default=True,
    help=f"The monolith's database URL (env {MONOLITH_DATABASE_ENV}).",
)
amqp_uri_option = click.option(
    "--amqp-uri", default=None, help="RabbitMQ URI (default: env AMQP_URI, else local)."
)


@click.group("sync")
def sync() -> None:
    """Keep the services' copies in step: capture the monolith's changes, relay them.

    Changes travel as contract (i) of docs/contracts.md says: exchange strangler.changes,
    one queue sync-<service> per service.
    """


@sync.command("install")
@click.argument("service")
@database_url_option
@amqp_uri_option
@services_dir_option
@click.option(
    "--side",
    type=click.Choice(SIDES),
    default="monolith",
    show_default=True,
    help="monolith: capture the tables SERVICE copies, in the monolith's database."
    " service: capture the tables SERVICE sends back, in SERVICE's own database"
    " (--database-url is then the service's).",
)
@click.option(
    "--keep-journal",
    is_flag=True,
    help="Leave a SQLite database in its rollback-journal mode (by default it is switched"
    " to WAL, so the relay's reads do not wait for the writers).",
)
@click.option(
    "--purge-stale",
    is_flag=True,
    help="Delete the messages in SERVICE's queue that were captured in another database"
    " (an earlier or another one); without it, install refuses while there are any.",
)
def install(
    service: str,
    database_url: str,
    amqp_uri: str | None,
    services_dirs: tuple[Path, ...],
    side: Side,
    keep_journal: bool,
    purge_stale: bool,
) -> None:
    """Capture the tables SERVICE's service.toml lists, and declare its queues.

    With --side service: the tables it owns or sends back, in its own database, for
    `strangler sync apply SERVICE`. Idempotent: run it again after the manifest or the
    schema changed; it also upgrades triggers an older version installed. A SQLite
    database is switched to WAL (its -wal and -shm files stay beside it: not on a
    network filesystem) unless --keep-journal.
    """
    package = find_services(services_dirs).find(service)
    role = "monolith database" if side == "monolith" else f"{service}'s database"
    engine = open_engine(database_url, role=role, must_exist=True, connect=True)
    try:
        report = install_service(
            engine,
            package,
            amqp_uri or amqp_uri_from_env(),
            side=side,
            keep_journal=keep_journal,
            purge_stale=purge_stale,
        )
    finally:
        engine.dispose()
    click.echo("\n".join(report.lines()))


@sync.command("uninstall")
@click.argument("service")
@database_url_option
def uninstall(service: str, database_url: str) -> None:
    """Stop capturing for SERVICE: drop what no other service needs.

    With no service left, the change tables go too and the monolith is as it was.
    """
    engine = open_engine(database_url, role="monolith database", must_exist=True, connect=True)
    try:
        result = uninstall_service(engine, service)
    finally:
        engine.dispose()
    click.echo("\n".join(uninstall_lines(result)))


@sync.command("run")
@database_url_option
@amqp_uri_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Changes read per batch (a transaction is never split).",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.01),
    default=DEFAULT_POLL_SECONDS,
    show_default=True,
    help="Seconds between looks at an empty change table.",
)
@click.option(
    "--source",
    default=DEFAULT_SOURCE,
    show_default=True,
    help="This database's name in the messages (change ids are <source>:<table>:<position>).",
)
@click.option("--drain", is_flag=True, help="Stop once nothing is left to publish.")
def run(
    database_url: str,
    amqp_uri: str | None,
    batch_size: int,
    poll_interval: float,
    source: str,
    drain: bool,
) -> None:
    """Publish captured changes to RabbitMQ until Ctrl-C or SIGTERM.

    At least once, with publisher confirms; a change leaves the change table only once
    the broker confirmed it.
    """
    engine = open_engine(database_url, role="monolith database", must_exist=True, connect=True)
    settings = RelaySettings(
        amqp_uri=amqp_uri or amqp_uri_from_env(),
        source=source,
        batch_size=batch_size,
        poll_seconds=poll_interval,
        drain=drain,
    )
    try:
        check_installed(engine)
        click.echo(f"relay: publishing changes of {display_url(engine.url)}", err=True)
        with _stop_on_signals() as stop:
            totals = run_relay(engine, settings, stop, lambda line: click.echo(line, err=True))
    finally:
        engine.dispose()
    click.echo(
        f"relay stopped: {totals.changes} changes published in {totals.messages} messages",
        err=True,
    )


@sync.command("status")
@database_url_option
@amqp_uri_option
@services_dir_option
@click.option(
    "--service-url",
    "service_urls",
    multiple=True,
    metavar="SERVICE=URL",
    help="The database of SERVICE, whose writes go back (default: its service.toml's"
    " database_env, else default_database_url). Repeatable.",
)
def status(
    database_url: str,
    amqp_uri: str | None,
    services_dirs: tuple[Path, ...],
    service_urls: tuple[str, ...],
) -> None:
    """What each service has not applied yet: per table, changes the relay has not
    published; per service, messages waiting in its queue and dead-lettered ones; with
    the age of the oldest. For each service whose writes go back (`owns`), the same the
    other way: its queue sync-back-SERVICE and its own database's unpublished changes.
    Changes nothing: the first waiting message is looked at and put back.
    """
    packages = find_services(services_dirs).packages
    senders = senders_back(packages, service_urls, os.environ)
    engine = open_engine(database_url, role="monolith database", must_exist=True, connect=True)
    sync_services = [package.name for package in packages if package.manifest.sync]
    try:
        check_installed(engine)
        report = read_status(engine, amqp_uri or amqp_uri_from_env(), sync_services, senders)
    finally:
        engine.dispose()
    click.echo("\n".join(report.lines()))


@sync.command("apply")
@click.argument("service")
@click.option(
    "--to-url",
    envvar=MONOLITH_DATABASE_ENV,
    default=MONOLITH_DEFAULT_DATABASE_URL,
    show_default=True,
    help=f"The monolith's database URL, where SERVICE's changes go (env {MONOLITH_DATABASE_ENV}).",
)
@amqp_uri_option
@services_dir_option
@click.option(
    "--prefetch",
    type=click.IntRange(min=1),
    default=DEFAULT_PREFETCH,
    show_default=True,
    help="Messages taken from the queue ahead of the one being applied.",
)
def apply(
    service: str,
    to_url: str,
    amqp_uri: str | None,
    services_dirs: tuple[Path, ...],
    prefetch: int,
) -> None:
    """Apply SERVICE's changes (queue sync-back-SERVICE) to the monolith until Ctrl-C or SIGTERM.

    Takes what `sync run` publishes from SERVICE's database (installed with `sync install
    SERVICE --side service`, relayed with `--source SERVICE`): each message in one
    transaction, once, in order per row; the monolith's capture skips these writes.
    """
    manifest = find_services(services_dirs).find(service).manifest
    check_sends_back(manifest)
    settings = apply_settings(manifest, amqp_uri or amqp_uri_from_env(), prefetch)
    engine = open_engine(to_url, role="monolith database", must_exist=True, connect=True)
    try:
        click.echo(
            f"apply: {service}'s changes to {', '.join(settings.tables)} into"
            f" {display_url(engine.url)}",
            err=True,
        )
        with _stop_on_signals() as stop:
            totals = run_apply(engine, settings, stop, lambda line: click.echo(line, err=True))
    finally:
        engine.dispose()
    click.echo(
        f"apply stopped: {totals.written} changes written, {totals.skipped} skipped,"
        f" {totals.violations} ownership violations, {totals.dead_letters} dead-lettered,"
        f" from {totals.messages} messages",
        err=True,
    )


@sync.command("check-ownership")
@database_url_option
@services_dir_option
@click.pass_context
def check_ownership_command(
    ctx: click.Context, database_url: str, services_dirs: tuple[Path, ...]
) -> None:
    """Report writes to owned tables from elsewhere (exit 1 if any).

    A table a service owns (`owns` in its service.toml) has one writer. Captured changes
    to it with another origin are errors: those still in this database's change table,
    and those `sync apply` recorded here as it saw them go by.
    """
    owners = table_owners(package.manifest for package in find_services(services_dirs).packages)
    engine = open_engine(database_url, role="database", must_exist=True, connect=True)
    try:
        report = check_ownership(
            display_url(engine.url),
            owners,
            unpublished_origins(engine),
            recorded_violations(engine),
        )
    finally:
        engine.dispose()
    click.echo("\n".join(report.lines()))
    ctx.exit(1 if report.violations else 0)


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM, so the relay ends its batch and stops."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, request_stop) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
