"""`strangler demo`: the whole migration story on the embedded defaults.

Seed the monolith, backfill the hand-written catalog service, plan the split
(`strangler plan`), extract the planned reviews area into a generated service package
(`strangler extract --plan`) and backfill it, start monolith +
both services + the change relay + proxy as real processes, send a sample of traffic
through the proxy, show where each request went, edit a product in the monolith and
watch the catalog service answer the new price (`strangler sync`), move the reviews'
writes to the generated service and watch the monolith's admin report count a review
written there (`sync install --side service`, `sync apply`), prove parity for both, stop
everything.
"""

from __future__ import annotations

import shutil
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import click
import urllib3

from extracted_services.discovery import ServicePackage
from strangler.broker import amqp_uri_from_env
from strangler.database import open_engine
from strangler.processes import ProcessGroup, sigterm_as_interrupt
from strangler.redaction import hide_password
from strangler_demo.catalog_requests import parity_request_lines, read_snapshot
from strangler_demo.stack import (
    ExtractedService,
    RunningStack,
    StackDatabases,
    sqlite_databases,
    start_stack,
)

EXTRACTED_NAME = "shop_reviews"  # the generated service: the planned area owning `reviews`

SAMPLE_TRAFFIC: tuple[tuple[str, str], ...] = (
    ("GET", "/api/catalog/categories"),
    ("GET", "/api/catalog/products?per_page=3&sort=-price"),
    ("GET", "/api/catalog/products/1"),
    ("GET", "/api/catalog/products/999999"),
    ("GET", "/api/catalog/products?per_page=500"),
    ("GET", "/"),
    ("GET", "/products/1"),
    ("GET", "/login"),
    ("GET", "/api/inventory/stock/1"),
    ("GET", "/api/reviews/product/1"),
    ("GET", "/api/shipping/rates"),
    ("GET", "/api/accounts/me"),
    ("GET", "/no/such/page"),
)


@dataclass(frozen=True)
class TrafficResult:
    method: str
    path: str
    status: int
    backend: str
    route: str


def send_sample_traffic(proxy_url: str) -> list[TrafficResult]:
    """Send SAMPLE_TRAFFIC through the proxy; record status and where it went."""
    pool = urllib3.PoolManager(retries=False)
    results = []
    for method, path in SAMPLE_TRAFFIC:
        response = pool.request(method, proxy_url + path, redirect=False, timeout=30)
        results.append(
            TrafficResult(
                method=method,
                path=path,
                status=response.status,
                backend=response.headers.get("X-Strangler-Backend", "?"),
                route=response.headers.get("X-Strangler-Route", "(forwarded)"),
            )
        )
    pool.clear()
    return results


def format_traffic(results: list[TrafficResult]) -> str:
    width = max(len(f"{r.method} {r.path}") for r in results)
    lines = [f"{'request':<{width}}  status  backend    route"]
    for r in results:
        request = f"{r.method} {r.path}"
        lines.append(f"{request:<{width}}  {r.status:>6}  {r.backend:<9}  {r.route}")
    return "\n".join(lines)


def _step(message: str) -> None:
    click.secho(f"==> {message}", fg="cyan", err=True)


def _prepare(
    workdir: Path, products: int, users: int, orders: int, amqp_uri: str
) -> StackDatabases:
    from extracted_services.backfill.run import backfill_service
    from extracted_services.discovery import find_services
    from legacy_monolith.seed import seed_database

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    databases = sqlite_databases(workdir)
    _step(f"seeding the monolith ({products} products, {users} users, {orders} orders)")
    seeded = seed_database(databases.monolith_url, products=products, users=users, orders=orders)
    click.echo(f"    {seeded.line()}")
    catalog = find_services().find("catalog")
    tables = ", ".join(str(table) for table in catalog.manifest.tables)
    _step(f"backfilling the catalog service's own database ({catalog.name}/service.toml: {tables})")
    summary = backfill_service(catalog, databases.monolith_url, databases.catalog_url)
    click.echo(f"    {summary.describe()}")
    _install_capture(catalog, databases.monolith_url, amqp_uri)
    return databases


