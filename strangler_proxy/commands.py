"""`strangler proxy` and `strangler compare`: parse arguments, call the library, report."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from strangler.errors import UsageError
from strangler_proxy.isolation_settings import DEFAULT_THREADS
from strangler_proxy.routes_schema import schema_text
from strangler_proxy.slow_clients import BODY_RATE_GRACE

if TYPE_CHECKING:
    from collections.abc import Callable

    from strangler_proxy.admin import AdminAccess
    from strangler_proxy.slow_clients import SlowClientSettings

KEEPALIVE_SECONDS = 5  # an idle kept-alive connection (or one gone quiet mid-request) is closed
SERVERS = ("threads", "event-loop")  # --server: gunicorn's threaded worker, or one event loop

PROXY_HELP = f"""Run the strangler-fig proxy in front of the monolith.

Requests matching a route in the routes file go to a Nameko service (all of
them, a canary percentage, or as a shadow copy); everything else goes to the
monolith, exactly as the client sent it. The routes file is checked first and
re-read when it changes; a bad new file leaves the last good table in use.
With --state-dir, that table is kept there too, so that a worker gunicorn
starts again while the file is bad serves it rather than the table the proxy
started with.

Admin endpoints (/_strangler/health, /_strangler/routes, /_strangler/stats,
and /_strangler/metrics for Prometheus) are off unless asked for:
--admin-port serves them on 127.0.0.1 at that port; --admin-token (or
STRANGLER_ADMIN_TOKEN) also serves them on the public port, to requests with
`Authorization: Bearer <token>`, and then is needed on the admin port too.
Without a token, /_strangler/... on the public port goes to the monolith like
any other path. Stats and metrics add up every worker's counters.

Slow clients hold no thread: a connection gets one of a worker's --threads only
once its request head has arrived, with the first bytes of its body, within
--header-timeout seconds (then a 408, and the connection is closed); at most
--max-slow-clients connections per worker wait so at once (more get a 408 at
once). Each wait for more of a body then lasts at most --body-timeout seconds,
and a body must come at --min-body-rate bytes/s on average once the proxy has
waited {BODY_RATE_GRACE:g} s for it (else a 408: a client trickling its body
holds no thread for long). An idle kept-alive connection is closed after
{KEEPALIVE_SECONDS} s.

--server chooses how a worker serves its connections: `event-loop` (the
default: one event loop reads every connection and forwards plain requests to
the monolith itself, holding no thread; every other request goes to one of the
worker's --threads) or `threads` (gunicorn's threaded worker, every request on
a thread). Both behave the same to clients.

