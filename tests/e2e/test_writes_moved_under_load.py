"""An area's writes moved to its service, under a 60-second mixed load with a crash and a
broker that drops every connection (issue 14's proof).

The sample monolith (SQLite) has its reviews area extracted by `strangler extract` into a
generated service with a PostgreSQL database, moved as docs/moving-writes.md says: the
forward flow first, then `owns = ["reviews"]` and the reverse flow (capture in the
service's database, its relay, `sync apply`), then the review routes in service mode with
the monolith's review writes held (the proxy falls a write back to the monolith when the
service never got it: held, the monolith answers 503 instead of writing a table it no
longer owns). Customers create and delete reviews through the proxy (to the service)
while the admin edits prices through a monolith route (products, which the service
copies); the service is killed once (SIGKILL) and started again, and RabbitMQ closes
every connection once. `users.last_seen_at`, stamped on every logged-in request, is
written both ways by row: the service stamps the customers (sent back, `writes_foreign`),
the monolith the admin.

Afterwards, within 5 s, `reconcile` finds every table equal (a table's comparison goes
both ways: rows missing from the copy, extra in it, different), and it is counted, by
triggers the toolkit knows nothing of and by the relays' and `sync apply`'s totals, that
every write answered 2xx arrived once, none twice, and that nothing came back.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from ci_rules import require_command
from click.testing import CliRunner
from faults import close_all_connections, kill_hard, sleep_until
from process_logs import stopped_line
from review_workload import TITLE_PREFIX, Outcomes, ShopWorkload
from waiting import wait_until

from extracted_services.backfill.run import backfill_service
from extracted_services.discovery import find_services
from extracted_services.reconcile.run import reconcile_service
from legacy_monolith.seed import ADMIN_EMAIL, ADMIN_PASSWORD, seed_database
from strangler.nameko_rpc import CONSUMER_CHECK_SECONDS
from strangler.processes import (
    ManagedProcess,
    ProcessGroup,
    free_port,
    http_ok,
    rpc_consumer_ready,
)
from strangler_cli import cli
from strangler_demo.routes import service_mode_routes
from strangler_demo.stack import START_TIMEOUT, strangler_argv
from strangler_proxy.route_table import DEFAULT_RPC_TIMEOUT
from strangler_sync.broker import delete_service_queues, queue_backlog

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
HELD_MONOLITH = ROOT / "tests" / "support" / "held_monolith.py"
NAME, BLUEPRINT, OWNED = "shop_reviews", "reviews", "reviews"
MOVED_WRITES = "/api/reviews/"  # the path prefix of the review routes, held in the monolith
WORKLOAD_SECONDS = 60.0
KILL_AT, CLOSE_CONNECTIONS_AT = 15.0, 35.0  # seconds into the workload
# how long the killed service stays down: the first write of each client after the kill
# may pass a consumer check made just before it (trusted CONSUMER_CHECK_SECONDS) and wait
# in the queue, holding that client, until it expires unapplied at the call's timeout;
# the service stays down past that, so the clients' next writes find no consumer and are
# held back (503) rather than queued for the restarted service
DOWN_SECONDS = DEFAULT_RPC_TIMEOUT + CONSUMER_CHECK_SECONDS + 2.0
CUSTOMERS = 6  # seeded user1..user6, one client each, and one admin client
PAUSE = 0.05  # seconds each client waits between requests
PRODUCTS = 120
RECONCILED_WITHIN = 5.0

# the monolith's reviews table, written only by `sync apply` once the service owns it
REVIEWS_LOG = (
    "CREATE TABLE reviews_log (review_id INTEGER NOT NULL, operation TEXT NOT NULL)",
    *(
        f"CREATE TRIGGER reviews_log_{operation} AFTER {operation} ON reviews BEGIN"
        f" INSERT INTO reviews_log VALUES ({row}.id, '{operation}'); END"
        for operation, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))
    ),
)
# the service's copy of products, written only by its applier
PRICES_LOG = (
    "CREATE TABLE prices_log (product_id INTEGER NOT NULL, price_cents INTEGER NOT NULL)",
    "CREATE FUNCTION log_price() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " INSERT INTO prices_log VALUES (NEW.id, NEW.price_cents); RETURN NULL; END $$",
    "CREATE TRIGGER prices_log AFTER INSERT OR UPDATE ON products"
    " FOR EACH ROW EXECUTE FUNCTION log_price()",
)


@dataclass
class Stack:
    amqp_uri: str
    services: Path
    monolith_db: str
    service_db: str
    proxy_url: str
    group: ProcessGroup
    service: ManagedProcess
    relays: tuple[ManagedProcess, ManagedProcess]  # the monolith's, the service's
    apply: ManagedProcess


def strangler(*args: str, exit_code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == exit_code, result.output
    return result.output


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def unpublished(url: str) -> int:
    return int(rows(url, "SELECT count(*) FROM strangler_changes")[0][0])


def own_reviews(services: Path) -> None:
    """Flip `owns` in the generated manifest: the service owns reviews, still sends users back."""
    manifest = services / NAME / "service.toml"
    text = manifest.read_text()
    assert 'writes_foreign = ["reviews", "users"]' in text  # as generated
    text = text.replace('writes_foreign = ["reviews", "users"]', 'writes_foreign = ["users"]')
    manifest.write_text(text.replace("owns = []", f'owns = ["{OWNED}"]'))


def start_service(
    group: ProcessGroup, name: str, amqp_uri: str, services: Path, service_db: str
) -> ManagedProcess:
    process = group.start(
        name,
        strangler_argv(
            *("service", "run", NAME, "--services-dir", str(services)),
            *("--amqp-uri", amqp_uri, "--database-url", service_db),
        ),
    )
    process.wait_ready(rpc_consumer_ready(amqp_uri, NAME), START_TIMEOUT)
    return process


def back_queue_consumed(amqp_uri: str) -> bool:
    return queue_backlog(amqp_uri, NAME, back=True).consumers > 0


@pytest.fixture
def stack(tmp_path: Path, amqp_uri: str, postgres_url: str) -> Iterator[Stack]:
    require_command("rabbitmqctl", "the broker itself closes every connection once")
    services, service_db = tmp_path / "services", postgres_url
    monolith_db = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    seed_database(monolith_db, products=PRODUCTS, users=20, orders=30)
    strangler(
        *("extract", str(ROOT / "legacy_monolith"), "--service", NAME, "--blueprint", BLUEPRINT),
        *("--into", str(services), "--database-url", monolith_db),
    )
    backfill_service(find_services([services]).find(NAME), monolith_db, service_db)
    execute(monolith_db, *REVIEWS_LOG)
    execute(service_db, *PRICES_LOG)
    where = ("--amqp-uri", amqp_uri, "--services-dir", str(services))
    fast = ("--poll-interval", "0.1")
    delete_service_queues(amqp_uri, NAME)
    try:
        with ProcessGroup(tmp_path / "logs") as group:
            # before: the forward flow keeps every copy fresh
            strangler("sync", "install", NAME, "--database-url", monolith_db, *where)
            monolith_relay = group.start(
                "monolith-relay",
                strangler_argv("sync", "run", "--database-url", monolith_db, *where[:2], *fast),
            )
            service = start_service(group, "service", amqp_uri, services, service_db)
            # 1. drained: nothing in flight, and both sides hold the same reviews
            assert unpublished(monolith_db) == 0
            strangler(
                *("reconcile", NAME, "--table", OWNED, "--from-url", monolith_db),
                *("--to-url", service_db, "--services-dir", str(services)),
            )
            # 2. flip `owns`, start the reverse flow
            own_reviews(services)
            installed = strangler(
                *("sync", "install", NAME, "--side", "service"),
                *("--database-url", service_db, *where),
            )
            assert f"queue sync-back-{NAME} bound to reviews, users" in installed, installed
            service_relay = group.start(
                "service-relay",
                strangler_argv(
                    *("sync", "run", "--database-url", service_db, *where[:2], *fast),
                    *("--source", NAME),
                ),
            )
            apply = group.start(
                "apply", strangler_argv("sync", "apply", NAME, "--to-url", monolith_db, *where)
            )
            apply.wait_ready(lambda: back_queue_consumed(amqp_uri), START_TIMEOUT)
            # 3. the routes: review writes to the service, held in the monolith
            monolith_port, proxy_port, admin_port = free_port(), free_port(), free_port()
            monolith_url = f"http://127.0.0.1:{monolith_port}"
            monolith = group.start(
                "held-monolith",
                [sys.executable, str(HELD_MONOLITH), str(monolith_port), monolith_db, MOVED_WRITES],
            )
            monolith.wait_ready(http_ok(f"{monolith_url}/healthz"), START_TIMEOUT)
            routes = tmp_path / "routes.toml"
            routes.write_text(
                'monolith = "http://127.0.0.1:1"\n'  # the command line names the real one
                + service_mode_routes(services / NAME / "routes.toml", owns_writes=True)
            )
            proxy = group.start(
                "proxy",
                strangler_argv(
                    *("proxy", "--routes", str(routes), "--monolith", monolith_url),
                    *("--amqp-uri", amqp_uri, "--port", str(proxy_port)),
                    *("--admin-port", str(admin_port), "--workers", "1"),
                ),
            )
            proxy.wait_ready(
                http_ok(f"http://127.0.0.1:{admin_port}/_strangler/health"), START_TIMEOUT
            )
            yield Stack(
                amqp_uri,
                services,
                monolith_db,
                service_db,
                f"http://127.0.0.1:{proxy_port}",
                group,
                service,
                (monolith_relay, service_relay),
                apply,
            )
    finally:
        delete_service_queues(amqp_uri, NAME)


def test_moved_writes_cross_once_under_load_with_a_crash_and_lost_connections(
    stack: Stack,
) -> None:
    customers = [(f"user{n}@example.com", f"password{n}") for n in range(1, CUSTOMERS + 1)]
    workload = ShopWorkload(
        stack.proxy_url,
        customers,
        (ADMIN_EMAIL, ADMIN_PASSWORD),
        list(range(1, PRODUCTS + 1)),
        PAUSE,
    )
    started = time.monotonic()
    workload.start()
    sleep_until(started + KILL_AT)
    kill_hard(stack.service)
    time.sleep(DOWN_SECONDS)
    start_service(
        stack.group, "service-restarted", stack.amqp_uri, stack.services, stack.service_db
    )
    sleep_until(started + CLOSE_CONNECTIONS_AT)
    close_all_connections(stack.amqp_uri, "strangler moved writes load test")
    sleep_until(started + WORKLOAD_SECONDS)
    outcomes = workload.stop()
    ended = time.monotonic()

    manifest = find_services([stack.services]).find(NAME).manifest
    reconciled = wait_until(
        lambda: reconcile_service(manifest, stack.monolith_db, stack.service_db).unrepaired() == 0,
        timeout=RECONCILED_WITHIN,
    )
    took = time.monotonic() - ended
    assert reconciled, f"differences remain {took:.1f}s after the last write"
    report = strangler(
        *("reconcile", NAME, "--from-url", stack.monolith_db, "--to-url", stack.service_db),
        *("--services-dir", str(stack.services)),
    )
    assert f"reconcile {NAME}: 4 tables, 0 with differences" in report, report

    # drained both ways, and nothing comes back: no change left to publish, none waiting
    assert wait_until(lambda: drained(stack)), stack.apply.log_tail()
    time.sleep(1.0)  # room for a loop to show: the relays poll every 0.1s
    assert unpublished(stack.monolith_db) == unpublished(stack.service_db) == 0
    strangler(
        *("sync", "check-ownership", "--database-url", stack.monolith_db),
        *("--services-dir", str(stack.services)),
    )

    assert_workload_ran(outcomes)
    assert_each_review_write_arrived_once(stack.monolith_db, outcomes)
    assert_each_price_applied_at_most_once(stack.service_db, outcomes)
    assert_counted_once_each_way(stack, outcomes)
    for back in (False, True):
        backlog = queue_backlog(stack.amqp_uri, NAME, back=back)
        assert (backlog.waiting, backlog.dead) == (0, 0), (back, backlog)


def drained(stack: Stack) -> bool:
    return (
        unpublished(stack.monolith_db) == 0
        and unpublished(stack.service_db) == 0
        and queue_backlog(stack.amqp_uri, NAME).waiting == 0
        and queue_backlog(stack.amqp_uri, NAME, back=True).waiting == 0
    )


def assert_workload_ran(outcomes: Outcomes) -> None:
    """Writes on both sides, and the faults really met them: some review writes were
    refused by the proxy (503, write_fallback = false) while the service was down, and
    none went to the monolith."""
    assert len(outcomes.created) > 100, outcomes.answers
    assert len(outcomes.deleted) > 30, outcomes.answers
    assert len(outcomes.prices) > 100, outcomes.answers
    assert outcomes.held_back() > 0, outcomes.answers
    assert outcomes.fell_back() == 0, outcomes.answers


def assert_each_review_write_arrived_once(monolith_db: str, outcomes: Outcomes) -> None:
    """Every 201 is in the monolith once (unless a 2xx DELETE followed), every 2xx DELETE
    gone; an unsure write at most once; no review the clients did not write; and `sync
    apply` inserted each row once, never updated one, deleted each at most once."""
    present = dict(
        rows(monolith_db, f"SELECT id, title FROM reviews WHERE title LIKE '{TITLE_PREFIX}%'")
    )
    titles = Counter(present.values())
    kept = {
        review: title
        for review, title in outcomes.created.items()
        if review not in outcomes.deleted | outcomes.unsure_deletes
    }
    assert {review: present.get(review) for review in kept} == kept
    assert [review for review in outcomes.deleted if review in present] == []
    assert [title for title, times in titles.items() if times > 1] == []
    written = set(outcomes.created.values()) | outcomes.unsure_titles
    assert set(titles) <= written
    log = Counter(rows(monolith_db, "SELECT review_id, operation FROM reviews_log"))
    assert [entry for entry, times in log.items() if times > 1] == []
    assert {review for review, operation in log if operation == "update"} == set()
    inserted = {review for review, operation in log if operation == "insert"}
    assert set(outcomes.created) <= inserted
    assert outcomes.deleted <= {review for review, operation in log if operation == "delete"}


def assert_counted_once_each_way(stack: Stack, outcomes: Outcomes) -> None:
    """The relays' and `sync apply`'s own counts: the monolith published its own writes
    alone (each admin edit is a price and the admin's last-seen stamp: nothing applied
    there came back), and `sync apply` wrote each change the service's relay published
    once, none from elsewhere."""
    assert {key for key in outcomes.answers if key[0] == "PATCH"} == {("PATCH", 200, "monolith")}
    monolith_relay, service_relay = (
        number(stopped_line(relay, "relay stopped"), r"(\d+) changes published")
        for relay in stack.relays
    )
    summary = stopped_line(stack.apply, "apply stopped")
    assert monolith_relay == 2 * len(outcomes.prices), summary
    assert number(summary, r"(\d+) changes written") == service_relay, summary
    assert "0 ownership violations, 0 dead-lettered" in summary, summary


def number(line: str, pattern: str) -> int:
    found = re.search(pattern, line)
    assert found, line
    return int(found.group(1))


def assert_each_price_applied_at_most_once(service_db: str, outcomes: Outcomes) -> None:
    log = Counter(rows(service_db, "SELECT product_id, price_cents FROM prices_log"))
    assert [version for version, times in log.items() if times > 1] == []
    newest: dict[int, int] = {}
    for product, price in outcomes.prices:
        newest[product] = max(price, newest.get(product, price))
    assert set(newest.items()) <= set(log)  # each product's last price reached the copy
