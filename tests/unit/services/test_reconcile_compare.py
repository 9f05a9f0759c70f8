"""Comparing one chunk of rows (pure): digests first, then key by key."""

from __future__ import annotations

from extracted_services.reconcile.compare import Difference, Row, compare_chunk, digest

COLUMNS = ("id", "name", "price")
A = Row("[1]", ("1", '"lamp"', "5"))
B = Row("[2]", ("2", '"bulb"', "1"))
C = Row("[3]", ("3", '"desk"', "9"))


def test_the_digest_ignores_order_but_not_content() -> None:
    assert digest([A, B]) == digest([B, A])
    assert digest([A, B]) != digest([A, Row("[2]", ("2", '"bulb"', "2"))])
    assert digest([A]) != digest([A, A])  # a repeated row counts twice
    assert digest([])[0] == 0


def test_equal_chunks_have_no_differences() -> None:
    assert compare_chunk(COLUMNS, [A, B], [B, A]) == []


def test_differing_chunks_are_compared_key_by_key_in_key_order() -> None:
    changed = Row("[2]", ("2", '"bulb"', "3"))
    assert compare_chunk(COLUMNS, [A, B], [changed, C]) == [
        Difference("[1]", "missing"),
        Difference("[2]", "different", ("price",)),
        Difference("[3]", "extra"),
    ]
