"""Changes -> messages, as contract (i) says (pure).

One message holds one committed transaction's changes to one table, in position order.
Messages follow their transactions' last positions: of two transactions that changed the
same row, the one that wrote it first committed before the other could write it, so per
primary key the messages arrive in commit order. Without a transaction id (SQLite), each
change is a message of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from strangler.changes import MESSAGE_VERSION
from strangler_sync.changes import StoredChange

DEFAULT_SOURCE = "monolith"


@dataclass(frozen=True)
class ChangeMessage:
    """The changes one message carries: one transaction, one table."""

    table: str
    transaction: int | None
    changes: tuple[StoredChange, ...]

    @property
    def positions(self) -> list[int]:
        return [change.position for change in self.changes]


def group_messages(changes: Sequence[StoredChange]) -> list[ChangeMessage]:
    """`changes` (position order, whole transactions) as messages in publishing order."""
    groups: dict[tuple[object, str], list[StoredChange]] = {}
    for change in changes:
        transaction: object = (
            change.transaction if change.transaction is not None else ("change", change.position)
        )
        groups.setdefault((transaction, change.table), []).append(change)
    ordered = sorted(
        groups.values(), key=lambda group: (group[0].transaction_last, group[0].position)
    )
    return [ChangeMessage(group[0].table, group[0].transaction, tuple(group)) for group in ordered]


def change_id(source: str, change: StoredChange) -> str:
    """Unique per change and stable across re-delivery."""
    return f"{source}:{change.table}:{change.position}"


def message_body(
    message: ChangeMessage, source: str = DEFAULT_SOURCE, database: str | None = None
) -> bytes:
    """The message's JSON body (contract i); `database`: the identity of the database it
    was captured in (left out when unknown)."""
    body = {
        "version": MESSAGE_VERSION,
        "source": source,
        **({} if database is None else {"database": database}),
        "table": message.table,
        "transaction": None if message.transaction is None else str(message.transaction),
        "changes": [
            {
                "id": change_id(source, change),
                "position": change.position,
                "operation": change.operation,
                "key": change.key,
                "row": change.row,
                "origin": change.origin,
            }
            for change in message.changes
        ],
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def captured_elsewhere(body: bytes, database: str | None, sources: Callable[[str], bool]) -> bool:
    """Whether a message body comes from a relay of this kind of database (`sources` says
    which sources are) but was captured in another database than `database`. A body that
    names no database (an older relay's) or is not a change message is not counted."""
    try:
        decoded = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(decoded, dict):
        return False
    source, captured_in = decoded.get("source"), decoded.get("database")
    return (
        isinstance(source, str)
        and isinstance(captured_in, str)
        and sources(source)
        and captured_in != database
    )
