"""How far behind change capture keeps a service: commit in the monolith -> visible in the
service's own database, next to RabbitMQ's own publish -> consume round trip.

Builds a seeded SQLite monolith and the catalog service's backfilled copy in a temporary
directory, installs capture (`strangler sync install catalog`), runs the relay (`strangler
sync run`) and the catalog service (`strangler service run catalog`) as real processes,
then commits product price changes at a steady rate. A trigger in the service's database
notes when the applier writes each one. The baseline, measured first in the same run at
the same rate: persistent messages of the same size published with confirms to a durable
queue and consumed with acks, i.e. the broker hop alone.

    .venv/bin/python benchmarks/sync_lag.py [--rate 200] [--seconds 60] [--baseline-seconds 15]

Exit status: 0 measured; 1 a write never reached the service; 2 the stack cannot start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pika
import sqlalchemy as sa

from extracted_services.backfill.run import backfill_service
from extracted_services.discovery import find_services
from legacy_monolith.seed import seed_database
from strangler.broker import DEFAULT_AMQP_URI, temporary_vhost
from strangler.changes import CHANGES_EXCHANGE
from strangler.database import open_engine
from strangler.errors import StranglerError
from strangler.processes import ProcessGroup, rpc_consumer_ready
from strangler_demo.stack import START_TIMEOUT, start_relay, strangler_argv
from strangler_sync.broker import delete_service_queues
from strangler_sync.install import install_service
from strangler_sync.relay import DEFAULT_POLL_SECONDS

SEED = {"products": 500, "users": 20, "orders": 20}
WRITERS = 4  # threads sharing the rate, so one slow commit does not hold the others
FIRST_VERSION = 10_000_000  # each write's price_cents: unique, above any seeded price
DRAIN_TIMEOUT = 60.0
# the applier's write of each benchmark version, stamped by the service's database itself
SQLITE_APPLIED_LOG = (
    "CREATE TABLE bench_applied (price_cents INTEGER PRIMARY KEY, applied_at REAL NOT NULL)",
    "CREATE TRIGGER bench_applied_update AFTER UPDATE ON catalog_products"
    f" WHEN NEW.price_cents >= {FIRST_VERSION} BEGIN"
    " INSERT OR IGNORE INTO bench_applied"
    " VALUES (NEW.price_cents, (julianday('now') - 2440587.5) * 86400.0); END",
)
POSTGRESQL_APPLIED_LOG = (
    "CREATE TABLE bench_applied (price_cents integer PRIMARY KEY,"
    " applied_at double precision NOT NULL)",
    "CREATE FUNCTION bench_applied_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " INSERT INTO bench_applied VALUES (NEW.price_cents, extract(epoch FROM clock_timestamp()))"
    " ON CONFLICT DO NOTHING; RETURN NULL; END $$",
    "CREATE TRIGGER bench_applied_update AFTER UPDATE ON catalog_products FOR EACH ROW"
    f" WHEN (NEW.price_cents >= {FIRST_VERSION}) EXECUTE FUNCTION bench_applied_note()",
)
DEFAULT_POSTGRES_URL = os.environ.get(
    "STRANGLER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class WritesLost(StranglerError):
    """Some committed writes never reached the service: the lag figures would lie."""


class StackUnavailable(StranglerError):
    """The stack could not be started."""

    exit_code = 2


@dataclass(frozen=True)
class Lags:
    """Latencies in seconds of one path, and how many were sent."""

    name: str
    seconds: tuple[float, ...]
    sent: int

    def percentile_ms(self, fraction: float) -> float:
        return percentile(sorted(self.seconds), fraction) * 1000


@dataclass(frozen=True)
class SyncLags:
    """One database kind's commit -> service lags, and the two parts they are made of."""

    total: Lags
    relay: Lags  # commit -> published (seen by a queue of the benchmark's own)
    applier: Lags  # published -> written by the applier


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def paced(rate: float, seconds: float, share: int, shares: int) -> Iterator[int]:
    """This writer's write numbers (every `shares`-th), each yielded at its moment."""
    start = time.monotonic()
    total = int(rate * seconds)
    for number in range(share, total, shares):
        time.sleep(max(start + number / rate - time.monotonic(), 0.0))
        yield number


