"""`strangler proxy` and `strangler compare`: parse arguments, call the library, report."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import click

from strangler.errors import UsageError

ROUTES_HELP = """Run the strangler-fig proxy in front of the monolith.

Requests matching a route in the routes file go to a Nameko service (all of
them, a canary percentage, or as a shadow copy); everything else goes to the
monolith. The routes file is checked first and re-read when it changes.

\b
Routes file (TOML):
  monolith = "http://127.0.0.1:8000"
  amqp_uri = "amqp://guest:guest@127.0.0.1:5672/"   # optional
  rpc_timeout = 5.0                                # optional, seconds
  [[route]]
  path = "/api/catalog/products/<int:product_id>"
  methods = ["GET"]                                # optional, default GET
  target = "catalog.get_product"
  mode = "canary"            # monolith | shadow | canary | service
  percent = 25               # canary only
  sticky = "cookie:session"  # canary only: cookie:<name> | header:<name> | ip
"""


@click.command(help=ROUTES_HELP)
@click.option(
    "--routes",
    "routes_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The routes file (TOML).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
def proxy(routes_path: Path, host: str, port: int, workers: int, threads: int) -> None:
    from strangler.wsgi_server import check_address, serve
    from strangler_proxy.app import create_app
    from strangler_proxy.routes_file import load_routes

    table = load_routes(routes_path)
    check_address(host, port)
    routes_path = routes_path.resolve()
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    click.echo(
        f"strangler proxy: {len(table.routes)} route(s) from {routes_path},"
        f" monolith {table.settings.monolith}"
    )
    click.echo(f"listening on http://{host}:{port}/")
    serve(
        lambda: create_app(routes_path, fallback_table=table, watch_sighup=True),
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        name="strangler-proxy",
    )


def _check_url(option: str, url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise UsageError(f"{option} must be an http:// or https:// URL, got {url!r}")
    return url


@click.command()
@click.option("--monolith", "monolith_url", required=True, help="Base URL of the monolith.")
@click.option("--proxy", "proxy_url", required=True, help="Base URL of the strangler proxy.")
@click.option(
    "--requests",
    "requests_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help='One request per line: "GET /path?q=1" or {"method", "path", "body", "headers"}.',
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="PATTERN",
    help='A noisy field path to ignore, glob-like (e.g. "*.generated_at"); repeatable.',
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1))
@click.pass_context
def compare(
    ctx: click.Context,
    monolith_url: str,
    proxy_url: str,
    requests_path: Path,
    ignore: tuple[str, ...],
    output_format: str,
    timeout: float,
) -> None:
    """Send the same requests to the monolith and through the proxy; report where they differ.

    Exit status: 0 if every request was served by the service and equal,
    1 otherwise, 2 for usage errors.
    """
    from strangler_proxy.compare import format_report, run_comparison
    from strangler_proxy.requests_file import load_requests

    requests = load_requests(requests_path)
    report = run_comparison(
        _check_url("--monolith", monolith_url),
        _check_url("--proxy", proxy_url),
        requests,
        ignore=ignore,
        timeout=timeout,
    )
    if output_format == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        click.echo(format_report(report))
    ctx.exit(0 if report.ok else 1)
