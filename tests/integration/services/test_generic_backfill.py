"""The generic backfill over real SQLite files and PostgreSQL databases.

The source is the monolith schema of `shop_package` (a foreign-key cycle, a
self-reference, a table without a primary key, explicit ids with gaps); the
expected rows are the hand-written ones there, never read back from the code.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from shop_package import (
    CUSTOMERS,
    ORDER_NOTES,
    ORDERS,
    SERVICE_TABLES,
    build_monolith,
    table_rows,
    write_shop_package,
)

from extracted_services.backfill.generic import BackfillFailed, BackfillMismatch
from extracted_services.backfill.progress import NoProgress, progress_for
from extracted_services.backfill.run import backfill_service
from extracted_services.backfill.schema import BackfillRefused
from extracted_services.commands import service as service_command
from extracted_services.discovery import ServicePackage, find_services


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def shop(tmp_path: Path) -> ServicePackage:
    name = write_shop_package(tmp_path / "services")
    return find_services([tmp_path / "services"]).find(name)


def assert_copied(target_url: str) -> None:
    """The target holds exactly the monolith's rows of the service's tables, nothing else."""
    assert table_rows(target_url, "customers") == sorted(CUSTOMERS, key=repr)
    assert table_rows(target_url, "shop_orders") == sorted(ORDERS, key=repr)
    assert table_rows(target_url, "order_notes") == sorted(ORDER_NOTES, key=repr)
    engine = sa.create_engine(target_url)
    try:
        assert sorted(sa.inspect(engine).get_table_names()) == sorted(SERVICE_TABLES)
        with engine.connect() as connection:  # a missing JSON value stays SQL NULL
            missing = sa.text("SELECT id FROM customers WHERE prefs IS NULL ORDER BY id")
            assert connection.execute(missing).scalars().all() == [7, 11]
    finally:
        engine.dispose()


def assert_new_rows_get_fresh_ids(target_url: str) -> None:
    """Inserting without an id works and continues after the copied ids (20, 105)."""
    engine = sa.create_engine(target_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO customers (name, joined, vip) VALUES ('New', :at, false)"),
                {"at": datetime(2025, 1, 1)},
            )
            connection.execute(
                sa.text("INSERT INTO shop_orders (customer_id, total) VALUES (21, 1.5)")
            )
            assert connection.execute(sa.text("SELECT max(id) FROM customers")).scalar() == 21
            assert connection.execute(sa.text("SELECT max(id) FROM shop_orders")).scalar() == 106
    finally:
        engine.dispose()


class CrashAfterFirstBatch(NoProgress):
    """A fault injected once the first batch is committed: the process 'dies' there."""

    def advance(self, rows: int) -> None:
        raise sa.exc.OperationalError("INSERT ...", {}, Exception("server closed the connection"))


def test_sqlite_to_sqlite_copies_every_table_and_reports_one_line(
    tmp_path: Path, shop: ServicePackage
) -> None:
    source, target = sqlite_url(tmp_path / "monolith.db"), sqlite_url(tmp_path / "shop.db")
    build_monolith(source)
    result = CliRunner().invoke(
        service_command,
        ["backfill", shop.name, "--services-dir", str(tmp_path / "services")],
        env={"DATABASE_URL": source, f"{shop.name.upper()}_DATABASE_URL": target},
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"backfilled {shop.name}: 3 tables, 10 rows (customers 4, shop_orders 3,"
        " order_notes 3); row counts and checksums match the source"
    )
    assert_copied(target)
    assert_new_rows_get_fresh_ids(target)


@pytest.mark.postgres
def test_sqlite_to_postgres_moves_the_sequences_and_restores_the_foreign_keys(
    tmp_path: Path, shop: ServicePackage, postgres_url: str
) -> None:
    source = sqlite_url(tmp_path / "monolith.db")
    build_monolith(source)
    backfill_service(shop, source, postgres_url, batch_size=2)
    assert_copied(postgres_url)
    engine = sa.create_engine(postgres_url)
    try:
        links = {
            (table, tuple(key["constrained_columns"]), key["referred_table"])
            for table in SERVICE_TABLES
            for key in sa.inspect(engine).get_foreign_keys(table)
        }
    finally:
        engine.dispose()
    assert links == {
        ("customers", ("referrer_id",), "customers"),
        ("customers", ("favourite_order_id",), "shop_orders"),
        ("shop_orders", ("customer_id",), "customers"),
        ("order_notes", ("order_id",), "shop_orders"),
    }
    assert_new_rows_get_fresh_ids(postgres_url)


@pytest.mark.postgres
def test_postgres_to_sqlite(tmp_path: Path, shop: ServicePackage, postgres_url: str) -> None:
    build_monolith(postgres_url)
    target = sqlite_url(tmp_path / "shop.db")
    summary = backfill_service(shop, postgres_url, target, batch_size=3)
    assert summary.describe().startswith("3 tables, 10 rows")
    assert_copied(target)
    assert_new_rows_get_fresh_ids(target)


def test_a_rerun_follows_the_source_and_changes_nothing_else(
    tmp_path: Path, shop: ServicePackage
) -> None:
    source, target = sqlite_url(tmp_path / "monolith.db"), sqlite_url(tmp_path / "shop.db")
    build_monolith(source)
    first = backfill_service(shop, source, target, batch_size=2)
    assert backfill_service(shop, source, target, batch_size=2) == first
    assert_copied(target)

    engine = sa.create_engine(source)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM order_notes WHERE body = 'late'"))
        connection.execute(sa.text("UPDATE customers SET favourite_order_id = NULL WHERE id = 3"))
        connection.execute(sa.text("DELETE FROM orders WHERE id = 105"))
        connection.execute(sa.text("UPDATE customers SET name = 'Bobby' WHERE id = 7"))
    engine.dispose()
    backfill_service(shop, source, target, batch_size=2)
    assert table_rows(target, "shop_orders") == [ORDERS[0], ORDERS[1]]
    assert table_rows(target, "order_notes") == [(100, "fragile"), (100, "fragile")]
    assert table_rows(target, "customers") == sorted(
        [
            (3, "Ann", None, None, datetime(2024, 1, 1, 10, 0), True, CUSTOMERS[0][6]),
            (7, "Bobby", 3, None, datetime(2024, 2, 1, 10, 30), False, None),
            CUSTOMERS[2],
            CUSTOMERS[3],
        ],
        key=repr,
    )


@pytest.mark.parametrize(
    "target_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_crashed_copy_keeps_its_first_batch_and_a_rerun_completes_it(
    tmp_path: Path, shop: ServicePackage, target_kind: str, request: pytest.FixtureRequest
) -> None:
    if target_kind == "postgres":
        target = request.getfixturevalue("postgres_url")
    else:
        target = sqlite_url(tmp_path / "shop.db")
    source = sqlite_url(tmp_path / "monolith.db")
    build_monolith(source)

    with pytest.raises(BackfillFailed) as crashed:
        backfill_service(shop, source, target, batch_size=2, progress=CrashAfterFirstBatch())
    assert "server closed the connection" in str(crashed.value)
    assert "run the backfill again: it completes the copy" in str(crashed.value)
    # customers comes first (shop_orders and order_notes reference it); ids 3 and 7 made it
    assert table_rows(target, "customers") == sorted(CUSTOMERS[:2], key=repr)
    assert table_rows(target, "shop_orders") == []

    backfill_service(shop, source, target, batch_size=2)
    assert_copied(target)
    assert_new_rows_get_fresh_ids(target)


def test_a_target_changed_behind_the_copy_is_a_difference(
    tmp_path: Path, shop: ServicePackage
) -> None:
    source, target = sqlite_url(tmp_path / "monolith.db"), sqlite_url(tmp_path / "shop.db")
    build_monolith(source)
    backfill_service(shop, source, target)
    engine = sa.create_engine(target)
    with engine.begin() as connection:  # another writer: shouts every name it sees written
        connection.execute(
            sa.text(
                "CREATE TRIGGER shout AFTER UPDATE OF name ON customers WHEN NEW.name = 'Bob'"
                " BEGIN UPDATE customers SET name = 'BOB' WHERE id = NEW.id; END"
            )
        )
    engine.dispose()
    with pytest.raises(BackfillMismatch) as caught:
        backfill_service(shop, source, target)
    message = str(caught.value)
    assert message.startswith("the copy differs from the source: customers: source 4 rows")
    assert "shop_orders" not in message.split("hint:")[0]


def test_the_same_database_is_refused_however_it_is_spelled(
    tmp_path: Path, shop: ServicePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_monolith(sqlite_url(tmp_path / "monolith.db"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BackfillRefused, match="is the source database itself"):
        backfill_service(shop, "sqlite:///monolith.db", sqlite_url(tmp_path / "monolith.db"))
    with pytest.raises(BackfillRefused, match="is the source database itself"):
        backfill_service(shop, "sqlite:///./x/../monolith.db", "sqlite:///monolith.db")


@pytest.mark.postgres
def test_a_server_database_is_the_same_by_host_port_and_name(
    shop: ServicePackage, postgres_url: str
) -> None:
    build_monolith(postgres_url)
    spelled_otherwise = postgres_url.replace("127.0.0.1:5432", "localhost").replace(
        "postgresql://", "postgresql+psycopg2://"
    )
    with pytest.raises(BackfillRefused, match="is the source database itself"):
        backfill_service(shop, postgres_url, spelled_otherwise)


def test_a_target_with_tables_of_its_own_is_refused_untouched(
    tmp_path: Path, shop: ServicePackage
) -> None:
    source = sqlite_url(tmp_path / "monolith.db")
    other = sqlite_url(tmp_path / "other-monolith.db")
    build_monolith(source)
    build_monolith(other)  # e.g. the monolith's database given as --to-url by mistake
    with pytest.raises(BackfillRefused) as caught:
        backfill_service(shop, source, other)
    assert "holds tables that are not the service's: audit_log, orders" in str(caught.value)
    assert table_rows(other, "customers") == sorted(CUSTOMERS, key=repr)
    engine = sa.create_engine(other)
    try:
        assert "shop_orders" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_source_without_the_tables_is_refused(tmp_path: Path, shop: ServicePackage) -> None:
    source = tmp_path / "empty.db"
    engine = sa.create_engine(sqlite_url(source))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(BackfillRefused, match="has no table 'orders', 'order_notes'"):
        backfill_service(shop, sqlite_url(source), sqlite_url(tmp_path / "shop.db"))
    assert not (tmp_path / "shop.db").exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_and_a_pipe_nothing(
    tmp_path: Path, shop: ServicePackage
) -> None:
    source, target = sqlite_url(tmp_path / "monolith.db"), sqlite_url(tmp_path / "shop.db")
    build_monolith(source)
    terminal, pipe = Terminal(), io.StringIO()
    backfill_service(shop, source, target, progress=progress_for(terminal), batch_size=2)
    backfill_service(shop, source, target, progress=progress_for(pipe), batch_size=2)
    assert "copying" in terminal.getvalue()
    assert "100%" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_a_rerun_keeps_the_services_idempotency_keys(tmp_path: Path, shop: ServicePackage) -> None:
    """Once the service has run, its database also holds the keys it applied: a backfill
    run again fills the copies and leaves that table, and its rows, alone."""
    from extracted_services.shared.idempotency_store import create_table, keys

    source, target = sqlite_url(tmp_path / "monolith.db"), sqlite_url(tmp_path / "svc.db")
    build_monolith(source)
    backfill_service(shop, source, target)
    engine = sa.create_engine(target)
    try:
        create_table(engine)
        with engine.begin() as connection:
            connection.execute(
                keys.insert().values(
                    {c.name: f"v-{c.name}" if isinstance(c.type, sa.Text) else 0 for c in keys.c}
                )
            )
        backfill_service(shop, source, target)
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(keys)).scalar() == 1
    finally:
        engine.dispose()
