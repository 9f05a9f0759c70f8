"""Changes -> messages: one per committed transaction and table, in commit order per key."""

from __future__ import annotations

import json

from strangler_sync.changes import StoredChange
from strangler_sync.messages import group_messages, message_body


def change(position: int, table: str, transaction: int | None, last: int) -> StoredChange:
    return StoredChange(
        position=position,
        table=table,
        operation="update",
        key={"id": position},
        row={"id": position, "flag": True},
        transaction=transaction,
        drawn_at=None,
        origin="monolith",
        transaction_last=last,
    )


def test_one_message_per_transaction_and_table_with_its_changes_in_position_order() -> None:
    changes = [
        change(1, "products", 10, 4),
        change(2, "categories", 10, 4),
        change(3, "products", 10, 4),
        change(4, "reviews", 10, 4),
    ]
    messages = group_messages(changes)
    assert [(m.table, m.positions) for m in messages] == [
        ("products", [1, 3]),
        ("categories", [2]),
        ("reviews", [4]),
    ]


def test_interleaved_transactions_go_in_the_order_of_their_last_change() -> None:
    # transaction 20 (positions 2, 3) ended before transaction 10 wrote its last change (5)
    changes = [
        change(1, "products", 10, 5),
        change(2, "products", 20, 3),
        change(3, "products", 20, 3),
        change(5, "products", 10, 5),
    ]
    assert [m.positions for m in group_messages(changes)] == [[2, 3], [1, 5]]


def test_without_a_transaction_id_each_change_is_its_own_message() -> None:
    changes = [change(1, "products", None, 1), change(2, "products", None, 2)]
    assert [m.positions for m in group_messages(changes)] == [[1], [2]]


def test_the_body_is_contract_i() -> None:
    (message,) = group_messages([change(1042, "reviews", 741, 1042)])
    body = json.loads(message_body(message, "monolith"))
    assert body == {
        "version": 1,
        "source": "monolith",
        "table": "reviews",
        "transaction": "741",
        "changes": [
            {
                "id": "monolith:reviews:1042",
                "position": 1042,
                "operation": "update",
                "key": {"id": 1042},
                "row": {"id": 1042, "flag": True},
                "origin": "monolith",
            }
        ],
    }
    (sqlite_message,) = group_messages([change(7, "reviews", None, 7)])
    assert json.loads(message_body(sqlite_message, "shop"))["transaction"] is None
    assert json.loads(message_body(sqlite_message, "shop"))["changes"][0]["id"] == "shop:reviews:7"


def test_a_message_names_the_database_it_was_captured_in_and_stale_ones_are_told() -> None:
    from strangler_sync.messages import captured_elsewhere

    [message] = group_messages([change(7, "reviews", None, 7)])
    named = message_body(message, "monolith", "ab12")

    def not_service(source: str) -> bool:  # the monolith side's sources
        return source != "catalog"

    assert json.loads(named)["database"] == "ab12"
    assert "database" not in json.loads(message_body(message, "monolith"))
    assert not captured_elsewhere(named, "ab12", not_service)  # this database's own
    assert captured_elsewhere(named, "cd34", not_service)
    assert captured_elsewhere(named, None, not_service)  # nothing installed here yet
    assert not captured_elsewhere(message_body(message, "catalog", "ef56"), "ab12", not_service)
    assert not captured_elsewhere(message_body(message, "monolith"), "ab12", not_service)
    assert not captured_elsewhere(b"not json", "ab12", not_service)