\b
Routes file (TOML), every key:
{schema_text()}
"""


@click.command(help=PROXY_HELP)
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
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per worker; one backend (a service, the monolith) may hold at most the"
    " routes file's `backend_max_share` of them, always one fewer than all.",
)
@click.option("--monolith", "monolith", metavar="URL", help="The monolith, over the file's.")
@click.option("--amqp-uri", "amqp_uri", metavar="URI", help="The broker, over the file's.")
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep the last good routes table here (made if missing).  [default: none]",
)
@click.option(
    "--admin-port",
    type=click.IntRange(1, 65535),
    help="Serve the admin endpoints on 127.0.0.1 at this port.  [default: off]",
)
@click.option(
    "--admin-token",
    envvar="STRANGLER_ADMIN_TOKEN",
    metavar="TOKEN",
    help="Bearer token for the admin endpoints; also serves them on the public port"
    " (prefer the variable: a command line is visible to other users).",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds a request's head (and its body's first bytes) may take to arrive.",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds each wait for more of a request's body may last.",
)
@click.option(
    "--min-body-rate",
    default=240.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help=f"Bytes/s a request's body must come at, on average, once it was waited for"
    f" {BODY_RATE_GRACE:g} s; 0: any rate.",
)
@click.option(
    "--max-slow-clients",
    default=256,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Connections per worker that may wait for their request to arrive at once.",
)
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default="event-loop",
    show_default=True,
    envvar="STRANGLER_PROXY_SERVER",
    help="How each worker serves its connections: threads, or one event loop.",
)
def proxy(
    routes_path: Path,
    host: str,
    port: int,
    workers: int,
    threads: int,
    monolith: str | None,
    amqp_uri: str | None,
    state_dir: Path | None,
    admin_port: int | None,
    admin_token: str | None,
    header_timeout: float,
    body_timeout: float,
    min_body_rate: float,
    max_slow_clients: int,
    server: str,
) -> None:
    from strangler.broker import amqp_uri_from_env
    from strangler.wsgi_server import check_address, serve
    from strangler_proxy.app import create_app
    from strangler_proxy.routes_file import RoutesFile, amqp_uri_problem, monolith_problem
    from strangler_proxy.slow_clients import SlowClientSettings
    from strangler_proxy.worker_metrics import metrics_directory

    for option, value, problem in (
        ("--monolith", monolith, monolith_problem),
        ("--amqp-uri", amqp_uri, amqp_uri_problem),
    ):
        reason = None if value is None else problem(value)
        if reason is not None:
            raise UsageError(f"{option} {reason}")
    admin = _admin_access(port, admin_port, admin_token)
    source = RoutesFile(
        routes_path.resolve(),
        monolith,
        amqp_uri,
        default_amqp_uri=amqp_uri_from_env(),
        state_dir=None if state_dir is None else _state_directory(state_dir),
        threads=threads,
    )
    table = source.load()
    admin_bind = () if admin_port is None else (("127.0.0.1", admin_port),)
    for address in ((host, port), *admin_bind):
        check_address(*address)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("pika").setLevel(logging.CRITICAL)  # its failures reach our log as ours
    click.echo(f"strangler proxy: {len(table.routes)} route(s), listening on http://{host}:{port}/")
    click.echo(_admin_banner(admin))
    with metrics_directory() as metrics_dir:
        serve(
            lambda: create_app(
                source,
                fallback_table=table,
                admin=admin,
                watch_sighup=True,
                metrics_dir=metrics_dir,
                body_timeout=body_timeout,
            ),
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            name="strangler-proxy",
            also_bind=admin_bind,
            transparent=True,
            settings={
                "worker_class": _worker_class(server)(
                    SlowClientSettings(
                        header_timeout=header_timeout,
                        max_waiting=max_slow_clients,
                        body_timeout=body_timeout,
                        min_body_rate=min_body_rate,
                    )
                ),
                "keepalive": KEEPALIVE_SECONDS,
            },
        )


def _worker_class(server: str) -> Callable[[SlowClientSettings], type]:
    """The gunicorn worker class maker for `--server`."""
    if server == "event-loop":
        from strangler_proxy.event_loop.worker import worker_class as event_loop_worker

        return event_loop_worker
    from strangler_proxy.server_worker import worker_class as threaded_worker

    return threaded_worker


def _admin_access(port: int, admin_port: int | None, token: str | None) -> AdminAccess:
    from strangler_proxy.admin import AdminAccess

    if admin_port == port:
        raise UsageError(f"--admin-port {admin_port} is the public --port; choose another")
    if token is not None and not re.fullmatch(r"[\x21-\x7e]{16,}", token):
        raise UsageError(
            "--admin-token must be at least 16 printable characters, without spaces",
            hint="e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`",
        )
    return AdminAccess(port=admin_port, token=token)


def _state_directory(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--state-dir {path}: cannot make it: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"--state-dir {path}: not writable by this user")
    return path.resolve()


def _admin_banner(admin: AdminAccess) -> str:
    where = [f"http://127.0.0.1:{admin.port}/_strangler/"] if admin.port else []
    if admin.token is not None:
        where.append("the public port with the bearer token")
    return "admin endpoints: " + (" and ".join(where) if where else "off")


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