def _install_capture(package: ServicePackage, monolith_url: str, amqp_uri: str) -> None:
    """`strangler sync install NAME` on the fresh monolith, over an earlier demo's queues."""
    from strangler_sync.broker import delete_service_queues
    from strangler_sync.install import install_service

    _step(f"capturing the monolith's changes for {package.name} (strangler sync install)")
    # an earlier demo's changes would be of another monolith database: they go first
    delete_service_queues(amqp_uri, package.name)
    engine = open_engine(monolith_url, role="monolith database", must_exist=True)
    try:
        report = install_service(engine, package, amqp_uri)
    finally:
        engine.dispose()
    click.echo("\n".join(f"    {line}" for line in report.lines()))


def _show_sync(stack: RunningStack) -> None:
    from strangler_demo.sync_step import edit_and_watch

    _step(
        "a change made in the monolith reaches the catalog service's own database"
        " (capture -> relay -> RabbitMQ -> the service's change applier)"
    )
    click.echo("\n".join(f"    {line}" for line in edit_and_watch(stack.proxy_url).lines()))


def _show_moved_writes(stack: RunningStack) -> None:
    from strangler_demo.moved_writes import write_and_watch

    _step(
        f"a write moved to {EXTRACTED_NAME} reaches the monolith's own admin report"
        " (capture in the service's database -> its relay -> RabbitMQ -> strangler sync apply)"
    )
    click.echo("\n".join(f"    {line}" for line in write_and_watch(stack.proxy_url).lines()))


def _extract_reviews(workdir: Path, monolith_db_url: str, amqp_uri: str) -> ExtractedService:
    """`strangler plan` on the monolith, `strangler extract --plan` of the planned area that
    owns the reviews, its generic backfill, and change capture for it too (its package says
    `sync = true`)."""
    import legacy_monolith
    from extracted_services.backfill.run import backfill_service
    from extracted_services.discovery import find_services
    from extractor.usecases import ExtractRequest, extract_service
    from strangler_demo.plan_step import plan_sample

    services_dir = workdir / "services"
    source = Path(legacy_monolith.__file__).parent
    _step(f"planning the split of the monolith (strangler plan {source.name})")
    planned = plan_sample(source, workdir)
    click.echo("\n".join(f"    {line}" for line in planned.lines))
    click.echo(
        f"    the whole plan: {planned.page_path} (open it in a browser), {planned.report_path}"
        f" (and {planned.plan_path.name})"
    )
    _step(
        f"extracting the planned `{planned.area}` area into a generated service package"
        f" (strangler extract {source.name} --plan {planned.plan_path.name}"
        f" --area {planned.area} --service {EXTRACTED_NAME})"
    )
    result = extract_service(
        ExtractRequest(
            source=source,
            service=EXTRACTED_NAME,
            into=services_dir,
            plan=planned.plan_path,
            area=planned.area,
            database_url=monolith_db_url,
        )
    )
    click.echo(
        f"    {result.directory}: {result.routes} routes, {len(result.files)} files (the"
        f" monolith's own code, {len(result.dropped_functions)} views of other routes left out)"
    )
    package = find_services([services_dir]).find(EXTRACTED_NAME)
    tables = ", ".join(str(table) for table in package.manifest.tables)
    _step(f"backfilling {EXTRACTED_NAME}'s own database (generic copy: {tables})")
    database_url = f"sqlite:///{workdir / (EXTRACTED_NAME + '.sqlite3')}"
    click.echo(f"    {backfill_service(package, monolith_db_url, database_url).describe()}")
    _install_capture(package, monolith_db_url, amqp_uri)
    _move_writes(services_dir, database_url, amqp_uri)
    return ExtractedService(EXTRACTED_NAME, services_dir, database_url, sends_back=True)


def _move_writes(services_dir: Path, database_url: str, amqp_uri: str) -> None:
    """docs/moving-writes.md step 2 (nothing writes reviews yet, so nothing to drain): the
    service owns `reviews`, and capture in its database sends its writes back."""
    from extracted_services.discovery import find_services
    from strangler_demo.moved_writes import OWNED_TABLE, own_table
    from strangler_sync.install import install_service

    _step(
        f'moving the writes of `{OWNED_TABLE}` to {EXTRACTED_NAME}: owns = ["{OWNED_TABLE}"]'
        f" in its service.toml, capture in its database (strangler sync install"
        f" {EXTRACTED_NAME} --side service)"
    )
    own_table(services_dir / EXTRACTED_NAME)
    package = find_services([services_dir]).find(EXTRACTED_NAME)
    engine = open_engine(database_url, role="service database", must_exist=True)
    try:
        report = install_service(engine, package, amqp_uri, side="service")
    finally:
        engine.dispose()
    click.echo("\n".join(f"    {line}" for line in report.lines()))


