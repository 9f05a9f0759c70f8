"""`strangler sync ...`: install and remove capture, run the relay, tell the backlog."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from extracted_services.discovery import find_services
from strangler.broker import amqp_uri_from_env
from strangler.database import display_url, open_engine
from strangler.processes import STOP_SIGNALS
from strangler_sync.change_store import check_installed
from strangler_sync.install import install_service, uninstall_lines, uninstall_service
from strangler_sync.messages import DEFAULT_SOURCE
from strangler_sync.relay import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_POLL_SECONDS,
    RelaySettings,
    run_relay,
)
from strangler_sync.status import read_status

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


services_dir_option = click.option(
    "--services-dir",
    "services_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also look for service packages (folders with a service.toml) in DIR. Repeatable.",
)


@sync.command("install")
@click.argument("service")
@database_url_option
@amqp_uri_option
@services_dir_option
def install(
    service: str, database_url: str, amqp_uri: str | None, services_dirs: tuple[Path, ...]
) -> None:
    """Capture the tables SERVICE's service.toml lists, and declare its queues.

    Idempotent: run it again after the manifest or the monolith's schema changed.
    """
    package = find_services(services_dirs).find(service)
    engine = open_engine(database_url, role="monolith database", must_exist=True, connect=True)
    try:
        report = install_service(engine, package, amqp_uri or amqp_uri_from_env())
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
def status(database_url: str, amqp_uri: str | None, services_dirs: tuple[Path, ...]) -> None:
    """What each service has not applied yet: per table, changes the relay has not
    published; per service, messages waiting in its queue and dead-lettered ones; with
    the age of the oldest. Changes nothing: the first waiting message is looked at and
    put back.
    """
    engine = open_engine(database_url, role="monolith database", must_exist=True, connect=True)
    sync_services = [
        package.name for package in find_services(services_dirs).packages if package.manifest.sync
    ]
    try:
        check_installed(engine)
        report = read_status(engine, amqp_uri or amqp_uri_from_env(), sync_services)
    finally:
        engine.dispose()
    click.echo("\n".join(report.lines()))


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
