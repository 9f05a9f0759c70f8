"""The order saga's state machine: every path ends completed, compensated or returned, nothing
else moves."""

from __future__ import annotations

from typing import get_args

import pytest

from legacy_monolith.orders.saga_states import (
    COMPENSATED,
    COMPLETED,
    CONFIRMING,
    CREATING_ORDER,
    RELEASING,
    RESERVING,
    RESUMABLE,
    RETURNED,
    RETURNING,
    TRANSITIONS,
    Event,
    InvalidTransition,
    SagaState,
    next_state,
)


def _walk(events: list[Event]) -> SagaState:
    state = RESERVING
    for event in events:
        state = next_state(state, event)
    return state


def test_the_happy_path_reserves_creates_the_order_and_confirms() -> None:
    assert next_state(RESERVING, "reserved") == CREATING_ORDER
    assert next_state(CREATING_ORDER, "order_created") == CONFIRMING
    assert _walk(["reserved", "order_created", "confirmed"]) == COMPLETED
    assert COMPLETED.finished and not CONFIRMING.finished


@pytest.mark.parametrize(
    "events",
    [
        ["refused"],
        ["unanswered"],
        ["abandoned"],
        ["reserved", "order_failed"],
        ["reserved", "abandoned"],
    ],
)
def test_every_failure_before_the_order_exists_compensates(events: list[Event]) -> None:
    assert _walk(events) == RELEASING
    assert _walk([*events, "released"]) == COMPENSATED


@pytest.mark.parametrize("event", get_args(Event))
def test_final_states_take_no_event_but_a_completed_sagas_cancellation(event: Event) -> None:
    for final in (COMPLETED, COMPENSATED, RETURNED):
        if (final, event) == (COMPLETED, "cancelled"):
            continue
        with pytest.raises(InvalidTransition):
            next_state(final, event)


def test_cancelling_the_order_returns_its_stock_whether_or_not_confirm_was_answered() -> None:
    assert _walk(["reserved", "order_created", "confirmed", "cancelled"]) == RETURNING
    assert _walk(["reserved", "order_created", "cancelled"]) == RETURNING
    assert _walk(["reserved", "order_created", "cancelled", "returned"]) == RETURNED
    assert RETURNED.finished and not RETURNING.finished
    assert RETURNED.status == "returned" and RETURNING.step == "return"
    assert RETURNING in RESUMABLE  # the runner sends the return until it is answered


@pytest.mark.parametrize(
    "events", [[], ["reserved"], ["refused"], ["refused", "released"], ["reserved", "order_failed"]]
)
def test_a_saga_without_an_order_cannot_be_cancelled(events: list[Event]) -> None:
    with pytest.raises(InvalidTransition, match="cancelled"):
        next_state(_walk(events), "cancelled")


@pytest.mark.parametrize("event", ["confirmed", "released", "cancelled", "abandoned"])
def test_a_return_only_ends_returned(event: Event) -> None:
    with pytest.raises(InvalidTransition):
        next_state(RETURNING, event)


@pytest.mark.parametrize("event", ["abandoned", "order_failed", "released", "refused"])
def test_once_the_order_exists_the_saga_only_confirms(event: Event) -> None:
    with pytest.raises(InvalidTransition, match="cannot take the event"):
        next_state(CONFIRMING, event)


def test_every_target_state_is_reachable_and_ends_final() -> None:
    events = get_args(Event)
    for target in set(TRANSITIONS.values()):
        # from any running state, some sequence of events reaches a final state
        state = target
        for _ in range(3):
            if state.finished:
                break
            state = next(
                TRANSITIONS[(state, event)] for event in events if (state, event) in TRANSITIONS
            )
        assert state.finished, target
