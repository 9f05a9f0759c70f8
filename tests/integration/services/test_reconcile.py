"""`strangler reconcile` on real SQLite and PostgreSQL copies with differences planted by hand.

The monolith is `shop_package`'s (customers 3, 7, 11, 20; orders 100, 101, 105); the copy
is filled by the generic backfill, then changed: customer 11 deleted, customer 20
renamed, orders 102 and 200 added.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from shop_package import build_monolith, write_shop_package

from extracted_services.backfill.run import backfill_service
from extracted_services.commands import reconcile
from extracted_services.discovery import find_services
from extracted_services.reconcile.run import ReconcileRefused


def plant_differences(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # the planted rows break references on purpose
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        connection.execute(sa.text("DELETE FROM customers WHERE id = 11"))
        connection.execute(sa.text("UPDATE customers SET name = 'Cyril' WHERE id = 20"))
        connection.execute(
            sa.text("INSERT INTO shop_orders VALUES (102, 3, 1.50, NULL), (200, 7, 2.00, 'x')")
        )
    engine.dispose()


@pytest.fixture
def owns() -> str:
    """The manifest's `owns` line: none unless a test says otherwise."""
    return ""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def databases(
    request: pytest.FixtureRequest, tmp_path: Path, owns: str
) -> tuple[Path, str, str, str]:
    services = tmp_path / "services"
    name = write_shop_package(services, manifest_extra=owns)
    source = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    build_monolith(source)
    if request.param == "postgres":
        target = request.getfixturevalue("postgres_url")
    else:
        target = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    backfill_service(find_services([services]).find(name), source, target)
    plant_differences(target)
    return services, name, source, target


def run(databases: tuple[Path, str, str, str], *extra: str) -> Result:
    services, name, source, target = databases
    arguments = [name, "--from-url", source, "--to-url", target, "--services-dir", str(services)]
    return CliRunner().invoke(
        reconcile,
        [*arguments, "--table", "customers", "--table", "orders", "--chunk-size", "2", *extra],
    )


def test_differences_are_summarised_with_examples_and_fail(
    databases: tuple[Path, str, str, str],
) -> None:
    result = run(databases)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"reconcile {databases[1]}: 2 tables, 2 with differences"
    assert lines[1:7] == [
        "  customers: 4 rows, 3 in the copy, 2 chunks (1 differing): 1 missing, 1 different",
        "    missing id=11",
        "    different id=20: name",
        "  orders -> shop_orders: 3 rows, 5 in the copy, 3 chunks (2 differing): 2 extra",
        "    extra id=102",
        "    extra id=200",
    ]


def test_repair_copies_the_monolith_over_the_differences(
    databases: tuple[Path, str, str, str],
) -> None:
    repaired = run(databases, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "1 missing, 1 different; repaired 2" in repaired.output
    assert "2 extra; repaired 2" in repaired.output
    again = run(databases)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[:3] == [
        f"reconcile {databases[1]}: 2 tables, 0 with differences",
        "  customers: 4 rows, 4 in the copy, 2 chunks, equal",
        "  orders -> shop_orders: 3 rows, 3 in the copy, 2 chunks, equal",
    ]


@pytest.mark.parametrize("owns", ['owns = ["customers"]\n'])
def test_repair_leaves_a_table_the_service_owns(databases: tuple[Path, str, str, str]) -> None:
    result = run(databases, "--repair")
    assert result.exit_code == 1, result.output
    assert "1 missing, 1 different; not repaired: the service owns it" in result.output
    assert "2 extra; repaired 2" in result.output


def test_a_table_without_key_or_copy_is_refused(databases: tuple[Path, str, str, str]) -> None:
    services, name, source, target = databases
    base = [name, "--from-url", source, "--to-url", target, "--services-dir", str(services)]
    no_key = CliRunner().invoke(reconcile, [*base, "--table", "order_notes"])
    assert isinstance(no_key.exception, ReconcileRefused)
    assert str(no_key.exception).startswith("order_notes has no primary key")
    unknown = CliRunner().invoke(reconcile, [*base, "--table", "audit_log"])
    assert isinstance(unknown.exception, ReconcileRefused)
    assert str(unknown.exception).startswith(f"{name} keeps no copy of audit_log")


def test_a_repair_into_a_captured_database_is_not_captured(
    databases: tuple[Path, str, str, str],
) -> None:
    from strangler_sync.capture import install_capture

    _, name, _, target = databases
    engine = sa.create_engine(target)
    install_capture(  # the service's own capture, as `sync install --side service` makes it
        engine,
        name,
        ["customers", "shop_orders"],
        first_position=1,
        origin=name,
        published={"shop_orders": "orders"},
    )
    try:
        repaired = run(databases, "--repair")
        assert repaired.exit_code == 0, repaired.output
        assert "1 missing, 1 different; repaired 2" in repaired.output
        with engine.connect() as connection:
            captured = connection.execute(sa.text("SELECT count(*) FROM strangler_changes"))
            assert captured.scalar_one() == 0
        # the capture itself still works for the service's own writes
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE customers SET name = 'Own' WHERE id = 3"))
        with engine.connect() as connection:
            captured = connection.execute(sa.text("SELECT count(*) FROM strangler_changes"))
            assert captured.scalar_one() == 1
    finally:
        engine.dispose()
