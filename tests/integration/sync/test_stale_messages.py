"""Messages captured in another monolith database, left in a service's queue: `sync install`
refuses them with the count and the ways out, and `--purge-stale` deletes them alone."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from legacy_monolith.seed import seed_database
from strangler.database import open_engine
from strangler_cli import cli
from strangler_sync.broker import connect, delete_service_queues
from strangler_sync.change_store import capture_identity
from strangler_sync.errors import StaleChanges
from strangler_sync.relay import RelaySettings, run_relay

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    yield amqp_uri
    delete_service_queues(amqp_uri, "catalog")


def monolith(path: Path) -> str:
    url = f"sqlite:///{path}"
    seed_database(url, products=3, users=1, orders=0)
    return url


def install(url: str, broker: str, *extra: str) -> Result:
    arguments = ["sync", "install", "catalog", "--database-url", url, "--amqp-uri", broker]
    return CliRunner().invoke(cli, [*arguments, *extra])


def waiting_bodies(broker: str) -> list[dict[str, object]]:
    """Every message waiting in sync-catalog, given back afterwards."""
    connection = connect(broker)
    channel = connection.channel()
    bodies = []
    while True:
        method, _, body = channel.basic_get("sync-catalog")
        if method is None:
            break
        bodies.append(json.loads(body))
    connection.close()  # unacknowledged: back to the queue
    return bodies


def test_install_refuses_another_databases_messages_until_purged(
    tmp_path: Path, broker: str
) -> None:
    earlier = monolith(tmp_path / "earlier.sqlite3")
    assert install(earlier, broker).exit_code == 0
    engine = open_engine(earlier)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE products SET price_cents = 1 WHERE id IN (1, 2)")
    run_relay(engine, RelaySettings(broker, drain=True), threading.Event(), lambda _: None)
    earlier_id = capture_identity(engine)
    engine.dispose()
    # the service's own change, echoed to its forward queue: not the monolith side's
    echo = {"version": 1, "source": "catalog", "database": "its-own", "table": "products"}
    connection = connect(broker)
    connection.channel().basic_publish("", "sync-catalog", json.dumps(echo).encode())
    connection.close()
    assert [body["database"] for body in waiting_bodies(broker)] == [
        earlier_id,
        earlier_id,
        "its-own",
    ]

    fresh = monolith(tmp_path / "fresh.sqlite3")
    refused = install(fresh, broker)

    assert isinstance(refused.exception, StaleChanges)  # exit 2, no traceback
    assert str(refused.exception).startswith(
        "queue sync-catalog holds 2 change messages captured in another database than this"
        f" one (sqlite:///{tmp_path / 'fresh.sqlite3'})"
    )
    assert "stop that database's relay" in str(refused.exception)
    assert "strangler sync install catalog --purge-stale" in str(refused.exception)
    fresh_engine = open_engine(fresh)
    assert capture_identity(fresh_engine) is None  # nothing installed
    assert len(waiting_bodies(broker)) == 3  # the look changed nothing

    purged = install(fresh, broker, "--purge-stale")

    assert purged.exit_code == 0, purged.output
    assert "deleted 2 stale messages from sync-catalog" in purged.output
    assert waiting_bodies(broker) == [echo]
    fresh_id = capture_identity(fresh_engine)
    fresh_engine.dispose()
    assert fresh_id is not None and fresh_id != earlier_id
    assert f"database identity {fresh_id}" in purged.output
    again = install(fresh, broker)  # its own database's messages are not stale
    assert again.exit_code == 0, again.output


def test_the_relay_carries_the_database_identity(tmp_path: Path, broker: str) -> None:
    url = monolith(tmp_path / "monolith.sqlite3")
    assert install(url, broker).exit_code == 0
    engine = open_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE products SET price_cents = 7 WHERE id = 3")
    run_relay(engine, RelaySettings(broker, drain=True), threading.Event(), lambda _: None)
    identity = capture_identity(engine)
    engine.dispose()

    [body] = waiting_bodies(broker)

    assert identity is not None and len(identity) == 32
    assert body["database"] == identity
    assert body["source"] == "monolith"
