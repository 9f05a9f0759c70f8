"""`strangler monolith ...`: seed the sample shop's database and serve it with gunicorn."""

from __future__ import annotations

import click
from flask import Flask

from legacy_monolith.settings import DEFAULT_DATABASE_URL, database_url_from_env
from strangler.database import display_url, open_engine, resolve_database_url

DATABASE_URL_HELP = f"database to use [default: $DATABASE_URL, else {DEFAULT_DATABASE_URL}]"


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
def serve_command(host: str, port: int, database_url: str | None, workers: int) -> None:
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
        return create_app({"DATABASE_URL": url})

    click.echo(f"monolith: http://{host}:{port} ({workers} workers, database {display_url(url)})")
    serve(load_app, host=host, port=port, workers=workers, name="legacy-monolith")
