"""docs/moving-writes.md, step by step, on real processes: a SQLite monolith, a service with
a PostgreSQL database, real RabbitMQ, the two relays, the service's forward applier and
`sync apply` taking the service's writes back to the monolith.

Counted at the end: every write crossed once (the relays' and the applier's totals), and
no applied write was captured again (both change tables empty, no extra publish).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from process_logs import stopped_line
from shop_package import build_monolith
from waiting import wait_until

from extracted_services.backfill.run import backfill_service
from extracted_services.discovery import find_services
from strangler.processes import ProcessGroup
from strangler_cli import cli
from strangler_demo.stack import strangler_argv

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

NAME = "shop_writes"
MANIFEST = f"""\
name = "{NAME}"
service = "service:ShopService"
database_env = "SHOP_WRITES_DATABASE_URL"
default_database_url = "sqlite:///var/shop_writes.sqlite3"
tables = ["customers", {{monolith = "orders", service = "shop_orders"}}]
sync = true
"""
SERVICE_CODE = """
from extracted_services.shared.change_applier import change_applier


class ShopService:
    name = "shop_writes"
    apply_changes = change_applier()
"""
QUEUES = (f"sync-{NAME}", f"sync-{NAME}.dead", f"sync-back-{NAME}", f"sync-back-{NAME}.dead")


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    yield amqp_uri
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    for queue in QUEUES:
        channel.queue_delete(queue)
    connection.close()


def write_package(services: Path, owns: str) -> None:
    package = services / NAME
    package.mkdir(parents=True, exist_ok=True)
    (package / "service.toml").write_text(MANIFEST + f"owns = [{owns}]\n")
    (package / "config.yml").write_text(
        "AMQP_URI: ${AMQP_URI:amqp://guest:guest@127.0.0.1:5672/}\n"
        "DATABASE_URL: ${SHOP_WRITES_DATABASE_URL:sqlite:///var/shop_writes.sqlite3}\n"
    )
    (package / "service.py").write_text(SERVICE_CODE)


def strangler(*args: str, exit_code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == exit_code, result.output
    return result.output


def write(url: str, statement: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(statement)
    engine.dispose()


def scalar(url: str, query: str) -> Any:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(query.split(" FROM ")[1].split()[0]):
                return None
            return connection.exec_driver_sql(query).scalar()
    finally:
        engine.dispose()


def note(url: str, table: str, order: int) -> Any:
    return scalar(url, f"SELECT note FROM {table} WHERE id = {order}")


def changes(url: str) -> Any:
    """Captured changes not yet published (None: no change table)."""
    return scalar(url, "SELECT count(*) FROM strangler_changes")


def queue_state(amqp_uri: str, queue: str) -> tuple[int, int]:
    """(messages waiting, consumers)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        method = connection.channel().queue_declare(queue, passive=True).method
        return int(method.message_count), int(method.consumer_count)
    finally:
        connection.close()


def consuming(amqp_uri: str, queue: str) -> Callable[[], bool]:
    return lambda: queue_state(amqp_uri, queue)[1] > 0


def ownership(database_url: str, services: Path) -> str:
    """What `sync check-ownership` says now (whatever its exit code)."""
    arguments = ["sync", "check-ownership", "--database-url", database_url]
    return CliRunner().invoke(cli, [*arguments, "--services-dir", str(services)]).output


