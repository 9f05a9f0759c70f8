"""Shared fixtures for the real servers the tests talk to.

RabbitMQ and PostgreSQL are real. Outside CI a missing server skips the tests
that need it (with the reason); in CI (CI=true) it fails them.

A test that reaches a real server through these fixtures, directly or through
other fixtures, must carry its marker (`rabbitmq`, `postgres`), or it fails
before any fixture runs; the run ends with how many marked tests ran.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from ci_rules import missing

from strangler.broker import DEFAULT_AMQP_URI, temporary_vhost

AMQP_URI = os.environ.get("STRANGLER_TEST_AMQP_URI", DEFAULT_AMQP_URI)
POSTGRES_URL = os.environ.get(
    "STRANGLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# fixture giving access to a real server -> (marker its tests must carry, the server)
REAL_SERVER_FIXTURES = {
    "amqp_uri": ("rabbitmq", "RabbitMQ"),
    "postgres_url": ("postgres", "PostgreSQL"),
    "module_postgres_url": ("postgres", "PostgreSQL"),
}
SERVER_MARKERS = tuple(dict.fromkeys(marker for marker, _ in REAL_SERVER_FIXTURES.values()))
_markers: dict[str, tuple[str, ...]] = {}  # test id -> its server markers, set at setup
_ran: defaultdict[str, set[str]] = defaultdict(set)  # marker -> ids of the tests that ran


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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test that reaches a real server without its marker, before any fixture runs.

    `fixturenames` is the test's whole fixture closure, so a module-scoped stack built on
    `amqp_uri` counts too.
    """
    _markers[item.nodeid] = tuple(m for m in SERVER_MARKERS if item.get_closest_marker(m))
    for fixture, (marker, server) in REAL_SERVER_FIXTURES.items():
        if fixture in getattr(item, "fixturenames", ()) and marker not in _markers[item.nodeid]:
            pytest.fail(
                f"{item.nodeid} uses the real {server} (fixture `{fixture}`) but is not marked"
                f" @pytest.mark.{marker}; mark the test or its module",
                pytrace=False,
            )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count a marked test as run when its body ran or its setup failed (not when skipped)."""
    ran = report.when == "call" and not report.skipped
    if ran or (report.when == "setup" and report.failed):
        for marker in _markers.get(report.nodeid, ()):
            _ran[marker].add(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = ", ".join(f"{marker} {len(_ran[marker])} tests" for marker in SERVER_MARKERS)
    terminalreporter.write_line(f"real services: {counts}")


@pytest.fixture(scope="session", autouse=True)
def _cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test, and every process it starts, caches under a temporary XDG_CACHE_HOME."""
    cache_home = tmp_path_factory.mktemp("xdg-cache")
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache_home)
    yield cache_home
    if previous is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="module")
def amqp_uri() -> Iterator[str]:
    """An AMQP URI on a throw-away vhost per test module (deleted with all its queues
    afterwards), so one module's queues and bindings (sync queues bound by table, say)
    never take another module's messages.

    Without rabbitmqctl (not root, remote broker) the default vhost is used and
    each test deletes the queues it made.
    """
    require("RabbitMQ", AMQP_URI, 5672)
    with temporary_vhost(AMQP_URI, "strangler-test") as uri:
        yield uri


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with _temporary_database() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test module, dropped afterwards."""
    with _temporary_database() as url:
        yield url


@contextmanager
def _temporary_database() -> Iterator[str]:
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
