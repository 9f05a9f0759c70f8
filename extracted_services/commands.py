"""`strangler service ...`: list, backfill and run the service packages found."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from extracted_services.backfill.generic import DEFAULT_BATCH_SIZE
from extracted_services.backfill.progress import progress_for
from extracted_services.backfill.run import backfill_service
from extracted_services.cli_options import services_dir_option
from extracted_services.discovery import find_services
from extracted_services.launcher import (
    broker_uri,
    check_broker,
    nameko_command,
    run_instances,
)
from extracted_services.listing import render_services
from extracted_services.reconcile.report import render
from extracted_services.reconcile.run import DEFAULT_CHUNK_SIZE, reconcile_service
from extracted_services.requirements import check_requirements
from strangler.processes import ManagedProcess

MONOLITH_DATABASE_ENV = "DATABASE_URL"
MONOLITH_DEFAULT_DATABASE_URL = "sqlite:///var/monolith.sqlite3"


@click.group("service")
def service() -> None:
    """Run the service packages and fill their databases from the monolith.

    A service package is a folder with a service.toml (docs/contracts.md, "Service
    package"): those in extracted_services/ and in each --services-dir are found.
    """


@service.command("list")
@services_dir_option
def list_services(services_dirs: tuple[Path, ...]) -> None:
    """Show every service package found: tables, owns, database and where."""
    click.echo(render_services(find_services(services_dirs), os.environ, Path.cwd()))


from_url_option = click.option(
    "--from-url",
    "source_url",
    envvar=MONOLITH_DATABASE_ENV,
    default=MONOLITH_DEFAULT_DATABASE_URL,
    show_default=True,
    help=f"The monolith's database URL (env {MONOLITH_DATABASE_ENV}).",
)
to_url_option = click.option(
    "--to-url",
    "target_url",
    default=None,
    help="The service's database URL (default: the service's env var, else its manifest default).",
)


@service.command("backfill")
@click.argument("name")
@from_url_option
@to_url_option
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Rows per batch of the generic copy (each batch is committed).",
)
@services_dir_option
def backfill(
    name: str,
    source_url: str,
    target_url: str | None,
    batch_size: int,
    services_dirs: tuple[Path, ...],
) -> None:
    """Copy the monolith's data for service NAME into the service's own database.

    With `backfill` in its service.toml, that function does it; otherwise the tables
    of the manifest are copied (idempotent, resumable, checked by counts and checksums).
    """
    package = find_services(services_dirs).find(name)
    summary = backfill_service(
        package,
        source_url,
        target_url or package.database_url(os.environ),
        progress=progress_for(sys.stderr),
        batch_size=batch_size,
    )
    click.echo(
        f"backfilled {package.name}: {summary.describe()}\n"
        f"  from {summary.source}\n  into {summary.target}"
    )
    if summary.is_empty():
        click.echo(
            "warning: the source holds nothing to serve; is it the monolith's database, and is"
            " it seeded (`strangler monolith seed`)?",
            err=True,
        )


@service.command("run")
@click.argument("name")
@click.option(
    "--instances",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="How many `nameko run` processes consume the service's queues (competing consumers).",
)
@click.option("--amqp-uri", default=None, help="RabbitMQ URI (default: env AMQP_URI, else local).")
@click.option(
    "--database-url",
    default=None,
    help="The service's database URL (default: the service's env var, else its config default).",
)
@services_dir_option
def run(
    name: str,
    instances: int,
    amqp_uri: str | None,
    database_url: str | None,
    services_dirs: tuple[Path, ...],
) -> None:
    """Run service NAME with `nameko run` until Ctrl-C or SIGTERM stops every instance."""
    package = find_services(services_dirs).find(name)
    check_requirements(package)
    command = nameko_command(package, amqp_uri=amqp_uri, database_url=database_url)
    check_broker(broker_uri(command, os.environ))

    def started(processes: list[ManagedProcess]) -> None:
        pids = ", ".join(str(process.pid) for process in processes)
        click.echo(
            f"running {len(processes)} instance(s) of {package.name} (pids {pids});"
            " Ctrl-C stops them",
            err=True,
        )

    run_instances(package.name, command, instances, on_started=started)


@click.command("reconcile")
@click.argument("name")
@from_url_option
@to_url_option
@click.option(
    "--table",
    "tables",
    multiple=True,
    help="Compare only this table (the monolith's name). Repeatable; default: all of them.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_SIZE,
    show_default=True,
    help="Rows per chunk compared by checksum.",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Copy the monolith's rows over the differing ones of tables the service does not own.",
)
@services_dir_option
@click.pass_context
def reconcile(
    ctx: click.Context,
    name: str,
    source_url: str,
    target_url: str | None,
    tables: tuple[str, ...],
    chunk_size: int,
    repair: bool,
    services_dirs: tuple[Path, ...],
) -> None:
    """Compare service NAME's copies with the monolith's tables, by primary key.

    Prints a summary per table and example differences; exits 1 if any row differs
    (after --repair: if any still does).
    """
    package = find_services(services_dirs).find(name)
    result = reconcile_service(
        package.manifest,
        source_url,
        target_url or package.database_url(os.environ),
        tables=tables,
        chunk_size=chunk_size,
        repair=repair,
    )
    click.echo(render(result))
    if result.unrepaired():
        ctx.exit(1)
