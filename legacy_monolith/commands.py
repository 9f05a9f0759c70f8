"""`strangler monolith ...`: seed the sample shop's database, serve it, run its order sagas."""

from __future__ import annotations

import click
from flask import Flask

from legacy_monolith.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_ORDER_SAGA,
    DEFAULT_SAGA_POLL_INTERVAL,
    DEFAULT_SAGA_STALE_AFTER,
    DEFAULT_SAGA_STEP_TIMEOUT,
    database_url_from_env,
)
from strangler.database import display_url, open_engine, resolve_database_url

DATABASE_URL_HELP = f"database to use [default: $DATABASE_URL, else {DEFAULT_DATABASE_URL}]"
AMQP_URI_HELP = "the broker the inventory service listens on [default: $AMQP_URI, else local]"


@click.group()
def monolith() -> None:
    """The sample legacy shop: fill its database, serve it."""


@monolith.command("seed")
@click.option("--database-url", default=None, help=DATABASE_URL_HELP)
@click.option("--products", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--users", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--orders", type=click.IntRange(min=0), default=500, show_default=True)
@click.option("--seed", "seed_value", type=int, default=42, show_default=True)
def seed_command(
    database_url: str | None, products: int, users: int, orders: int, seed_value: int
) -> None:
    """Drop and re-create the schema, then fill it with deterministic demo data."""
    from legacy_monolith.seed import seed_database

    summary = seed_database(
        database_url or database_url_from_env(),
        products=products,
        users=users,
        orders=orders,
        seed=seed_value,
    )
    click.echo(summary.line())


@monolith.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--database-url", default=None, help=DATABASE_URL_HELP)
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option(
    "--order-saga/--no-order-saga",
    envvar="ORDER_SAGA",
    default=DEFAULT_ORDER_SAGA,
    show_default=True,
    help="checkout reserves stock in the inventory service (docs/saga.md) [env: ORDER_SAGA]",
)
@click.option("--amqp-uri", default=None, help=AMQP_URI_HELP)
def serve_command(
    host: str,
    port: int,
    database_url: str | None,
    workers: int,
    order_saga: bool,
    amqp_uri: str | None,
) -> None:
    """Serve the shop with gunicorn (creates missing tables first; never the dev server)."""
    from legacy_monolith.app import create_app
    from legacy_monolith.schema import create_schema
    from strangler.wsgi_server import check_address, serve

    check_address(host, port)
    url = resolve_database_url(database_url or database_url_from_env())
    engine = open_engine(url, role="monolith database", connect=True)
    try:
        create_schema(engine)
    finally:
        engine.dispose()

    def load_app() -> Flask:
        return create_app({"DATABASE_URL": url, "ORDER_SAGA": order_saga, "AMQP_URI": amqp_uri})

    click.echo(f"monolith: http://{host}:{port} ({workers} workers, database {display_url(url)})")
    serve(load_app, host=host, port=port, workers=workers, name="legacy-monolith")


@monolith.command("saga-run")
@click.option("--database-url", default=None, help=DATABASE_URL_HELP)
@click.option("--amqp-uri", default=None, help=AMQP_URI_HELP)
@click.option(
    "--step-timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_SAGA_STEP_TIMEOUT,
    show_default=True,
    help="seconds to wait for each inventory answer",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.05),
    default=DEFAULT_SAGA_POLL_INTERVAL,
    show_default=True,
)
@click.option(
    "--stale-after",
    type=click.FloatRange(min=1.0),
    default=DEFAULT_SAGA_STALE_AFTER,
    show_default=True,
    help="seconds after which a saga its checkout left before the order existed is compensated",
)
def saga_run_command(
    database_url: str | None,
    amqp_uri: str | None,
    step_timeout: float,
    poll_interval: float,
    stale_after: float,
) -> None:
    """Finish the order sagas checkouts left running (docs/saga.md), until stopped."""
    from legacy_monolith.orders.saga_runner import run_saga_process
    from strangler.broker import amqp_uri_from_env
    from strangler.redaction import hide_password

    url = resolve_database_url(database_url or database_url_from_env())
    broker = amqp_uri or amqp_uri_from_env()
    click.echo(f"saga runner: database {display_url(url)}, broker {hide_password(broker)}")
    run_saga_process(
        url,
        broker,
        step_timeout=step_timeout,
        poll_interval=poll_interval,
        stale_after=stale_after,
    )
