"""The catalog, strangled end to end: monolith, Nameko service and proxy as real processes.

The monolith (gunicorn), the catalog service (`nameko run` on the real broker)
and the proxy (gunicorn) run on free ports; every seeded product, unknown ids
and bad parameters go to the monolith directly and through the proxy's
service path, and must come back identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import urllib3

from extracted_services.catalog.backfill import backfill_catalog
from legacy_monolith.seed import seed_database
from strangler.processes import ManagedProcess, ProcessGroup, rpc_consumer_ready
from strangler_demo.catalog_requests import parity_request_lines, read_snapshot
from strangler_demo.stack import (
    START_TIMEOUT,
    RunningStack,
    StackConflict,
    StackDatabases,
    sqlite_databases,
    start_stack,
)
from strangler_proxy.compare import format_report, run_comparison
from strangler_proxy.requests_file import parse_requests

pytestmark = pytest.mark.rabbitmq

SEEDED_PRODUCTS = 400


@dataclass
class Stack:
    running: RunningStack
    databases: StackDatabases
    group: ProcessGroup
    processes: dict[str, ManagedProcess]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    databases = sqlite_databases(workdir)
    seed_database(databases.monolith_url, products=SEEDED_PRODUCTS, users=30, orders=40)
    backfill_catalog(databases.monolith_url, databases.catalog_url)
    with ProcessGroup(workdir / "logs") as group:
        running = start_stack(group, databases, amqp_uri=amqp_uri, workdir=workdir)
        processes = {process.name: process for process in group.processes}
        yield Stack(running, databases, group, processes)
    still_running = [name for name, process in processes.items() if process.running()]
    assert still_running == [], f"processes outlived the test: {still_running}"


@pytest.fixture
def catalog_service(stack: Stack) -> Iterator[ManagedProcess]:
    """The shared stack's catalog service, started again afterwards if the test stopped it."""
    service = stack.processes["catalog-service"]
    yield service
    if not service.running():
        restarted = stack.group.start(service.name, service.argv)
        restarted.wait_ready(rpc_consumer_ready(stack.running.amqp_uri, "catalog"), START_TIMEOUT)
        stack.processes[service.name] = restarted


def _get(url: str) -> tuple[int, str, dict[str, Any]]:
    response = urllib3.request("GET", url, redirect=False, retries=False, timeout=30)
    backend = response.headers.get("X-Strangler-Backend", "")
    return response.status, backend, json.loads(response.data)


def _product_ids(database_url: str, active: bool) -> list[int]:
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.text("SELECT id FROM products WHERE is_active = :active ORDER BY id"),
            {"active": active},
        )
        ids = [row[0] for row in rows]
    engine.dispose()
    return ids


def test_every_seeded_product_and_every_bad_input_answer_like_the_monolith(stack: Stack) -> None:
    snapshot = read_snapshot(stack.databases.monolith_url)
    assert len(snapshot.product_ids) == SEEDED_PRODUCTS
    lines = parity_request_lines(snapshot)

    report = run_comparison(
        stack.running.monolith_url, stack.running.proxy_url, parse_requests("\n".join(lines))
    )

    assert report.ok, format_report(report)
    assert report.compared == len(lines)


def test_the_service_path_gives_the_statuses_a_client_expects(stack: Stack) -> None:
    proxy = stack.running.proxy_url
    active = _product_ids(stack.databases.monolith_url, active=True)
    inactive = _product_ids(stack.databases.monolith_url, active=False)
    assert active and inactive, "the seed should hold active and inactive products"

    status, backend, body = _get(f"{proxy}/api/catalog/products/{active[0]}")
    assert (status, backend, body["id"]) == (200, "service", active[0])

    status, backend, body = _get(f"{proxy}/api/catalog/products/{inactive[0]}")
    assert (status, backend) == (404, "service")
    assert body == {"error": {"code": "not_found", "message": f"product {inactive[0]} not found"}}

    status, backend, body = _get(f"{proxy}/api/catalog/products?per_page=101")
    assert (status, backend) == (400, "service")
    assert body == {"error": {"code": "bad_request", "message": "per_page must be at most 100"}}

    status, backend, body = _get(f"{proxy}/api/catalog/products?per_page=5&page=2")
    assert (status, backend) == (200, "service")
    assert (body["page"], body["per_page"], len(body["items"])) == (2, 5, 5)
    assert body["total"] == len(active)


def test_routes_not_extracted_still_reach_the_monolith(stack: Stack) -> None:
    status, backend, body = _get(f"{stack.running.proxy_url}/healthz")
    assert (status, backend, body) == (200, "monolith", {"status": "ok"})


def test_a_second_stack_on_the_same_broker_is_refused(stack: Stack, tmp_path: Path) -> None:
    with ProcessGroup(tmp_path) as group:
        with pytest.raises(StackConflict, match="already consuming queue rpc-catalog"):
            start_stack(group, stack.databases, amqp_uri=stack.running.amqp_uri, workdir=tmp_path)
        assert group.processes == []


def test_a_stopped_service_falls_back_to_the_monolith_for_reads(
    stack: Stack, catalog_service: ManagedProcess
) -> None:
    product_id = _product_ids(stack.databases.monolith_url, active=True)[0]
    _, _, direct = _get(f"{stack.running.monolith_url}/api/catalog/products/{product_id}")

    catalog_service.stop()
    status, backend, body = _get(f"{stack.running.proxy_url}/api/catalog/products/{product_id}")

    assert status == 200
    assert backend.startswith("monolith; fallback=")
    assert body == direct
