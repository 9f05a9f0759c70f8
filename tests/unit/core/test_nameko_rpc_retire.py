"""A retired RPC client's bookkeeping: idle connections close at once, one in use only when
its call puts it back, and none is kept after (the real broker's view:
tests/integration/proxy/test_proxy_settings_swap.py)."""

from __future__ import annotations

from typing import Any

from strangler.nameko_rpc import _Links


class FakeLink:
    def __init__(self) -> None:
        self.closes = 0

    def close(self) -> None:
        self.closes += 1


def fake_link() -> Any:
    """A stand-in for a link (only `close` is used by the bookkeeping)."""
    return FakeLink()


def test_retiring_closes_idle_links_at_once_and_busy_ones_when_put_back() -> None:
    links = _Links()
    idle, busy = fake_link(), fake_link()
    links.add(idle)
    links.put_back(idle)
    links.add(busy)
    links.retire()
    assert (idle.closes, busy.closes) == (1, 0)
    assert not links.take(idle)  # its thread makes a new link instead of using a closed one
    links.put_back(busy)
    assert busy.closes == 1


def test_a_live_client_keeps_its_links_for_the_next_call() -> None:
    links = _Links()
    link = fake_link()
    links.add(link)
    links.put_back(link)
    assert links.take(link)
    links.put_back(link)
    assert link.closes == 0


def test_a_link_made_after_retiring_is_closed_when_its_call_ends() -> None:
    links = _Links()
    links.retire()
    late = fake_link()
    links.add(late)
    assert late.closes == 0
    links.put_back(late)
    assert late.closes == 1


def test_a_dropped_link_is_closed_once_and_never_handed_out_again() -> None:
    links = _Links()
    link = fake_link()
    links.add(link)
    links.drop(link)
    links.put_back(link)
    links.retire()
    assert link.closes == 1
    assert not links.take(link)
