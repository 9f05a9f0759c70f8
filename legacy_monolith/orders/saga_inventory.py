"""The inventory service as the order saga sees it: four idempotent RPC calls.

Calls go through the toolkit's pika client (`strangler/nameko_rpc.py`: no eventlet in
the monolith), persistent on the service's durable queue, the saga id as the key the
service applies each call once by. Every failure to get an answer, whatever its
cause, is an `InventoryUnanswered`: the saga leaves the step for the runner to send
again (a call that did reach the queue still applies once, when the service runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from legacy_monolith.orders.saga_states import (
    CONFIRMING,
    RELEASING,
    RETURNING,
    Event,
    SagaState,
)
from legacy_monolith.orders.saga_store import SagaItem, items_payload
from strangler.nameko_rpc import QUEUED, NamekoRpc, RpcFailure, RpcRemoteError

SERVICE = "inventory"
CALLER = "legacy-monolith"
CONFLICT = "Conflict"  # the inventory's exception for a call its saga's state refuses
# what the inventory answered to reserve -> the saga's event
RESERVE_EVENTS: dict[str, Event] = {
    "reserved": "reserved",
    "confirmed": "reserved",
    "refused": "refused",
    "released": "refused",
    "returned": "reserved",
}
# a step the runner sends -> (the method, the event its answer brings)
STEP_CALLS: dict[SagaState, tuple[str, Event]] = {
    CONFIRMING: ("confirm", "confirmed"),
    RELEASING: ("release", "released"),
    RETURNING: ("return_stock", "returned"),
}


class RpcCaller(Protocol):
    """What the saga needs of an RPC client (`NamekoRpc`)."""

    def call(
        self,
        service: str,
        method: str,
        kwargs: Mapping[str, Any],
        *,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any: ...

    def close(self) -> None: ...


class InventoryUnanswered(Exception):
    """The inventory service gave no usable answer (down, slow, or it refused the call)."""


@dataclass(frozen=True)
class ReserveAnswer:
    event: Event
    reason: str | None


class Inventory:
    """reserve / confirm / release / return_stock, each waiting at most `timeout` seconds."""

    def __init__(self, rpc: RpcCaller, *, timeout: float) -> None:
        self.rpc = rpc
        self.timeout = timeout

    @classmethod
    def over(cls, amqp_uri: str, *, timeout: float) -> Inventory:
        rpc = NamekoRpc(amqp_uri, caller=CALLER, delivery=QUEUED, timeout=timeout)
        return cls(rpc, timeout=timeout)

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.rpc.call(SERVICE, method, kwargs, timeout=self.timeout)
        except RpcFailure as exc:
            raise InventoryUnanswered(f"inventory.{method}: {exc}") from exc
        if not isinstance(answer, dict) or answer.get("status") is None:
            raise InventoryUnanswered(f"inventory.{method} answered {answer!r}")
        return answer

    def reserve(self, saga_id: str, items: tuple[SagaItem, ...]) -> ReserveAnswer:
        answer = self._call("reserve", saga_id=saga_id, items=items_payload(items))
        event = RESERVE_EVENTS.get(str(answer["status"]))
        if event is None:
            raise InventoryUnanswered(f"inventory.reserve answered {answer!r}")
        return ReserveAnswer(event, answer.get("reason"))

    def send_step(self, saga_id: str, state: SagaState) -> Event:
        """Send the step a saga in `state` waits on (confirm, release or return); its event."""
        method, event = STEP_CALLS[state]
        if state == RETURNING:
            self._return(saga_id)
        else:
            self._call(method, saga_id=saga_id)
        return event

    def _return(self, saga_id: str) -> None:
        """return_stock; the service returns confirmed stock only, so on its Conflict (an
        order cancelled before its confirm applied) confirm, then return again. A confirm
        Conflict too (the saga was released by hand) leaves the step unanswered."""
        try:
            self._call("return_stock", saga_id=saga_id)
        except InventoryUnanswered as exc:
            cause = exc.__cause__
            if not (isinstance(cause, RpcRemoteError) and cause.exc_type == CONFLICT):
                raise
            self._call("confirm", saga_id=saga_id)
            self._call("return_stock", saga_id=saga_id)

    def close(self) -> None:
        self.rpc.close()
