"""`strangler sync status` on a real monolith database and the real broker."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

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
