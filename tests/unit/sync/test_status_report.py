"""`sync status`'s report (pure): where unapplied changes wait and for how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strangler_sync.broker import QueueBacklog
from strangler_sync.status import ServiceStatus, SyncStatus, TableBacklog, format_age

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


def status(*services: ServiceStatus, not_installed: tuple[str, ...] = ()) -> SyncStatus:
    return SyncStatus("sqlite:///monolith.sqlite3", NOW, services, not_installed)


def test_each_table_and_queue_says_how_many_wait_and_the_oldest_age() -> None:
    catalog = ServiceStatus(
        "catalog",
        (
            TableBacklog("categories", 0, None),
            TableBacklog("products", 7, NOW - timedelta(seconds=2.5)),
        ),
        QueueBacklog(
            True,
            waiting=12,
            consumers=2,
            dead=1,
            oldest_published=NOW - timedelta(minutes=3, seconds=4),
        ),
    )

    report = status(catalog)

    assert report.lines() == [
        "sync status of sqlite:///monolith.sqlite3: 20 changes or messages not applied yet",
        "  catalog: 12 waiting in sync-catalog (oldest published 3m 4s ago), 2 appliers;"
        " 1 dead-lettered in sync-catalog.dead",
        "    categories  0 unpublished",
        "    products    7 unpublished (oldest captured 2.5s ago)",
    ]


def test_a_missing_queue_and_a_sync_service_without_capture_are_named() -> None:
    reviews = ServiceStatus("reviews", (TableBacklog("reviews", 0, None),), QueueBacklog(False))

    lines = status(reviews, not_installed=("catalog",)).lines()

    assert lines[1] == "  reviews: queue sync-reviews missing (run sync install again)"
    assert lines[-1] == (
        "  catalog: sync = true, but capture is not installed in this database"
        " (strangler sync install catalog)"
    )
    assert status().lines()[1] == "  no capture installed (strangler sync install SERVICE)"


def test_ages_are_precise_while_small_and_short_when_large() -> None:
    assert [format_age(s) for s in (0.04, 9.96, 42.7, 303, 7830)] == [
        "0.0s",
        "10.0s",
        "42s",
        "5m 3s",
        "2h 10m",
    ]


def test_a_service_url_that_is_not_service_equals_url_is_refused() -> None:
    from click.testing import CliRunner

    from strangler.errors import UsageError
    from strangler_cli import cli

    for given, reason in [
        ("inventory", "--service-url 'inventory' is not SERVICE=URL"),
        ("nobody=sqlite:///x.sqlite3", "--service-url names 'nobody', which is no service"),
    ]:
        result = CliRunner().invoke(cli, ["sync", "status", "--service-url", given])
        assert isinstance(result.exception, UsageError)  # exit 2, no traceback
        assert reason in result.exception.message


def test_the_reverse_flow_is_told_per_service_and_counted() -> None:
    from strangler_sync.status import BackFlowStatus

    moved = BackFlowStatus(
        "inventory",
        QueueBacklog(True, waiting=2, consumers=1, dead=1),
        "sqlite:///inventory.sqlite3",
        (TableBacklog("stock_levels", 3, NOW - timedelta(seconds=1)),),
    )
    unread = BackFlowStatus(
        "orders", QueueBacklog(True), "sqlite:///orders.sqlite3", problem="cannot connect"
    )
    not_started = BackFlowStatus("billing", QueueBacklog(False), "sqlite:///billing.sqlite3")

    report = SyncStatus("sqlite:///monolith.sqlite3", NOW, (), (), (moved, unread, not_started))

    assert report.lines() == [
        "sync status of sqlite:///monolith.sqlite3: 6 changes or messages not applied yet",
        "  no capture installed (strangler sync install SERVICE)",
        "  inventory, going back: 2 waiting in sync-back-inventory, 1 applier;"
        " 1 dead-lettered in sync-back-inventory.dead",
        "    in sqlite:///inventory.sqlite3:",
        "    stock_levels  3 unpublished (oldest captured 1.0s ago)",
        "  orders, going back: 0 waiting in sync-back-orders, 0 appliers;"
        " 0 dead-lettered in sync-back-orders.dead",
        "    sqlite:///orders.sqlite3: cannot connect",
        "  billing, going back: queue sync-back-billing missing: the reverse flow is not"
        " installed (strangler sync install billing --side service)",
    ]
