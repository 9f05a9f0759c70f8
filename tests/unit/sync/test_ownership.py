"""One writer per table: owners from the manifests, writes from elsewhere as errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from extracted_services.manifest import Manifest, parse_manifest
from strangler.errors import UsageError
from strangler_sync.ownership import Violation, check_ownership, table_owners


def manifest(name: str, owns: str) -> Manifest:
    text = (
        f'name = "{name}"\nservice = "service:S"\ndatabase_env = "DB"\n'
        'default_database_url = "sqlite:///var/s.sqlite3"\n'
        f'tables = ["orders", "reviews", "users"]\nowns = [{owns}]\n'
    )
    return parse_manifest(text, Path(f"services/{name}/service.toml"))


def test_captured_changes_to_an_owned_table_from_another_origin_are_errors() -> None:
    owners = table_owners([manifest("shop", '"orders"'), manifest("reviews", '"reviews"')])
    report = check_ownership(
        "sqlite:///monolith.sqlite3",
        owners,
        unpublished={("orders", "monolith"): 2, ("orders", "shop"): 5, ("users", "monolith"): 9},
        recorded={("orders", "monolith"): 1, ("reviews", "shop"): 3},
    )
    assert report.violations == (
        Violation("orders", "shop", "monolith", unpublished=2, recorded=1),
        Violation("reviews", "reviews", "shop", unpublished=0, recorded=3),
    )
    assert (
        "  error: table orders is owned by shop, but 3 changes came from monolith"
        " (2 unpublished in the change table, 1 seen by `sync apply shop`)"
    ) in report.lines()


def test_only_the_owners_changes_are_no_error() -> None:
    report = check_ownership(
        "db", {"orders": "shop"}, unpublished={("orders", "shop"): 4}, recorded={}
    )
    assert report.violations == ()
    assert report.lines()[-1] == "  no write to an owned table from another origin"


def test_a_table_two_services_own_is_refused() -> None:
    with pytest.raises(UsageError, match="'orders' is owned by both shop and billing"):
        table_owners([manifest("shop", '"orders"'), manifest("billing", '"orders"')])
