"""How long the relay waits before its next look at the change table (pure)."""

from __future__ import annotations

from strangler_sync.relay import QUICK_LOOK_SECONDS, look_again_in


def test_a_busy_table_is_looked_at_soon_an_idle_one_at_the_poll_interval() -> None:
    waits = [look_again_in(empty_looks, poll_seconds=0.5) for empty_looks in range(8)]
    assert waits[0] == QUICK_LOOK_SECONDS  # changes were just seen
    assert waits[:6] == [0.01, 0.02, 0.04, 0.08, 0.16, 0.32]
    assert waits[6:] == [0.5, 0.5]  # never longer than the poll interval
    assert look_again_in(10_000, poll_seconds=2.0) == 2.0
    assert look_again_in(0, poll_seconds=0.005) == 0.005
