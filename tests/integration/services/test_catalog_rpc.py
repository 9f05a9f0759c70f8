"""`strangler service run catalog` as a real process, called over RabbitMQ with nameko's client."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pika
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from waiting import wait_until

from extracted_services.catalog.backfill import backfill_catalog
from strangler.processes import ProcessGroup, rpc_consumer_ready
from strangler_demo.stack import strangler_argv

pytestmark = pytest.mark.rabbitmq

CHANGE_QUEUES = ["sync-catalog", "sync-catalog.dead"]
SOURCE_SQL = """
CREATE TABLE categories (id INTEGER PRIMARY KEY, slug VARCHAR(80) UNIQUE NOT NULL,
    name VARCHAR(120) NOT NULL, parent_id INTEGER NULL REFERENCES categories(id));
CREATE TABLE products (id INTEGER PRIMARY KEY, sku VARCHAR(40) UNIQUE NOT NULL,
    name VARCHAR(200) NOT NULL, description TEXT NOT NULL DEFAULT '',
    price_cents INTEGER NOT NULL, category_id INTEGER NOT NULL REFERENCES categories(id),
    is_active BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL);
INSERT INTO categories VALUES (1, 'lamps', 'Lamps', NULL);
INSERT INTO products VALUES
    (1, 'L-1', 'Brass lamp', 'warm', 1999, 1, 1, '2024-01-01 10:00:00.000000'),
    (2, 'L-2', 'Old lamp', '', 500, 1, 0, '2024-01-02 10:00:00.000000');
"""


def _consumed(amqp_uri: str, queue: str) -> Callable[[], bool]:
    def check() -> bool:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        try:
            declared = connection.channel().queue_declare(queue, passive=True)
            return int(declared.method.consumer_count) > 0
        except pika.exceptions.ChannelClosedByBroker:
            return False
        finally:
            if connection.is_open:
                connection.close()

    return check


def _delete_queues(amqp_uri: str, names: list[str]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        for name in names:
            channel.queue_delete(name)
    finally:
        connection.close()


def _publish_change(amqp_uri: str, table: str, row: dict[str, object]) -> None:
    """An update of one row, as the relay publishes it (docs/contracts.md, section (i))."""
    body = {
        "version": 1,
        "source": "monolith",
        "table": table,
        "transaction": "7",
        "changes": [
            {
                "id": f"monolith:{table}:1",
                "position": 1,
                "operation": "update",
                "key": {"id": row["id"]},
                "row": row,
                "origin": "monolith",
            }
        ],
    }
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            "strangler.changes",
            table,
            json.dumps(body).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )
    finally:
        connection.close()


def test_catalog_service_answers_over_rabbitmq(tmp_path: Path, amqp_uri: str) -> None:
    with sqlite3.connect(tmp_path / "monolith.sqlite3") as connection:
        connection.executescript(SOURCE_SQL)
    connection.close()
    service_db = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    backfill_catalog(f"sqlite:///{tmp_path / 'monolith.sqlite3'}", service_db)
    argv = strangler_argv(
        "service", "run", "catalog", "--amqp-uri", amqp_uri, "--database-url", service_db
    )
    try:
        with ProcessGroup(tmp_path / "logs") as group:
            process = group.start("catalog", argv)
            process.wait_ready(rpc_consumer_ready(amqp_uri, "catalog"), timeout=60)
            with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20) as cluster:
                catalog = cluster.catalog
                assert catalog.get_product(product_id=1, query={})["price"] == "19.99"
                listing = catalog.list_products(query={"q": "LAMP"})
                assert [item["id"] for item in listing["items"]] == [1]
                assert catalog.list_categories(query={})["items"][0]["product_count"] == 1

                with pytest.raises(RemoteError) as missing:
                    catalog.get_product(product_id=2, query={})
                assert (missing.value.exc_type, missing.value.value) == (
                    "NotFound",
                    "product 2 not found",
                )
                with pytest.raises(RemoteError) as invalid:
                    catalog.list_products(query={"per_page": "101"})
                assert (invalid.value.exc_type, invalid.value.value) == (
                    "BadRequest",
                    "per_page must be at most 100",
                )

                assert wait_until(_consumed(amqp_uri, "sync-catalog")), process.log_tail()
                _publish_change(
                    amqp_uri,
                    "products",
                    {
                        "id": 2,
                        "sku": "L-2",
                        "name": "Old lamp",
                        "description": "",
                        "price_cents": 450,
                        "category_id": 1,
                        "is_active": True,
                        "created_at": "2024-01-02T10:00:00",
                    },
                )

                def reactivated() -> bool:
                    try:
                        return catalog.get_product(product_id=2, query={})["price"] == "4.50"
                    except RemoteError:
                        return False

                assert wait_until(reactivated), process.log_tail()
        assert not process.running()
    finally:
        _delete_queues(amqp_uri, ["rpc-catalog", *CHANGE_QUEUES])