def steady_writes(
    engine: sa.Engine, product_ids: Sequence[int], rate: float, seconds: float
) -> dict[int, float]:
    """Commit one price change per 1/`rate` s; each version -> the time its commit returned."""
    committed: dict[int, float] = {}

    def write(share: int) -> None:
        for number in paced(rate, seconds, share, WRITERS):
            version = FIRST_VERSION + number
            with engine.begin() as connection:
                connection.execute(
                    sa.text("UPDATE products SET price_cents = :version WHERE id = :id"),
                    {"version": version, "id": product_ids[number % len(product_ids)]},
                )
            committed[version] = time.time()

    threads = [threading.Thread(target=write, args=(share,)) for share in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return committed


class PublishedTap:
    """A queue of its own bound to the change exchange by `products`: when each version was
    published (received here, one broker hop later), so the lag splits into relay and
    applier."""

    def __init__(self, amqp_uri: str) -> None:
        self.received: dict[int, float] = {}
        self._connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self._channel = self._connection.channel()
        queue = self._channel.queue_declare("", exclusive=True).method.queue
        self._channel.queue_bind(queue, CHANGES_EXCHANGE, routing_key="products")
        self._channel.basic_consume(queue, self._on_message, auto_ack=True)
        self._thread = threading.Thread(target=self._channel.start_consuming)
        self._thread.start()

    def _on_message(self, channel: object, method: object, properties: object, body: bytes) -> None:
        at = time.time()
        for change in json.loads(body)["changes"]:
            if change["row"] is not None and change["row"]["price_cents"] >= FIRST_VERSION:
                self.received.setdefault(change["row"]["price_cents"], at)

    def close(self) -> None:
        self._connection.add_callback_threadsafe(self._channel.stop_consuming)
        self._thread.join()
        self._connection.close()


def applied_times(service_url: str) -> dict[int, float]:
    engine = sa.create_engine(service_url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT price_cents, applied_at FROM bench_applied")
            return {int(version): float(at) for version, at in rows}
    finally:
        engine.dispose()


def sample_body() -> bytes:
    """A change message as the relay sends one for a product update (the same size)."""
    row = {"id": 1, "sku": "SKU-00001", "name": "Sample product", "description": "x" * 80,
           "price_cents": FIRST_VERSION, "category_id": 1, "is_active": True,
           "created_at": "2026-11-27T12:00:00"}  # fmt: skip
    change = {"id": "monolith:products:1", "position": 1, "operation": "update",
              "key": {"id": 1}, "row": row, "origin": "monolith"}  # fmt: skip
    body = {"version": 1, "source": "monolith", "table": "products", "transaction": None,
            "changes": [change]}  # fmt: skip
    return json.dumps(body).encode()


def broker_round_trip(amqp_uri: str, rate: float, seconds: float) -> Lags:
    """Publish persistent messages with confirms at `rate` to a durable queue; consume
    them with acks on another connection; publish start -> delivery, per message."""
    queue = f"bench-round-trip-{uuid.uuid4().hex[:8]}"
    body = sample_body()
    received: list[float] = []
    sent = int(rate * seconds)
    consumer = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    consumer_channel = consumer.channel()
    consumer_channel.queue_declare(queue, durable=True)

    def on_message(
        channel: object, method: pika.spec.Basic.Deliver, properties: pika.BasicProperties, _: bytes
    ) -> None:
        received.append(time.time() - float(properties.headers["sent_at"]))
        consumer_channel.basic_ack(method.delivery_tag)
        if len(received) == sent:
            consumer_channel.stop_consuming()

    consumer_channel.basic_consume(queue, on_message)
    consuming = threading.Thread(target=consumer_channel.start_consuming)
    consuming.start()
    publisher = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = publisher.channel()
        channel.confirm_delivery()
        for _ in paced(rate, seconds, 0, 1):
            properties = pika.BasicProperties(
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
                headers={"sent_at": repr(time.time())},
            )
            channel.basic_publish("", queue, body, properties, mandatory=True)
        consuming.join(timeout=DRAIN_TIMEOUT)
        channel.queue_delete(queue)
    finally:
        publisher.close()
    if consuming.is_alive():
        consumer.add_callback_threadsafe(consumer_channel.stop_consuming)
        consuming.join()
    consumer.close()
    return Lags("broker publish -> consume", tuple(received), sent)


@dataclass(frozen=True)
class Databases:
    """The monolith's and the service's database of one measured run."""

    kind: str  # sqlite or postgresql
    monolith_url: str
    service_url: str


@contextmanager
def databases(
    kind: str, workdir: Path, postgres_url: str, sqlite_journal: str
) -> Iterator[Databases]:
    """Two SQLite files in `workdir` (the monolith's with `sqlite_journal` as its journal
    mode), or two fresh databases on the PostgreSQL server (dropped afterwards)."""
    if kind == "sqlite":
        monolith_url = f"sqlite:///{workdir / 'monolith.sqlite3'}"
        monolith = sa.create_engine(monolith_url)
        with monolith.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA journal_mode={sqlite_journal}")
        monolith.dispose()
        yield Databases(kind, monolith_url, f"sqlite:///{workdir / 'catalog_service.sqlite3'}")
        return
    names = [f"strangler_bench_{uuid.uuid4().hex[:8]}_{role}" for role in ("monolith", "catalog")]
    server = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        server.dispose()
        raise StackUnavailable(f"PostgreSQL at {postgres_url} refused: {exc.orig}") from None
    base = sa.make_url(postgres_url)
    try:
        yield Databases(kind, *(base.set(database=name).render_as_string(False) for name in names))
    finally:
        with server.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def wait_applied(service_url: str, expected: int) -> dict[int, float]:
    """The applied versions, once all `expected` are there or nothing moved for a while."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    applied = applied_times(service_url)
    while len(applied) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        applied = applied_times(service_url)
    return applied


def sync_lag(amqp_uri: str, where: Databases, workdir: Path, rate: float, seconds: float,
             poll: float) -> SyncLags:  # fmt: skip
    """Commit at `rate` for `seconds` with the relay and the catalog service running;
    commit -> applied per write, split at the moment the relay published it."""
    monolith_url, service_url = where.monolith_url, where.service_url
    catalog = find_services().find("catalog")
    seed_database(monolith_url, **SEED)
    backfill_service(catalog, monolith_url, service_url)
    engine = sa.create_engine(service_url)
    with engine.begin() as connection:
        applied_log = SQLITE_APPLIED_LOG if where.kind == "sqlite" else POSTGRESQL_APPLIED_LOG
        for statement in applied_log:
            connection.exec_driver_sql(statement)
    engine.dispose()
    monolith = open_engine(monolith_url)
    try:
        delete_service_queues(amqp_uri, catalog.name)
        install_service(monolith, catalog, amqp_uri, keep_journal=True)  # its own mode
        with ProcessGroup(workdir / f"logs-{where.kind}") as group:
            try:
                start_relay(group, monolith_url, amqp_uri, poll_seconds=poll)
                service = group.start(
                    "catalog-service",
                    strangler_argv("service", "run", "catalog", "--amqp-uri", amqp_uri,
                                   "--database-url", service_url),
                )  # fmt: skip
                service.wait_ready(rpc_consumer_ready(amqp_uri, "catalog"), START_TIMEOUT)
            except StranglerError as exc:
                raise StackUnavailable(f"the stack did not start: {exc}") from exc
            product_ids = list(range(1, SEED["products"] + 1))
            tap = PublishedTap(amqp_uri)
            try:
                committed = steady_writes(monolith, product_ids, rate, seconds)
                applied = wait_applied(service_url, len(committed))
            finally:
                tap.close()
    finally:
        monolith.dispose()
        delete_service_queues(amqp_uri, catalog.name)
    lost = sorted(set(committed) - set(applied))
    if lost:
        raise WritesLost(f"{len(lost)} of {len(committed)} writes never reached the service")
    published = tap.received
    return SyncLags(
        total=Lags(
            f"commit -> service ({where.kind})",
            tuple(applied[version] - committed[version] for version in committed),
            len(committed),
        ),
        relay=Lags(
            "  commit -> published (relay)",
            tuple(published[version] - committed[version] for version in published),
            len(committed),
        ),
        applier=Lags(
            "  published -> service (applier)",
            tuple(applied[version] - published[version] for version in published),
            len(committed),
        ),
    )


@contextmanager
def benchmark_broker() -> Iterator[str]:
    """AMQP_URI as given; else a throw-away vhost on the local broker when rabbitmqctl allows."""
    given = os.environ.get("AMQP_URI")
    if given is not None:
        yield given
        return
    with temporary_vhost(DEFAULT_AMQP_URI, "strangler-bench") as amqp_uri:
        yield amqp_uri


def format_table(baseline: Lags, measured: Sequence[SyncLags]) -> str:
    """One row per path (each sync path with its relay and applier parts), then each sync
    path's p50 and p99 over the broker's."""
    lines = [f"{'path':<32} {'messages':>8} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}"]
    rows = [baseline, *(lags for run in measured for lags in (run.total, run.relay, run.applier))]
    for lags in rows:
        lines.append(
            f"{lags.name:<32} {len(lags.seconds):>8} {lags.percentile_ms(0.5):>9.1f}"
            f" {lags.percentile_ms(0.99):>9.1f} {max(lags.seconds) * 1000:>9.1f}"
        )
    lines.append("")
    for lags in (run.total for run in measured):
        p50 = lags.percentile_ms(0.5) / baseline.percentile_ms(0.5)
        p99 = lags.percentile_ms(0.99) / baseline.percentile_ms(0.99)
        lines.append(f"{lags.name} / broker alone: p50 {p50:.1f}x, p99 {p99:.1f}x")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="writes (messages) per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the writes go on")
    parser.add_argument("--baseline-seconds", type=float, default=15.0, help="the broker alone")
    parser.add_argument(
        "--poll-interval", type=float, default=DEFAULT_POLL_SECONDS,
        help="the relay's wait after an empty look at the change table (its default)",
    )  # fmt: skip
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql", "both"), default="both",
        help="the monolith's and the service's database kind",
    )  # fmt: skip
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="a server to use")
    parser.add_argument(
        "--sqlite-journal", choices=("wal", "delete"), default="wal",
        help="the SQLite monolith's journal mode (delete: the rollback journal, SQLite's"
        " default, where the relay's reads wait for the writers)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    try:
        with (
            benchmark_broker() as amqp_uri,
            tempfile.TemporaryDirectory(prefix="strangler-bench-") as tmp,
        ):
            print(f"broker alone: {args.rate:g} messages/s for {args.baseline_seconds:g} s")
            baseline = broker_round_trip(amqp_uri, args.rate, args.baseline_seconds)
            measured = []
            for kind in kinds:
                journal = f", journal_mode={args.sqlite_journal}" if kind == "sqlite" else ""
                print(
                    f"sync on {kind}: {args.rate:g} writes/s for {args.seconds:g} s"
                    f" (relay --poll-interval {args.poll_interval:g}{journal})",
                    flush=True,
                )
                with databases(kind, Path(tmp), args.postgres_url, args.sqlite_journal) as where:
                    measured.append(
                        sync_lag(
                            amqp_uri, where, Path(tmp), args.rate, args.seconds, args.poll_interval
                        )
                    )
    except StranglerError as exc:
        print(f"sync_lag: {exc}", file=sys.stderr)
        return exc.exit_code
    print()
    print(format_table(baseline, measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
