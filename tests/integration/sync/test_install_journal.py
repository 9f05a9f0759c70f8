"""`sync install` on SQLite switches the file to WAL (the relay's reads then do not wait for
the monolith's writers), says so, and leaves it with --keep-journal."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from legacy_monolith.seed import seed_database
from strangler_cli import cli
from strangler_sync.broker import delete_service_queues
from strangler_sync.capture import use_wal


def journal_mode(path: Path) -> str:
    """The mode the file holds, seen by a connection of its own."""
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture
def monolith(tmp_path: Path) -> Path:
    path = tmp_path / "monolith.sqlite3"
    seed_database(f"sqlite:///{path}", products=2, users=1, orders=0)
    assert journal_mode(path) == "delete"  # SQLite's default: a rollback journal
    return path


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[str]:
    yield amqp_uri
    delete_service_queues(amqp_uri, "catalog")


def install(monolith: Path, broker: str, *extra: str) -> str:
    arguments = ["sync", "install", "catalog", "--database-url", f"sqlite:///{monolith}"]
    result = CliRunner().invoke(cli, [*arguments, "--amqp-uri", broker, *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.rabbitmq
def test_install_switches_a_sqlite_monolith_to_wal_and_says_so(monolith: Path, broker: str) -> None:
    output = install(monolith, broker)

    assert journal_mode(monolith) == "wal"
    assert "SQLite journal switched from delete to WAL (kept by the file)" in output
    assert "not on a network filesystem" in output
    assert "SQLite journal: WAL" in install(monolith, broker)  # once is enough


@pytest.mark.rabbitmq
def test_keep_journal_leaves_the_rollback_journal(monolith: Path, broker: str) -> None:
    output = install(monolith, broker, "--keep-journal")

    assert journal_mode(monolith) == "delete"
    assert "SQLite journal: delete kept (--keep-journal)" in output


def test_a_switch_the_database_refuses_is_told_not_raised(monolith: Path) -> None:
    reader = sqlite3.connect(monolith)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM products").fetchone()  # holds a read lock
    engine = sa.create_engine(f"sqlite:///{monolith}", connect_args={"timeout": 0.1})
    try:
        journal = use_wal(engine)
    finally:
        engine.dispose()
        reader.close()

    assert journal is not None
    assert (journal.before, journal.after) == ("delete", "delete")
    assert journal.refused == "database is locked"
    assert journal_mode(monolith) == "delete"
