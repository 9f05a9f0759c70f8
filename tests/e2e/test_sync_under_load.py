"""Change capture under load: the catalog service's copy stays right through a crash and a
broker that drops every connection.

Writers change the monolith's catalog concurrently for WORKLOAD_SECONDS (one run per
monolith database kind) while the relay and the catalog service run as real processes;
the service is killed (SIGKILL, its nameko process included) and started again once,
and RabbitMQ closes every connection once. Afterwards `reconcile` must find no
difference within 5 s, and a log kept by triggers in the service's database shows each
version written applied at most once, and any version not applied overtaken by a later
one of the same product.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from catalog_workload import CatalogWorkload, Written
from ci_rules import require_command
from faults import close_all_connections, kill_hard, sleep_until
from waiting import wait_until

from extracted_services.backfill.run import backfill_service
from extracted_services.discovery import find_services
from extracted_services.reconcile.run import reconcile_service
from legacy_monolith.seed import seed_database
from strangler.database import open_engine
from strangler.processes import ManagedProcess, ProcessGroup, rpc_consumer_ready
from strangler_demo.stack import START_TIMEOUT, start_relay, strangler_argv
from strangler_sync.broker import delete_service_queues, queue_backlog
from strangler_sync.install import install_service

pytestmark = pytest.mark.rabbitmq

WORKLOAD_SECONDS = 24.0  # benchmarks/sync_lag.py runs the full 60 s
KILL_AT, CLOSE_CONNECTIONS_AT = 6.0, 14.0  # seconds into the workload
WRITERS, TRANSACTIONS_PER_WRITER_SECOND = 4, 25.0
SEEDED_PRODUCTS = 120
RECONCILED_WITHIN = 5.0

# every write the applier makes to the copy of products, in the service's own database
APPLIED_LOG = (
    "CREATE TABLE applied_log (product_id INTEGER NOT NULL, price_cents INTEGER)",
    "CREATE TRIGGER log_insert AFTER INSERT ON catalog_products BEGIN"
    " INSERT INTO applied_log VALUES (NEW.id, NEW.price_cents); END",
    "CREATE TRIGGER log_update AFTER UPDATE ON catalog_products BEGIN"
    " INSERT INTO applied_log VALUES (NEW.id, NEW.price_cents); END",
    "CREATE TRIGGER log_delete AFTER DELETE ON catalog_products BEGIN"
    " INSERT INTO applied_log VALUES (OLD.id, NULL); END",
)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def monolith_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


def test_the_copy_is_exact_after_a_crash_and_lost_connections_under_load(
    monolith_url: str, amqp_uri: str, tmp_path: Path
) -> None:
    require_command("rabbitmqctl", "the broker itself closes every connection once")
    catalog = find_services().find("catalog")
    service_url = f"sqlite:///{tmp_path / 'catalog_service.sqlite3'}"
    seed_database(monolith_url, products=SEEDED_PRODUCTS, users=4, orders=3)
    backfill_service(catalog, monolith_url, service_url)
    execute(service_url, *APPLIED_LOG)
    monolith = open_engine(monolith_url)
    delete_service_queues(amqp_uri, catalog.name)  # nothing left by another test
    install_service(monolith, catalog, amqp_uri)
    workload = CatalogWorkload(
        monolith, list(range(1, SEEDED_PRODUCTS + 1)), WRITERS, TRANSACTIONS_PER_WRITER_SECOND
    )
    try:
        with ProcessGroup(tmp_path / "logs") as group:
            start_relay(group, monolith_url, amqp_uri)
            service = start_service(group, amqp_uri, service_url, "catalog-service")
            started = time.monotonic()
            workload.start()
            sleep_until(started + KILL_AT)
            kill_hard(service)
            start_service(group, amqp_uri, service_url, "catalog-service-restarted")
            sleep_until(started + CLOSE_CONNECTIONS_AT)
            close_all_connections(amqp_uri, "strangler sync load test")
            sleep_until(started + WORKLOAD_SECONDS)
            written = workload.stop()
            ended = time.monotonic()
            reconciled = wait_until(
                lambda: (
                    reconcile_service(catalog.manifest, monolith_url, service_url).unrepaired() == 0
                ),
                timeout=RECONCILED_WITHIN,
            )
            took = time.monotonic() - ended
            assert reconciled, f"differences remain {took:.1f}s after the last write"
            assert wait_until(lambda: queue_backlog(amqp_uri, catalog.name).waiting == 0)
            backlog = queue_backlog(amqp_uri, catalog.name)
    finally:
        monolith.dispose()
        delete_service_queues(amqp_uri, catalog.name)

    assert backlog.dead == 0
    assert written.transactions > WORKLOAD_SECONDS * WRITERS * TRANSACTIONS_PER_WRITER_SECOND / 3
    assert_each_version_applied_once(written, applied_log(service_url))


def assert_each_version_applied_once(written: Written, log: list[tuple[int, int | None]]) -> None:
    """At most once each; a version never applied was overtaken by a later one applied."""
    upserts = Counter((product, price) for product, price in log if price is not None)
    deletes = Counter(product for product, price in log if price is None)
    twice = [write for write, times in upserts.items() if times > 1]
    assert twice == [], f"applied more than once: {twice[:10]}"
    assert set(upserts) <= written.versions
    assert deletes == written.deleted  # a delete is never overtaken: applied once
    newest: dict[int, int] = {}
    for product, price in upserts:
        newest[product] = max(price, newest.get(product, price))
    not_applied = written.versions - set(upserts)
    overtaken = [
        (product, price)
        for product, price in not_applied
        if product in written.deleted or price < newest.get(product, price)
    ]
    assert sorted(not_applied) == sorted(overtaken)
    # the changes really travelled: at most a few were overtaken while in flight together
    assert len(not_applied) <= len(written.versions) // 20, (len(not_applied), len(upserts))


def start_service(
    group: ProcessGroup, amqp_uri: str, database_url: str, name: str
) -> ManagedProcess:
    process = group.start(
        name,
        strangler_argv(
            "service", "run", "catalog", "--amqp-uri", amqp_uri, "--database-url", database_url
        ),
    )
    process.wait_ready(rpc_consumer_ready(amqp_uri, "catalog"), START_TIMEOUT)
    return process


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def applied_log(url: str) -> list[tuple[int, int | None]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT product_id, price_cents FROM applied_log")
            return [(int(row[0]), None if row[1] is None else int(row[1])) for row in rows]
    finally:
        engine.dispose()
