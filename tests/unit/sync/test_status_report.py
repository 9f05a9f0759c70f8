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
