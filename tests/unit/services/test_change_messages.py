"""Decoding and checking change messages (contract i), and the SQL a change becomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import postgresql, sqlite

from extracted_services.shared.change_messages import (
    ColumnShape,
    PoisonMessage,
    TableShape,
    column_value,
    decode_message,
    key_values,
    row_values,
)
from extracted_services.shared.change_statements import (
    bound_values,
    claim_parameters,
    claim_statement,
    delete_statement,
    row_key,
    upsert_statement,
)

PRODUCTS = TableShape(
    name="catalog_products",
    columns={
        "id": ColumnShape(int),
        "name": ColumnShape(str),
        "price": ColumnShape(Decimal),
        "created_at": ColumnShape(dt.datetime),
        "is_active": ColumnShape(bool),
        "photo": ColumnShape(bytes),
    },
    primary_key=("id",),
)
ROW = {
    "id": 7,
    "name": "Lamp",
    "price": 19.99,
    "created_at": "2026-11-27T10:00:00+01:00",
    "is_active": 1,
    "photo": "AAE=",
}


def message(**change: Any) -> dict[str, Any]:
    body = {
        "id": "monolith:products:5",
        "position": 5,
        "operation": "update",
        "key": {"id": 7},
        "row": ROW,
        "origin": "monolith",
    }
    body.update(change)
    return {
        "version": 1,
        "source": "monolith",
        "table": "products",
        "transaction": "741",
        "changes": [body],
    }


def test_a_message_in_the_contracts_shape_decodes_to_its_changes() -> None:
    decoded = decode_message(message())
    assert (decoded.source, decoded.table, decoded.transaction) == ("monolith", "products", "741")
    [change] = decoded.changes
    assert (change.id, change.position, change.operation) == ("monolith:products:5", 5, "update")
    assert (change.key, change.row, change.origin) == ({"id": 7}, ROW, "monolith")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ([1], "bad payload: the body is not a JSON object but list"),
        ({**message(), "version": 2}, "bad payload: version 2 is not 1"),
        ({**message(), "table": ""}, "bad payload: table must be non-empty text"),
        ({**message(), "changes": []}, "bad payload: changes must be a non-empty list"),
        (message(position=-1), "changes[0].position must be a non-negative integer"),
        (message(position=True), "changes[0].position must be a non-negative integer"),
        (message(operation="upsert"), "operation 'upsert' is not one of insert, update, delete"),
        (message(key={}), "changes[0].key must be a non-empty object"),
        (message(operation="delete"), "changes[0] is a delete but carries a row"),
        (message(row=None), "changes[0] is an update without a row object"),
        (message(origin=None), "changes[0].origin must be non-empty text"),
    ],
)
def test_a_malformed_message_is_poison_with_its_reason(body: Any, reason: str) -> None:
    with pytest.raises(PoisonMessage) as poison:
        decode_message(body)
    assert reason in poison.value.reason


def test_row_values_turn_json_into_what_the_columns_hold() -> None:
    [change] = decode_message(message()).changes
    assert row_values(change, PRODUCTS) == {
        "id": 7,
        "name": "Lamp",
        "price": Decimal("19.99"),
        "created_at": dt.datetime(2026, 11, 27, 9, 0),  # naive UTC, as the column holds
        "is_active": True,
        "photo": b"\x00\x01",
    }


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({**ROW, "colour": "red"}, "schema mismatch: catalog_products has no column colour"),
        ({k: v for k, v in ROW.items() if k != "name"}, "lacks catalog_products's column name"),
        ({**ROW, "id": 8}, "bad payload: change monolith:products:5's row does not hold its key"),
        ({**ROW, "id": "7"}, "catalog_products.id: '7' is not a int value"),
        ({**ROW, "created_at": "yesterday"}, "catalog_products.created_at: Invalid isoformat"),
        ({**ROW, "photo": "not base64!"}, "catalog_products.photo"),
    ],
)
def test_a_row_that_does_not_fit_the_copy_is_poison(row: dict[str, Any], reason: str) -> None:
    [change] = decode_message(message(row=row)).changes
    with pytest.raises(PoisonMessage) as poison:
        row_values(change, PRODUCTS)
    assert reason in poison.value.reason


def test_a_key_must_be_the_copys_primary_key() -> None:
    [change] = decode_message(message(operation="delete", row=None, key={"sku": "L-1"})).changes
    with pytest.raises(PoisonMessage, match=r"key columns \['sku'\].*primary key is \['id'\]"):
        key_values(change, PRODUCTS)


def test_column_values_keep_null_and_untyped_values() -> None:
    assert column_value(None, ColumnShape(int)) is None
    assert column_value({"a": 1}, ColumnShape(None)) == {"a": 1}
    assert column_value("2026-11-27", ColumnShape(dt.date)) == dt.date(2026, 11, 27)
    aware = column_value("2026-11-27T10:00:00+01:00", ColumnShape(dt.datetime, timezone=True))
    assert aware.utcoffset() == dt.timedelta(hours=1)


def test_row_keys_are_canonical_json_whatever_the_order() -> None:
    assert row_key({"b": 2, "a": "x"}) == row_key({"a": "x", "b": 2}) == '{"a":"x","b":2}'


_table = Table(
    "catalog_products",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
)


def _sql(statement: Any, dialect: Any) -> str:
    return " ".join(str(statement.compile(dialect=dialect)).split())


def test_an_insert_or_update_is_an_upsert_by_primary_key() -> None:
    statement = upsert_statement("postgresql", _table, {"id": 7, "name": "Lamp"})
    assert _sql(statement, postgresql.dialect()) == (
        "INSERT INTO catalog_products (id, name) VALUES (%(id)s::INTEGER, %(name)s::VARCHAR)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name"
    )
    only_key = upsert_statement("sqlite", _table, {"id": 7})
    assert _sql(only_key, sqlite.dialect()).endswith("ON CONFLICT (id) DO NOTHING")


def test_a_delete_deletes_by_key() -> None:
    assert _sql(delete_statement(_table, {"id": 7}), sqlite.dialect()) == (
        "DELETE FROM catalog_products WHERE catalog_products.id = ?"
    )


def test_the_claim_raises_the_position_only_when_newer() -> None:
    statement = claim_statement("postgresql")
    assert _sql(statement, postgresql.dialect()).endswith(
        "ON CONFLICT (source, table_name, row_key) DO UPDATE SET position = excluded.position,"
        " change_id = excluded.change_id"
        " WHERE strangler_sync_applied.position < excluded.position"
        " RETURNING strangler_sync_applied.position"
    )
    assert claim_parameters("monolith", "products", {"id": 7}, 5, "m:p:5") == {
        "source": "monolith",
        "table_name": "products",
        "row_key": '{"id":7}',
        "position": 5,
        "change_id": "m:p:5",
    }
    with pytest.raises(ValueError, match="cannot be applied to a mysql database"):
        claim_statement("mysql")


def test_statements_built_once_take_each_rows_values() -> None:
    upsert = upsert_statement("sqlite", _table, bound_values(_table.columns))
    assert _sql(upsert, sqlite.dialect()) == (
        "INSERT INTO catalog_products (id, name) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name"
    )
    compiled = upsert.compile(dialect=sqlite.dialect())
    assert compiled.construct_params({"id": 7, "name": "Lamp"}) == {"id": 7, "name": "Lamp"}


def test_bytes_come_as_hex_text_as_capture_writes_them_or_as_base64() -> None:
    from extracted_services.shared.change_messages import ColumnShape, column_value

    binary = ColumnShape(python_type=bytes)

    assert column_value("\\x00ff41", binary) == b"\x00\xffA"
    assert column_value("\\x", binary) == b""
    assert column_value("AP9B", binary) == b"\x00\xffA"  # base64, as before
    with pytest.raises(ValueError):
        column_value("\\x0g", binary)


def test_the_database_a_message_was_captured_in_is_optional_text() -> None:
    from extracted_services.shared.change_messages import PoisonMessage, decode_message

    body = {
        "version": 1,
        "source": "monolith",
        "table": "reviews",
        "transaction": None,
        "changes": [
            {
                "id": "monolith:reviews:1",
                "position": 1,
                "operation": "delete",
                "key": {"id": 1},
                "row": None,
                "origin": "monolith",
            }
        ],
    }

    assert decode_message(body).database is None  # an older relay's message
    assert decode_message({**body, "database": "ab12"}).database == "ab12"
    with pytest.raises(PoisonMessage, match="database must be non-empty text"):
        decode_message({**body, "database": 7})
