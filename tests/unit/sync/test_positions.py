"""Which changes the relay may publish: final ones, as a prefix of whole transactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strangler_sync.changes import StoredChange
from strangler_sync.positions import CommitView, is_final, needs_more_rows, publishable

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def change(
    position: int, transaction: int | None, *, last: int | None = None, at: float = 0
) -> StoredChange:
    return StoredChange(
        position=position,
        table="products",
        operation="update",
        key={"id": position},
        row={"id": position},
        transaction=transaction,
        drawn_at=None if transaction is None else T0 + timedelta(seconds=at),
        origin="monolith",
        transaction_last=position if last is None else last,
    )


def view(*, read_at: float = 100, writer_start: float | None = None) -> CommitView:
    return CommitView(
        read_at=T0 + timedelta(seconds=read_at),
        oldest_writer_start=None if writer_start is None else T0 + timedelta(seconds=writer_start),
    )


def test_sqlite_changes_are_always_final() -> None:
    assert is_final(change(1, None), None)
    assert publishable([change(1, None), change(2, None)], None) == [
        change(1, None),
        change(2, None),
    ]


def test_a_change_drawn_after_a_still_writing_transaction_started_waits() -> None:
    """The late commit: a younger transaction id that drew a smaller position is still open."""
    drawn_at_5s = change(7, 500, at=5)
    assert not is_final(drawn_at_5s, view(writer_start=4))
    assert is_final(drawn_at_5s, view(writer_start=6))
    assert is_final(drawn_at_5s, view(writer_start=None))


def test_a_change_drawn_after_the_relay_looked_waits() -> None:
    assert not is_final(change(7, 500, at=100), view(read_at=100))


def test_publishing_stops_at_the_first_change_that_is_not_final() -> None:
    changes = [change(1, 10, at=1), change(2, 20, at=2), change(3, 30, at=3)]
    assert publishable(changes, view(writer_start=2.5)) == changes[:2]


def test_a_transaction_continuing_past_the_final_prefix_is_held_back_whole() -> None:
    # transaction 10 has changes 1 and 4; change 3 is not final, so 4 cannot go and 1 waits
    changes = [change(1, 10, last=4), change(2, 20), change(3, 30, at=50), change(4, 10, last=4)]
    assert publishable(changes, view(writer_start=40)) == []
    # once final, everything goes
    assert publishable(changes, view(writer_start=60)) == changes


def test_a_prefix_is_cut_repeatedly_until_it_holds_whole_transactions() -> None:
    changes = [change(1, 10, last=3), change(2, 20, last=5), change(3, 10, last=3)]
    assert publishable(changes, None) == []
    assert publishable(changes[:1], None) == []


def test_a_full_read_of_one_long_transaction_asks_for_more_rows() -> None:
    long_transaction = [change(i, 10, last=9) for i in range(1, 4)]
    assert needs_more_rows(long_transaction, view(), limit=3)
    assert not needs_more_rows(long_transaction, view(), limit=4)  # not full: wait instead
    assert not needs_more_rows([change(1, 10)], view(), limit=1)  # publishable already
