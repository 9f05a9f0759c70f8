"""service.toml's `owns` and `writes_foreign` handling: which tables go back to the monolith."""

from __future__ import annotations

from pathlib import Path

import pytest

from extracted_services.manifest import ManifestError, TableCopy, parse_manifest

PATH = Path("services/shop/service.toml")
HEAD = """\
name = "shop"
service = "service:ShopService"
database_env = "SHOP_DATABASE_URL"
default_database_url = "sqlite:///var/shop.sqlite3"
tables = ["reviews", {monolith = "orders", service = "shop_orders"}, "users", "visits"]
"""


def test_owned_and_foreign_tables_sent_back_unless_switched_off() -> None:
    manifest = parse_manifest(
        HEAD
        + 'owns = ["orders"]\n'
        + 'writes_foreign = ["users", {table = "visits", handling = "off"}]\n',
        PATH,
    )
    assert manifest.writes_foreign == ("users", "visits")
    assert manifest.foreign_writes_off == ("visits",)
    assert manifest.sent_back == (TableCopy("orders", "shop_orders"), TableCopy("users", "users"))


def test_an_explicit_send_back_is_the_same_as_a_plain_name() -> None:
    manifest = parse_manifest(
        HEAD + 'writes_foreign = [{table = "users", handling = "send_back"}]\n', PATH
    )
    assert manifest.sent_back == (TableCopy("users", "users"),)
    assert manifest.foreign_writes_off == ()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            'writes_foreign = [{table = "users", handling = "both"}]',
            "writes_foreign[0].handling: must be one of send_back, off, got 'both'",
        ),
        ('writes_foreign = [{handling = "off"}]', "writes_foreign[0]: missing 'table'"),
        ('writes_foreign = [{table = "users", mode = "off"}]', "writes_foreign[0]: "),
        ('owns = ["users"]\nwrites_foreign = ["users"]', "'users' is in `owns` too"),
        ('writes_foreign = ["carts"]', "'carts' is not one of the service's tables"),
    ],
)
def test_a_wrong_writes_foreign_is_refused_with_its_line(lines: str, message: str) -> None:
    with pytest.raises(ManifestError) as refused:
        parse_manifest(HEAD + lines + "\n", PATH)
    assert message in refused.value.message
    assert refused.value.line is not None and refused.value.line >= 6
