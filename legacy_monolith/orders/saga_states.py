"""The order saga's states and the events that move it: pure, no I/O (docs/saga.md).

A saga is at a `step` with a `status`. While `running`, the step is the next thing to
do; `completed`, `compensated` and `returned` are final, and a completed saga moves on
only when its order is cancelled:

    reserve       --reserved-->       create_order --order_created--> confirm
    reserve       --refused/unanswered/abandoned-->  release
    create_order  --order_failed/abandoned-->        release
    confirm       --confirmed-->      confirm (completed)
    release       --released-->       release (compensated)
    confirm (running or completed) --cancelled-->    return
    return        --returned-->       return (returned)

Once the order exists (step `confirm`) the saga only goes forward: its stock is
confirmed however long the inventory service is away, never released; cancelling the
order returns the sold stock (step `return`, which confirms first if need be).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Step = Literal["reserve", "create_order", "confirm", "release", "return"]
Status = Literal["running", "completed", "compensated", "returned"]
Event = Literal[
    "reserved",  # inventory holds the stock
    "refused",  # inventory has not enough stock
    "unanswered",  # inventory did not answer the reserve in time: the reserve may still apply
    "abandoned",  # the request running the saga died before the order was created
    "order_created",  # the order committed
    "order_failed",  # the order could not be created (payment declined, bad input, ...)
    "confirmed",  # inventory sold the reserved stock
    "released",  # inventory gave the reserved stock back (or never reserved it)
    "cancelled",  # the order was cancelled: its sold stock goes back
    "returned",  # inventory put the sold stock back
]


class InvalidTransition(Exception):
    """An event that does not apply to the saga's state."""


@dataclass(frozen=True)
class SagaState:
    step: Step
    status: Status = "running"

    @property
    def finished(self) -> bool:
        return self.status != "running"


RESERVING = SagaState("reserve")
CREATING_ORDER = SagaState("create_order")
CONFIRMING = SagaState("confirm")
RELEASING = SagaState("release")
COMPLETED = SagaState("confirm", "completed")
COMPENSATED = SagaState("release", "compensated")
RETURNING = SagaState("return")
RETURNED = SagaState("return", "returned")

TRANSITIONS: dict[tuple[SagaState, Event], SagaState] = {
    (RESERVING, "reserved"): CREATING_ORDER,
    (RESERVING, "refused"): RELEASING,
    (RESERVING, "unanswered"): RELEASING,
    (RESERVING, "abandoned"): RELEASING,
    (CREATING_ORDER, "order_created"): CONFIRMING,
    (CREATING_ORDER, "order_failed"): RELEASING,
    (CREATING_ORDER, "abandoned"): RELEASING,
    (CONFIRMING, "confirmed"): COMPLETED,
    (RELEASING, "released"): COMPENSATED,
    (CONFIRMING, "cancelled"): RETURNING,
    (COMPLETED, "cancelled"): RETURNING,
    (RETURNING, "returned"): RETURNED,
}

# the states an order can be cancelled in: its saga then moves to `return`
CANCELLABLE = (CONFIRMING, COMPLETED)
# the running states whose step a runner sends again until the inventory service answers
RESUMABLE = (CONFIRMING, RELEASING, RETURNING)
# the running states only the request that started the saga moves on; when that request
# is gone (older than the runner's `stale_after`), the saga is `abandoned`
REQUEST_OWNED = (RESERVING, CREATING_ORDER)


def next_state(state: SagaState, event: Event) -> SagaState:
    """Where `event` takes a saga in `state`; InvalidTransition if nowhere."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(
            f"a saga at {state.step} ({state.status}) cannot take the event {event!r}"
        ) from None
