"""Binary columns (SQLite BLOB, PostgreSQL bytea) are captured, relayed over the real broker
and applied byte for byte."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from extracted_services.shared.change_messages import decode_message
from extracted_services.shared.change_writer import ChangeWriter, create_applied_table
from strangler_sync.broker import connect, declare_service_queues, delete_service_queues
from strangler_sync.capture import install_capture
from strangler_sync.relay import RelaySettings, run_relay

pytestmark = pytest.mark.rabbitmq

EVERY_BYTE = bytes(range(256)) + b"\x00trailing"
SERVICE = "blobs"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """The monolith's database and the service's: two SQLite files, or one PostgreSQL
    database holding the table and its copy."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        monolith, service = sa.create_engine(url), sa.create_engine(url)
        blob = "BYTEA"
    else:
        monolith = sa.create_engine(f"sqlite:///{tmp_path / 'monolith.sqlite3'}")
        service = sa.create_engine(f"sqlite:///{tmp_path / 'service.sqlite3'}")
        blob = "BLOB"
    for engine, table in ((monolith, "attachments"), (service, "attachment_copies")):
        with engine.begin() as connection:
            connection.exec_driver_sql(
                f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT, data {blob})"
            )
    yield monolith, service
    monolith.dispose()
    service.dispose()


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    yield amqp_uri
    delete_service_queues(amqp_uri, SERVICE)


def test_bytes_are_captured_relayed_and_applied_byte_exact(
    engines: tuple[Engine, Engine], broker: str
) -> None:
    monolith, service = engines
    declare_service_queues(broker, SERVICE, ["attachments"])
    install_capture(monolith, SERVICE, ["attachments"], first_position=1)
    insert = sa.text("INSERT INTO attachments (id, name, data) VALUES (:id, :name, :data)")
    with monolith.begin() as connection:
        connection.execute(insert, {"id": 1, "name": "every byte", "data": EVERY_BYTE})
        connection.execute(insert, {"id": 2, "name": "none", "data": None})
        connection.execute(insert, {"id": 3, "name": "empty", "data": b""})
    with monolith.begin() as connection:
        connection.execute(
            sa.text("UPDATE attachments SET data = :data WHERE id = 3"), {"data": b"\xff\x00"}
        )

    run_relay(monolith, RelaySettings(broker, drain=True), threading.Event(), lambda _: None)
    create_applied_table(service)
    writer = ChangeWriter(service, SERVICE, {"attachments": "attachment_copies"})
    connection = connect(broker)
    channel = connection.channel()
    bodies = []
    while (got := channel.basic_get("sync-blobs", auto_ack=True))[0] is not None:
        bodies.append(json.loads(got[2]))
    connection.close()
    for body in bodies:
        writer.write([writer.check(decode_message(body))])

    assert bodies[0]["changes"][0]["row"]["data"] == "\\x" + EVERY_BYTE.hex()  # on the wire
    with service.connect() as reading:
        rows = reading.execute(sa.text("SELECT id, name, data FROM attachment_copies ORDER BY id"))
        copied = [(row.id, row.name, None if row.data is None else bytes(row.data)) for row in rows]
    assert copied == [(1, "every byte", EVERY_BYTE), (2, "none", None), (3, "empty", b"\xff\x00")]
