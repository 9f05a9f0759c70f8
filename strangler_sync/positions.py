"""Which read changes may be published now without breaking commit order (pure).

On PostgreSQL a position drawn by a transaction still running is invisible to the
relay, and may be smaller than visible ones. Before it reads the change table, the relay
notes the time (`read_at`) and then the start of the oldest other transaction still
writing in the database (`oldest_writer_start`, from `pg_stat_activity`).

A change drawn at `drawn_at` is final when it was drawn before `read_at` and before the
oldest writer started: a transaction that drew a smaller position started before
`drawn_at`, so it was either still writing when the relay looked (then it is the oldest
writer or younger, and `drawn_at` is not before that start) or had already ended, and
its rows are in the read, which comes later. Only this database's transactions count,
so a long transaction elsewhere on the server holds nothing up.

The relay publishes the longest run of final changes in position order, cut so it holds
whole transactions: whatever it publishes later has a larger position. So within a run
it reads past the last position the broker confirmed, and stores no cursor: a change
leaves the change table only once the broker confirmed it, so none is ever skipped. On
SQLite writers commit one at a time in position order: every visible change is final.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from strangler_sync.changes import StoredChange


@dataclass(frozen=True)
class CommitView:
    """What the relay saw of running transactions before reading (PostgreSQL)."""

    read_at: datetime  # the clock before anything else was looked at
    oldest_writer_start: datetime | None  # None: no other transaction was writing


def is_final(change: StoredChange, view: CommitView | None) -> bool:
    """No transaction still running can commit a position below `change`'s.

    `view`: None on SQLite (every visible change is final).
    """
    if view is None or change.drawn_at is None:
        return True
    if change.drawn_at >= view.read_at:
        return False
    return view.oldest_writer_start is None or change.drawn_at < view.oldest_writer_start


def publishable(changes: Sequence[StoredChange], view: CommitView | None) -> list[StoredChange]:
    """The changes to publish now: a final prefix of `changes` (in position order) made of
    whole transactions only."""
    prefix: list[StoredChange] = []
    for change in changes:
        if not is_final(change, view):
            break
        prefix.append(change)
    while prefix:
        end = prefix[-1].position
        cut = next((i for i, c in enumerate(prefix) if c.transaction_last > end), None)
        if cut is None:
            break
        prefix = prefix[:cut]
    return prefix


def needs_more_rows(changes: Sequence[StoredChange], view: CommitView | None, limit: int) -> bool:
    """A full read that yields nothing to publish only because its first transaction is
    longer than the read: read again with a larger limit."""
    return (
        len(changes) >= limit
        and bool(changes)
        and is_final(changes[0], view)
        and not publishable(changes, view)
    )
