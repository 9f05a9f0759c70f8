"""`strangler sync status` on a real monolith database and the real broker."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from legacy_monolith.seed import seed_database
from strangler.database import open_engine
from strangler_cli import cli
from strangler_sync.broker import connect, delete_service_queues
from strangler_sync.relay import RelaySettings, run_relay

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    yield amqp_uri
    delete_service_queues(amqp_uri, "catalog")


def sync(*args: str) -> str:
    result = CliRunner().invoke(cli, ["sync", *args])
    assert result.exit_code == 0, result.output
    return result.output


def write(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(statement)


def test_status_follows_changes_from_the_change_table_to_the_queue_to_the_dead_letters(
    monolith_url: str, monolith: Engine, broker: str
) -> None:
    where = ["--database-url", monolith_url, "--amqp-uri", broker]
    sync("install", "catalog", *where)
    for product in (1, 2, 3):
        write(monolith, f"UPDATE products SET price_cents = 500 WHERE id = {product}")
    write(monolith, "UPDATE categories SET name = 'Renamed' WHERE id = 1")

    captured = sync("status", *where)

    assert (
        ": 4 changes or messages not applied yet" in captured.splitlines()[0]
    )  # the 4 writes above
    assert "catalog: 0 waiting in sync-catalog, 0 appliers; 0 dead-lettered" in captured
    assert re.search(r"products\s+3 unpublished \(oldest captured [0-9.]+s ago\)", captured)
    assert re.search(r"categories\s+1 unpublished \(oldest captured", captured)

    run_relay(monolith, RelaySettings(broker, drain=True), threading.Event(), lambda _: None)
    connection = connect(broker)
    channel = connection.channel()
    method, _, _ = channel.basic_get("sync-catalog")
    channel.basic_reject(method.delivery_tag, requeue=False)  # an applier refusing one
    connection.close()

    published = sync("status", *where)

    assert re.search(r"3 waiting in sync-catalog \(oldest published [0-9.]+s ago\)", published)
    assert "1 dead-lettered in sync-catalog.dead" in published
    assert (
        ": 4 changes or messages not applied yet" in published.splitlines()[0]
    )  # 3 waiting, 1 dead
    assert re.search(r"products\s+0 unpublished\n", published)
    connection = connect(broker)  # the peek put its message back
    assert (
        connection.channel().queue_declare("sync-catalog", passive=True).method.message_count == 3
    )
    connection.close()


def test_a_sync_service_without_capture_is_named(monolith_url: str, broker: str) -> None:
    from strangler.database import open_engine
    from strangler_sync.capture import install_capture

    engine = open_engine(monolith_url)
    install_capture(engine, "reviews_copy", ["reviews"], first_position=1)
    engine.dispose()

    output = sync("status", "--database-url", monolith_url, "--amqp-uri", broker)

    assert "reviews_copy: queue sync-reviews_copy missing" in output
    assert "catalog: sync = true, but capture is not installed in this database" in output


BACK = "status_back"  # a service owning `categories`: its writes go back


def test_status_tells_the_reverse_flow_from_the_service_database_to_its_back_queue(
    tmp_path: Path, amqp_uri: str
) -> None:
    monolith_url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    service_url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    seed_database(monolith_url, products=2, users=1, orders=0)
    seed_database(service_url, products=2, users=1, orders=0)  # the service's copy
    package = tmp_path / "services" / BACK
    package.mkdir(parents=True)
    (package / "service.toml").write_text(
        f'name = "{BACK}"\nservice = "service:Back"\ndatabase_env = "STATUS_BACK_URL"\n'
        f'default_database_url = "sqlite:///var/nowhere.sqlite3"\n'
        f'tables = ["categories"]\nowns = ["categories"]\n'
    )
    (package / "service.py").write_text("class Back:\n    name = 'status_back'\n")
    (package / "config.yml").write_text(
        "DATABASE_URL: ${STATUS_BACK_URL:sqlite:///var/nowhere.sqlite3}\n"
    )
    where = ["--amqp-uri", amqp_uri, "--services-dir", str(tmp_path / "services")]
    status = ["status", "--database-url", monolith_url, *where]
    try:
        sync("install", "catalog", "--database-url", monolith_url, *where)
        before = sync(*status, "--service-url", f"{BACK}={service_url}")
        assert f"{BACK}, going back: queue sync-back-{BACK} missing" in before

        sync("install", BACK, "--side", "service", "--database-url", service_url, *where)
        service = open_engine(service_url)
        write(service, "UPDATE categories SET name = 'Moved' WHERE id = 1")
        write(service, "UPDATE categories SET name = 'Moved too' WHERE id = 2")

        captured = sync(*status, "--service-url", f"{BACK}={service_url}")

        assert ": 2 changes or messages not applied yet" in captured.splitlines()[0]
        assert f"{BACK}, going back: 0 waiting in sync-back-{BACK}, 0 appliers;" in captured
        assert re.search(r"categories\s+2 unpublished \(oldest captured", captured)

        settings = RelaySettings(amqp_uri, source=BACK, drain=True)
        run_relay(service, settings, threading.Event(), lambda _: None)
        service.dispose()
        from_manifest = {"STATUS_BACK_URL": service_url}  # the manifest's database_env
        published = CliRunner().invoke(cli, ["sync", *status], env=from_manifest).output

        assert re.search(rf"2 waiting in sync-back-{BACK} \(oldest published", published)
        assert re.search(r"categories\s+0 unpublished\n", published)
        # the 2 in sync-back-status_back, and the same 2 in sync-catalog (it copies categories)
        assert ": 4 changes or messages not applied yet" in published.splitlines()[0]
        assert "2 waiting in sync-catalog" in published
    finally:
        connection = connect(amqp_uri)
        for queue in (f"sync-back-{BACK}", f"sync-back-{BACK}.dead"):
            connection.channel().queue_delete(queue)
        connection.close()
        delete_service_queues(amqp_uri, "catalog")


def test_a_service_database_that_cannot_be_read_is_named_not_raised(
    monolith_url: str, broker: str, tmp_path: Path
) -> None:
    from strangler_sync.apply_broker import declare_back_queues

    declare_back_queues(broker, "inventory", ["stock_levels"])
    missing = tmp_path / "no-such.sqlite3"
    sync("install", "catalog", "--database-url", monolith_url, "--amqp-uri", broker)
    try:
        output = sync(
            *("status", "--database-url", monolith_url, "--amqp-uri", broker),
            *("--service-url", f"inventory=sqlite:///{missing}"),
        )
    finally:
        connection = connect(broker)
        for queue in ("sync-back-inventory", "sync-back-inventory.dead"):
            connection.channel().queue_delete(queue)
        connection.close()

    assert "inventory, going back: 0 waiting in sync-back-inventory" in output
    assert f"inventory's database file '{missing}' does not exist" in output
