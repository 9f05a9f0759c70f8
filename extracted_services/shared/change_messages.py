"""Decode and check one change message (docs/contracts.md, section (i)) before it is applied.

Keys the contract does not name are ignored, so a relay may add some.

Pure: a message body in, frozen changes out, or a `PoisonMessage` saying why the
message can never be applied (so the applier dead-letters it instead of retrying).
`row_values` and `key_values` then check one change against the service's copy of
the table (`TableShape`) and turn its JSON values into what the columns hold: ISO
8601 text into dates and times, hex text (`\\x0aff`, as capture writes bytes) or
base64 text into bytes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from strangler.changes import BYTES_PREFIX, MESSAGE_VERSION, OPERATIONS


class PoisonMessage(Exception):
    """A change message that can never be applied: the reason goes with it to the dead letters."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Change:
    """One row change: `row` is the whole row after it (None for a delete)."""

    id: str
    position: int
    operation: str
    key: Mapping[str, Any]
    row: Mapping[str, Any] | None
    origin: str


@dataclass(frozen=True)
class ChangeMessage:
    """One committed transaction's changes to one monolith table, in commit order."""

    source: str
    table: str
    transaction: str | None
    changes: tuple[Change, ...]
    database: str | None = None  # the identity of the database it was captured in, if told


@dataclass(frozen=True)
class ColumnShape:
    """What a column of the service's copy holds (`python_type` None: taken as it comes)."""

    python_type: type | None
    timezone: bool = False


@dataclass(frozen=True)
class TableShape:
    """The service's copy of a monolith table: its name, columns and primary key."""

    name: str
    columns: Mapping[str, ColumnShape]
    primary_key: tuple[str, ...]


def decode_message(body: Any) -> ChangeMessage:
    """The message in `body` (decoded JSON), or PoisonMessage naming the first problem."""
    if not isinstance(body, dict):
        raise PoisonMessage(f"bad payload: the body is not a JSON object but {_kind(body)}")
    if body.get("version") != MESSAGE_VERSION:
        raise PoisonMessage(
            f"bad payload: version {body.get('version')!r} is not {MESSAGE_VERSION}"
        )
    source = _text(body, "source", "")
    table = _text(body, "table", "")
    transaction = body.get("transaction")
    if transaction is not None and not isinstance(transaction, str):
        raise PoisonMessage("bad payload: transaction must be text or null")
    database = body.get("database")
    if database is not None and (not isinstance(database, str) or not database):
        raise PoisonMessage("bad payload: database must be non-empty text when given")
    changes = body.get("changes")
    if not isinstance(changes, list) or not changes:
        raise PoisonMessage("bad payload: changes must be a non-empty list")
    return ChangeMessage(
        source=source,
        table=table,
        transaction=transaction,
        changes=tuple(_change(index, item) for index, item in enumerate(changes)),
        database=database,
    )


def _change(index: int, item: Any) -> Change:
    where = f"changes[{index}]"
    if not isinstance(item, dict):
        raise PoisonMessage(f"bad payload: {where} is not an object but {_kind(item)}")
    position = item.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise PoisonMessage(f"bad payload: {where}.position must be a non-negative integer")
    operation = item.get("operation")
    if operation not in OPERATIONS:
        raise PoisonMessage(
            f"bad payload: {where}.operation {operation!r} is not one of {', '.join(OPERATIONS)}"
        )
    key = item.get("key")
    if not isinstance(key, dict) or not key:
        raise PoisonMessage(f"bad payload: {where}.key must be a non-empty object")
    row = item.get("row")
    if operation == "delete" and row is not None:
        raise PoisonMessage(f"bad payload: {where} is a delete but carries a row")
    if operation != "delete" and not isinstance(row, dict):
        raise PoisonMessage(f"bad payload: {where} is an {operation} without a row object")
    return Change(
        id=_text(item, "id", where),
        position=position,
        operation=operation,
        key=key,
        row=row,
        origin=_text(item, "origin", where),
    )


def key_values(change: Change, shape: TableShape) -> dict[str, Any]:
    """The change's key as the copy's primary key values; PoisonMessage if it is not one."""
    if set(change.key) != set(shape.primary_key):
        raise PoisonMessage(
            f"schema mismatch: change {change.id} has key columns {sorted(change.key)},"
            f" {shape.name}'s primary key is {list(shape.primary_key)}"
        )
    return _converted(change, change.key, shape)


def row_values(change: Change, shape: TableShape) -> dict[str, Any]:
    """The change's row image as the copy's column values; PoisonMessage if it does not fit."""
    assert change.row is not None, "a delete has no row"
    unknown = sorted(set(change.row) - set(shape.columns))
    if unknown:
        raise PoisonMessage(
            f"schema mismatch: {shape.name} has no column {', '.join(unknown)} (change {change.id})"
        )
    missing = sorted(set(shape.columns) - set(change.row))
    if missing:
        raise PoisonMessage(
            f"schema mismatch: change {change.id} lacks {shape.name}'s column {', '.join(missing)}"
        )
    values = _converted(change, change.row, shape)
    key = key_values(change, shape)
    if any(values[column] != value for column, value in key.items()):
        raise PoisonMessage(f"bad payload: change {change.id}'s row does not hold its key")
    return values


def _converted(change: Change, values: Mapping[str, Any], shape: TableShape) -> dict[str, Any]:
    converted = {}
    for column, value in values.items():
        try:
            converted[column] = column_value(value, shape.columns[column])
        except (TypeError, ValueError, InvalidOperation, binascii.Error) as exc:
            raise PoisonMessage(
                f"bad payload: change {change.id}: {shape.name}.{column}: {exc}"
            ) from None
    return converted


def column_value(value: Any, column: ColumnShape) -> Any:
    """A JSON value as the column holds it; TypeError or ValueError when it cannot be."""
    wanted = column.python_type
    if value is None or wanted is None:
        return value
    if wanted is bool:
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
    elif wanted is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif wanted is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif wanted is Decimal:
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            return Decimal(str(value))
    elif wanted is str:
        if isinstance(value, str):
            return value
    elif wanted is bytes:
        if isinstance(value, str) and value.startswith(BYTES_PREFIX):
            return bytes.fromhex(value[len(BYTES_PREFIX) :])
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
    elif wanted is dt.datetime:
        if isinstance(value, str):
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is not None and not column.timezone:
                moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
            return moment
    elif wanted is dt.date:
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
    elif wanted is dt.time:
        if isinstance(value, str):
            return dt.time.fromisoformat(value)
    else:
        return value
    raise TypeError(f"{value!r} is not a {wanted.__name__} value")


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        name = f"{where}.{key}" if where else key
        raise PoisonMessage(f"bad payload: {name} must be non-empty text")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
