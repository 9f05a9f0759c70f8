"""`strangler service ...`: list, backfill and run the extracted Nameko services."""

from __future__ import annotations

import os

import click

from extracted_services.launcher import broker_uri, check_broker, exec_command, nameko_command
from extracted_services.registry import (
    MONOLITH_DATABASE_ENV,
    MONOLITH_DEFAULT_DATABASE_URL,
    SERVICES,
    find_service,
)


@click.group("service")
def service() -> None:
    """Run the extracted Nameko services and fill their databases from the monolith."""


@service.command("list")
def list_services() -> None:
    """Show the services this repository carries."""
    for spec in SERVICES.values():
        click.echo(f"{spec.name}\t{spec.description}\t(database: ${spec.database_env})")


@service.command("backfill")
@click.argument("name")
@click.option(
    "--from-url",
    "source_url",
    envvar=MONOLITH_DATABASE_ENV,
    default=MONOLITH_DEFAULT_DATABASE_URL,
    show_default=True,
    help=f"The monolith's database URL (env {MONOLITH_DATABASE_ENV}).",
)
@click.option(
    "--to-url",
    "target_url",
    default=None,
    help="The service's database URL (default: the service's env var, else its config default).",
)
def backfill(name: str, source_url: str, target_url: str | None) -> None:
    """Copy the monolith's data for service NAME into the service's own database."""
    spec = find_service(name)
    summary = spec.backfill()(source_url, target_url or spec.database_url(os.environ))
    click.echo(
        f"backfilled {spec.name}: {summary.describe()}\n"
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
@click.option("--amqp-uri", default=None, help="RabbitMQ URI (default: env AMQP_URI, else local).")
@click.option(
    "--database-url",
    default=None,
    help="The service's database URL (default: the service's env var, else its config default).",
)
def run(name: str, amqp_uri: str | None, database_url: str | None) -> None:
    """Run service NAME with `nameko run` (this process becomes the service)."""
    spec = find_service(name)
    command = nameko_command(spec, amqp_uri=amqp_uri, database_url=database_url)
    check_broker(broker_uri(command, os.environ))
    exec_command(command)
