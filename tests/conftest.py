"""Shared fixtures for the real servers the tests talk to.

RabbitMQ and PostgreSQL are real. Outside CI a missing server skips the tests
that need it (with the reason); in CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

import pytest
from ci_rules import missing

from strangler.broker import DEFAULT_AMQP_URI, temporary_vhost

AMQP_URI = os.environ.get("STRANGLER_TEST_AMQP_URI", DEFAULT_AMQP_URI)
POSTGRES_URL = os.environ.get(
    "STRANGLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with closing(socket.create_connection((parts.hostname, parts.port or default_port), 2)):
            return True
    except OSError:
        return False


def require(server: str, url: str, default_port: int) -> None:
    """Fail (CI) or skip (elsewhere) when a real server the test needs is absent."""
    if not _answers(url, default_port):
        missing(f"{server} is not answering at {url}; run `make test`, which starts it")


@pytest.fixture(scope="session")
def amqp_uri() -> Iterator[str]:
    """An AMQP URI on a throw-away vhost (deleted with all its queues afterwards).

    Without rabbitmqctl (not root, remote broker) the default vhost is used and
    each test deletes the queues it made.
    """
    require("RabbitMQ", AMQP_URI, 5672)
    with temporary_vhost(AMQP_URI, "strangler-test") as uri:
        yield uri


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require("PostgreSQL", POSTGRES_URL, 5432)
    import sqlalchemy

    name = f"strangler_test_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(POSTGRES_URL)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
