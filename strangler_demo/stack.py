"""The worked migration as running processes: monolith, catalog service and proxy.

Used by `strangler demo` and by the end-to-end tests, so both exercise the same
real stack: gunicorn-served monolith, `nameko run` catalog service on RabbitMQ,
gunicorn-served proxy in front, all on free ports, all stopped by the group.
Packages made by `strangler extract` can join it: each runs as its own service and
its routes go to it (service mode); one that owns tables also gets its database's relay
and `strangler sync apply`, so its writes reach the monolith. With `relay`, the change
relay (`strangler sync run`) runs beside them, publishing what capture (installed
beforehand) records in the monolith's database.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from strangler.errors import StranglerError
from strangler.processes import (
    ManagedProcess,
    ProcessGroup,
    free_port,
    http_ok,
    rpc_consumer_ready,
)
from strangler_demo.routes import service_mode_routes

REPOSITORY = Path(__file__).resolve().parents[1]
CATALOG_ROUTES_TEMPLATE = REPOSITORY / "extracted_services" / "catalog" / "routes.toml"
START_TIMEOUT = 60.0
RELAY_POLL_SECONDS = 0.05  # the demo shows an edit arriving: look at the change table often
RELAY_READY_LINE = "relay: publishing changes"
APPLY_READY_LINE = "apply: "


def strangler_argv(*args: str) -> list[str]:
    """Run the `strangler` CLI of this interpreter as a child process."""
    return [sys.executable, "-m", "strangler_cli", *args]


class StackConflict(StranglerError):
    """Another catalog service already answers on this broker."""


@dataclass(frozen=True)
class StackDatabases:
    monolith_url: str
    catalog_url: str


@dataclass(frozen=True)
class ExtractedService:
    """A generated service package in `services_dir`, over its own database; with
    `sends_back`, it owns tables whose writes flow back to the monolith (capture installed
    in its database): the stack runs that database's relay and `strangler sync apply`."""

    name: str
    services_dir: Path
    database_url: str
    sends_back: bool = False


@dataclass(frozen=True)
class RunningStack:
    monolith_url: str
    proxy_url: str
    admin_url: str  # the proxy's admin endpoints, on a loopback port of their own
    routes_path: Path
    amqp_uri: str


def sqlite_databases(workdir: Path) -> StackDatabases:
    """Default embedded databases: one SQLite file each under `workdir`."""
    return StackDatabases(
        monolith_url=f"sqlite:///{workdir / 'monolith.sqlite3'}",
        catalog_url=f"sqlite:///{workdir / 'catalog_service.sqlite3'}",
    )


def start_stack(
    group: ProcessGroup,
    databases: StackDatabases,
    *,
    amqp_uri: str,
    workdir: Path,
    extracted: tuple[ExtractedService, ...] = (),
    relay: bool = False,
) -> RunningStack:
    """Start monolith, catalog service, the `extracted` services, the relay (with `relay`)
    and the proxy; return once all answer."""
    if rpc_consumer_ready(amqp_uri, "catalog")():
        raise StackConflict(
            f"a catalog service is already consuming queue rpc-catalog on {amqp_uri};"
            " two services over different databases would take turns answering",
            hint="stop the other one (another `strangler demo --keep-running`?)"
            " or set AMQP_URI to another vhost",
        )
    monolith_port, proxy_port, admin_port = free_port(), free_port(), free_port()
    monolith_url = f"http://127.0.0.1:{monolith_port}"
    monolith = group.start(
        "monolith",
        strangler_argv(
            "monolith",
            "serve",
            "--port",
            str(monolith_port),
            "--database-url",
            databases.monolith_url,
            "--workers",
            "1",
        ),
    )
    catalog = group.start(
        "catalog-service",
        strangler_argv(
            "service",
            "run",
            "catalog",
            "--amqp-uri",
            amqp_uri,
            "--database-url",
            databases.catalog_url,
        ),
    )
    services = [
        group.start(
            service.name,
            strangler_argv(
                "service",
                "run",
                service.name,
                "--services-dir",
                str(service.services_dir),
                "--amqp-uri",
                amqp_uri,
                "--database-url",
                service.database_url,
            ),
        )
        for service in extracted
    ]
    if relay:
        start_relay(group, databases.monolith_url, amqp_uri)
    for service in extracted:
        if service.sends_back:
            start_relay(group, service.database_url, amqp_uri, source=service.name)
            start_apply(group, service, databases.monolith_url, amqp_uri)
    monolith.wait_ready(http_ok(f"{monolith_url}/healthz"), START_TIMEOUT)
    catalog.wait_ready(rpc_consumer_ready(amqp_uri, "catalog"), START_TIMEOUT)
    for service, process in zip(extracted, services, strict=True):
        process.wait_ready(rpc_consumer_ready(amqp_uri, service.name), START_TIMEOUT)

    # a copy the tests may rewrite; the command line points it at this stack
    routes_path = Path(shutil.copyfile(CATALOG_ROUTES_TEMPLATE, workdir / "routes.toml"))
    with routes_path.open("a", encoding="utf-8") as routes:
        for service in extracted:
            routes.write(f"\n# {service.name}, made by `strangler extract`\n")
            generated = service.services_dir / service.name / "routes.toml"
            routes.write(service_mode_routes(generated, owns_writes=service.sends_back))
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    admin_url = f"http://127.0.0.1:{admin_port}"
    proxy = group.start(
        "proxy",
        strangler_argv(
            "proxy",
            "--routes",
            str(routes_path),
            "--monolith",
            monolith_url,
            "--amqp-uri",
            amqp_uri,
            "--port",
            str(proxy_port),
            "--admin-port",
            str(admin_port),
            "--workers",
            "1",
        ),
    )
    proxy.wait_ready(http_ok(f"{admin_url}/_strangler/health"), START_TIMEOUT)
    return RunningStack(
        monolith_url=monolith_url,
        proxy_url=proxy_url,
        admin_url=admin_url,
        routes_path=routes_path,
        amqp_uri=amqp_uri,
    )


def start_relay(
    group: ProcessGroup,
    database_url: str,
    amqp_uri: str,
    *,
    poll_seconds: float = RELAY_POLL_SECONDS,
    source: str = "monolith",
) -> ManagedProcess:
    """`strangler sync run` on a database with capture installed (the monolith's, or a
    service's, whose changes go back as `source`), once it relays."""
    process = group.start(
        "relay" if source == "monolith" else f"relay-{source}",
        strangler_argv(
            "sync",
            "run",
            "--database-url",
            database_url,
            "--amqp-uri",
            amqp_uri,
            "--poll-interval",
            str(poll_seconds),
            "--source",
            source,
        ),
    )
    process.wait_ready(
        lambda: process.log_path is None or RELAY_READY_LINE in process.log_tail(), START_TIMEOUT
    )
    return process


def start_apply(
    group: ProcessGroup, service: ExtractedService, monolith_url: str, amqp_uri: str
) -> ManagedProcess:
    """`strangler sync apply`: `service`'s own writes into the monolith's database."""
    process = group.start(
        f"apply-{service.name}",
        strangler_argv(
            "sync",
            "apply",
            service.name,
            "--to-url",
            monolith_url,
            "--amqp-uri",
            amqp_uri,
            "--services-dir",
            str(service.services_dir),
        ),
    )
    process.wait_ready(
        lambda: process.log_path is None or APPLY_READY_LINE in process.log_tail(), START_TIMEOUT
    )
    return process