def _show_parity(
    stack: RunningStack,
    monolith_db_url: str,
    parity_products: int,
    extracted: ExtractedService,
) -> bool:
    from strangler_proxy.compare import format_report, run_comparison
    from strangler_proxy.requests_file import parse_requests

    snapshot = read_snapshot(monolith_db_url).spread_sample(parity_products)
    lines = parity_request_lines(snapshot)
    _step(f"comparing {len(lines)} catalog requests: monolith directly vs proxy -> catalog service")
    catalog = run_comparison(
        stack.monolith_url, stack.proxy_url, parse_requests("\n".join(lines), "demo")
    )
    click.echo(format_report(catalog))
    generated = extracted.services_dir / extracted.name / "parity-requests.txt"
    requests = parse_requests(generated.read_text(encoding="utf-8"), str(generated))
    _step(
        f"comparing {len(requests)} {extracted.name} requests (its generated"
        f" parity-requests.txt): monolith directly vs proxy -> {extracted.name}"
    )
    reviews = run_comparison(stack.monolith_url, stack.proxy_url, requests)
    click.echo(format_report(reviews))
    return catalog.ok and reviews.ok


def _wait_forever(stack: RunningStack, workdir: Path) -> None:
    click.echo(
        f"\nThe stack is up (Ctrl-C stops it):\n"
        f"  proxy     {stack.proxy_url}\n"
        f"  admin     {stack.admin_url}   (try {stack.admin_url}/_strangler/routes)\n"
        f"  monolith  {stack.monolith_url}\n"
        f"  broker    {hide_password(stack.amqp_uri)}\n"
        f"  routes    {stack.routes_path}   (the proxy's --monolith, --amqp-uri win over it)\n"
        f"  logs      {workdir / 'logs'}"
    )
    while True:
        time.sleep(3600)


@click.command()
@click.option("--keep-running", is_flag=True, help="Leave the stack up and print its URLs.")
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="Where databases, the routes file and logs go (wiped first).",
)
@click.option("--products", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--users", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--orders", type=click.IntRange(min=0), default=500, show_default=True)
@click.option(
    "--parity-products",
    type=click.IntRange(min=1),
    default=400,
    show_default=True,
    help="How many products (evenly spread) the parity check requests one by one.",
)
def demo(
    keep_running: bool, workdir: Path, products: int, users: int, orders: int, parity_products: int
) -> None:
    """Strangle the sample monolith's catalog (hand-written service) and its reviews area
    (generated by `strangler extract`), and prove both still answer the same."""
    amqp_uri = amqp_uri_from_env()
    workdir = workdir.resolve()
    databases = _prepare(workdir, products, users, orders, amqp_uri)
    extracted = _extract_reviews(workdir, databases.monolith_url, amqp_uri)
    with sigterm_as_interrupt(), ProcessGroup(workdir / "logs") as group:
        _step(
            f"starting monolith (gunicorn), catalog and {extracted.name} services (nameko run),"
            f" the change relays of both databases (strangler sync run), {extracted.name}'s"
            " writes back into the monolith (strangler sync apply) and proxy (gunicorn)"
        )
        stack = start_stack(
            group,
            databases,
            amqp_uri=amqp_uri,
            workdir=workdir,
            extracted=(extracted,),
            relay=True,
        )
        _step("sample traffic through the proxy")
        click.echo(format_traffic(send_sample_traffic(stack.proxy_url)))
        _show_sync(stack)
        _show_moved_writes(stack)
        parity_ok = _show_parity(stack, databases.monolith_url, parity_products, extracted)
        if keep_running:
            with suppress(KeyboardInterrupt):
                _wait_forever(stack, workdir)
        _step("stopping every process")
    if not parity_ok:
        raise click.ClickException("parity check failed: see the report above")
    _step(
        "done: the catalog is served by its own Nameko service, kept in step with the"
        " monolith by change capture, the reviews area (planned by strangler plan) by a"
        " package strangler extract generated, which now owns the reviews' writes and sends"
        " them back to the monolith; both with parity"
    )