def test_moving_the_writes_of_a_table_to_its_service_and_back(
    tmp_path: Path, broker: str, postgres_url: str
) -> None:
    services, service_db = tmp_path / "services", postgres_url
    monolith = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(monolith)
    write_package(services, owns="")
    backfill_service(find_services([services]).find(NAME), monolith, service_db)
    where = ("--amqp-uri", broker, "--services-dir", str(services))
    fast = ("--poll-interval", "0.1")
    with ProcessGroup(tmp_path / "logs") as group:
        # before: the forward flow keeps the service's copies fresh
        strangler("sync", "install", NAME, "--database-url", monolith, *where)
        monolith_relay = group.start(
            "monolith-relay",
            strangler_argv("sync", "run", "--database-url", monolith, *where[:2], *fast),
        )
        service = group.start(
            "service",
            strangler_argv("service", "run", NAME, *where, "--database-url", service_db),
        )
        service.wait_ready(consuming(broker, f"sync-{NAME}"), timeout=60)
        write(monolith, "UPDATE orders SET note = 'monolith write' WHERE id = 100")
        assert wait_until(lambda: note(service_db, "shop_orders", 100) == "monolith write")

        # 1. drain in-flight writes: nothing left on the way to the service
        assert wait_until(
            lambda: changes(monolith) == 0 and queue_state(broker, f"sync-{NAME}")[0] == 0
        )
        assert changes(service_db) is None  # nothing is captured in the service yet

        # 2. flip `owns`, start the reverse flow
        write_package(services, owns='"orders"')
        installed = strangler(
            *("sync", "install", NAME, "--side", "service", "--database-url", service_db),
            *where,
        )
        assert f"capture installed in {NAME}'s database (origin {NAME}): shop_orders" in installed
        assert f"queue sync-back-{NAME} bound to orders" in installed
        service_relay = group.start(
            "service-relay",
            strangler_argv(
                *("sync", "run", "--database-url", service_db, *where[:2], *fast),
                *("--source", NAME),
            ),
        )
        applier = group.start(
            "apply", strangler_argv("sync", "apply", NAME, "--to-url", monolith, *where)
        )
        applier.wait_ready(consuming(broker, f"sync-back-{NAME}"), timeout=30)
        assert changes(service_db) == 0

        # 3. switch the routes file: the table's writes now happen in the service
        write(service_db, "UPDATE shop_orders SET note = 'service write' WHERE id = 105")
        write(
            service_db,
            "INSERT INTO shop_orders (id, customer_id, total, note)"
            " VALUES (200, 3, 5.00, 'new in the service')",
        )
        assert wait_until(
            lambda: (
                note(monolith, "orders", 105) == "service write"
                and note(monolith, "orders", 200) == "new in the service"
            )
        ), applier.log_tail()
        time.sleep(1)  # room for a loop to show: the relays poll every 0.1s
        assert changes(monolith) == 0  # the applied rows were not captured again
        # the service's own two changes go once relayed (confirmed rows are deleted about
        # once a second), and nothing comes back to be captured again
        assert wait_until(lambda: changes(service_db) == 0, timeout=10)
        assert scalar(
            monolith,
            f"SELECT count(*) FROM strangler_sync_applied WHERE source = '{NAME}'",
        ) == 2  # fmt: skip
        strangler("sync", "check-ownership", "--database-url", monolith, *where[2:])

        # 4. a write to the owned table in the monolith: reported, and still not lost
        write(monolith, "UPDATE orders SET note = 'forbidden' WHERE id = 101")
        assert wait_until(lambda: note(service_db, "shop_orders", 101) == "forbidden")
        violation = f"table orders is owned by {NAME}, but 1 changes came from monolith"
        assert wait_until(lambda: violation in ownership(monolith, services)), applier.log_tail()
        strangler("sync", "check-ownership", "--database-url", monolith, *where[2:], exit_code=1)
        time.sleep(1)
        assert changes(service_db) == 0  # the forward applier's write was not captured

        # every write crossed once, nothing looped
        assert "2 changes written, 0 skipped, 1 ownership violations, 0 dead-lettered" in (
            stopped_line(applier, "apply stopped")
        )
        assert "relay stopped: 2 changes published" in stopped_line(service_relay, "stopped")
        assert wait_until(lambda: changes(monolith) == 0)
        assert "relay stopped: 2 changes published" in stopped_line(monolith_relay, "stopped")
        assert queue_state(broker, f"sync-back-{NAME}") == (0, 0)

        # the way back: the service's writes drained, the routes switched back, `owns`
        # emptied and the service's capture removed; the monolith writes again
        write_package(services, owns="")
        removed = strangler("sync", "uninstall", NAME, "--database-url", service_db)
        assert "change tables dropped" in removed
        strangler("sync", "check-ownership", "--database-url", monolith, *where[2:])
        monolith_relay = group.start(
            "monolith-relay-again",
            strangler_argv("sync", "run", "--database-url", monolith, *where[:2], *fast),
        )
        write(monolith, "UPDATE orders SET note = 'monolith again' WHERE id = 105")
        assert wait_until(lambda: note(service_db, "shop_orders", 105) == "monolith again")
        assert changes(service_db) is None
        assert re.search(r"relay stopped: 1 changes", stopped_line(monolith_relay, "stopped"))
