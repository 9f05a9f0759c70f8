"""service.toml: what a valid one says, and a clear refusal (file, line, key, reason) otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from extracted_services.manifest import ManifestError, Reference, TableCopy, parse_manifest

PATH = Path("services/orders/service.toml")
VALID = """\
name = "orders"
service = "service:OrdersService"
database_env = "ORDERS_DATABASE_URL"
default_database_url = "sqlite:///var/orders.sqlite3"
tables = ["customers", {monolith = "orders", service = "orders_orders"}]
owns = ["customers"]
writes_foreign = ["orders"]
backfill = "copying.tables:copy_all"
requires = ["requests>=2"]

[protocol]
place_order = "http"
"""


def test_a_valid_manifest_says_everything_the_toolkit_reads() -> None:
    manifest = parse_manifest(VALID, PATH)
    assert manifest.name == "orders"
    assert manifest.service == Reference("service", "OrdersService")
    assert manifest.tables == (
        TableCopy("customers", "customers"),
        TableCopy("orders", "orders_orders"),
    )
    assert manifest.owns == ("customers",)
    assert manifest.writes_foreign == ("orders",)
    assert manifest.backfill == Reference("copying.tables", "copy_all")
    assert manifest.requires == ("requests>=2",)
    assert (manifest.protocol("place_order"), manifest.protocol("get_order")) == ("http", "rpc")


def test_owns_protocol_backfill_and_requires_may_be_left_out() -> None:
    lines = VALID.split("\n[protocol]")[0].splitlines()
    manifest = parse_manifest("\n".join(lines[:5]) + "\n", PATH)
    assert (manifest.owns, manifest.protocols, manifest.backfill, manifest.requires) == (
        (),
        (),
        None,
        (),
    )
    assert manifest.sync is False  # no change applier unless the manifest asks


def test_sync_switches_the_change_applier_on_and_must_be_a_boolean() -> None:
    assert parse_manifest(VALID.replace("[protocol]", "sync = true\n[protocol]"), PATH).sync
    with pytest.raises(ManifestError, match=r"service\.toml:11: sync: must be true or false"):
        parse_manifest(VALID.replace("[protocol]", 'sync = "yes"\n[protocol]'), PATH)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "tables =",
            "tabels =",
            "services/orders/service.toml:5: tabels: unknown key 'tabels' in service.toml"
            " (did you mean 'tables'?)",
        ),
        (
            'name = "orders"\n',
            "",
            "services/orders/service.toml: name: missing",
        ),
        (
            '"service:OrdersService"',
            '"service.OrdersService"',
            "service.toml:2: service: 'service.OrdersService' is not module:Class",
        ),
        (
            '"ORDERS_DATABASE_URL"',
            '"ORDERS DATABASE"',
            "service.toml:3: database_env: 'ORDERS DATABASE' is not an environment variable name",
        ),
        (
            '"sqlite:///var/orders.sqlite3"',
            '"var/orders.sqlite3"',
            "service.toml:4: default_database_url: 'var/orders.sqlite3' is not a database URL",
        ),
        (
            'service = "orders_orders"',
            'servise = "orders_orders"',
            "service.toml:5: tables[1]: unknown key 'servise' in a table entry"
            " (did you mean 'service'?)",
        ),
        (
            '"customers", {',
            '"orders", {',
            "service.toml:5: tables: monolith table 'orders' is listed twice",
        ),
        (
            'tables = ["customers", {monolith = "orders", service = "orders_orders"}]',
            "tables = []",
            "service.toml:5: tables: must be a non-empty list",
        ),
        (
            'owns = ["customers"]',
            'owns = ["orders_orders"]',
            "service.toml:6: owns: 'orders_orders' is not one of the service's tables"
            " (name it as the monolith does: 'orders')",
        ),
        (
            'writes_foreign = ["orders"]',
            'writes_foreign = ["orders_orders"]',
            "service.toml:7: writes_foreign: 'orders_orders' is not one of the service's tables"
            " (name it as the monolith does: 'orders')",
        ),
        (
            'owns = ["customers"]',
            'owns = ["custmers"]',
            "owns: 'custmers' is not one of the service's tables (did you mean 'customers'?)",
        ),
        (
            '"requests>=2"',
            '"requests >> 2"',
            "service.toml:9: requires: 'requests >> 2' is not a requirement like 'requests>=2'",
        ),
        (
            'place_order = "http"',
            'place_order = "soap"',
            "service.toml:12: protocol.place_order: must be one of rpc, http, got 'soap'",
        ),
        (
            'name = "orders"',
            'name = "order-service"',
            "service.toml:1: name: 'order-service' is not a Python identifier",
        ),
        (
            'owns = ["customers"]',
            "owns = 3",
            "service.toml:6: owns: must be a list of strings, got an integer",
        ),
        (
            'name = "orders"',
            "name = ",
            "services/orders/service.toml:1: TOML syntax error: Invalid value (column 8)",
        ),
    ],
)
def test_a_malformed_manifest_is_refused_with_file_line_key_and_reason(
    old: str, new: str, message: str
) -> None:
    assert old in VALID
    with pytest.raises(ManifestError) as caught:
        parse_manifest(VALID.replace(old, new, 1), PATH)
    assert message in str(caught.value)
    assert caught.value.exit_code == 2
    assert "docs/contracts.md" in str(caught.value)


def test_the_catalogs_manifest_is_valid_and_keeps_its_own_backfill() -> None:
    path = Path(__file__).resolve().parents[3] / "extracted_services" / "catalog" / "service.toml"
    manifest = parse_manifest(path.read_text(), path)
    assert manifest.name == "catalog"
    assert [(t.monolith, t.service) for t in manifest.tables] == [
        ("categories", "catalog_categories"),
        ("products", "catalog_products"),
    ]
    assert str(manifest.backfill) == "backfill:backfill_catalog"
    assert manifest.sync is True
