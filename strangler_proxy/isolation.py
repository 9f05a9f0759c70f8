"""No backend starves another: a share of the threads and a circuit breaker per backend.

Each service, and the monolith, gets the same admission, per worker process:

- **A ceiling.** A backend never holds more than its share of the worker's threads
  (`IsolationSettings.ceiling`: `backend_max_share` of `--threads`, always at least one
  thread left to the others). A call that finds its backend at the ceiling waits for a
  place at most STALLED_SECONDS, and not at all once the backend looks stalled (its
  oldest call has waited STALLED_SECONDS and nothing was answered meanwhile); then it is
  turned away as never sent. So a stall's first moments cannot take every thread, and a
  backend that keeps answering, however busy, is not turned away below its ceiling.
- **A stall cap** (services: `max_in_flight`; the monolith, which serves every route not
  moved and may be slow by nature: its ceiling). While a service has that many calls
  waiting for their answer, the oldest has waited STALLED_SECONDS and nothing was
  answered meanwhile, one more is turned away at once. A backend that keeps answering
  (one slow call among quick ones, a slow monolith) is never turned away below its
  ceiling.
- **A breaker.** After `failures` calls in a row that were sent and got no answer
  (timeouts) or could not reach the broker, its breaker opens for `open_seconds`: calls
  fail at once the same way, never waiting on it; as soon as that period ends one probe
  goes through (half-open, one at a time) and its outcome closes the breaker or opens it
  again for twice as long (up to `max_open_seconds`).

Turned away is `ServiceTurnedAway` (a read falls back to the monolith, a write gets a 503)
or `MonolithTurnedAway` (a 503); both carry a Retry-After. What is not the backend's
failure never opens it: a service's own errors (NotFound...) and any HTTP answer of the
monolith (whatever its status) are answers; no instance consuming a service's queue
(`ServiceAbsent`: the check costs nothing and sees a restarted one at once) or nobody
listening at the monolith's address (`MonolithUnavailable`, refused at once) closes it,
as the stalled instance is gone; the proxy's broker connection breaking mid-call
(`BrokerLinkLost`) or the monolith's answer breaking off (`MonolithBadResponse`: fast,
maybe one endpoint's fault) counts neither way.

A call holds its thread until its answer is sent: a monolith answer streamed to the
client, or a WebSocket tunnel to it, counts against the ceiling until it is closed (not
against the stall cap: it was answered).

A call the event loop forwards itself (`admit_unthreaded`) holds no thread, so it takes
no place under the ceiling: many may wait on a slow monolith at once. It counts toward
the stall cap (once the backend looks stalled with that many waiting, one more is turned
away) and its outcome toward the breaker; while the breaker is not closed, or the stall
cap is reached, such a call goes the threaded way (turned away, or the probe).

Pure state machine plus a condition; the clock is injected for tests.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from strangler_proxy.errors import (
    BodyIncomplete,
    BodyTimeout,
    BrokerLinkLost,
    MonolithBadResponse,
    MonolithTimeout,
    MonolithTurnedAway,
    MonolithUnavailable,
    PayloadTooLarge,
    ProxyError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceTurnedAway,
    ServiceUnavailable,
)
from strangler_proxy.http_types import BodyStream, Request, Response
from strangler_proxy.isolation_settings import IsolationSettings
from strangler_proxy.request_body import InputStream

STALLED_SECONDS = 0.5  # a call waiting this long means the backend is not keeping up
MONOLITH = "monolith"  # the monolith's name in its own `Isolation`

Outcome = Literal["answered", "unanswered", "absent", "link lost"]
_CLIENTS_FAULT = BodyIncomplete | BodyTimeout | PayloadTooLarge  # its body, not the backend
Kind = Literal["service", "monolith"]


def outcome_of(error: BaseException | None) -> Outcome:
    """What a call's result (None: a response) says about its backend, for its breaker."""
    if isinstance(error, ServiceTurnedAway | MonolithTurnedAway):
        return "link lost"  # never reached the backend: it says nothing either way
    if isinstance(error, ServiceAbsent | MonolithUnavailable):
        return "absent"
    if isinstance(error, BrokerLinkLost | MonolithBadResponse | _CLIENTS_FAULT):
        return "link lost"
    if isinstance(error, ServiceTimeout | ServiceUnavailable | MonolithTimeout):
        return "unanswered"
    return "answered"  # a response, or an error of the service's own


@dataclass(eq=False)
class Admission:
    """An admitted call: since when it waits for its backend (an upload: once its body is
    all read, `Isolation.sent`), and whether it is the half-open probe."""

    started: float
    probe: bool = False
    threaded: bool = True  # it holds a thread (not the event loop's own forward)


@dataclass
class _Backend:
    waiting: list[Admission] = field(default_factory=list)  # the calls awaiting an answer
    threads: int = 0  # how many of them hold a thread
    holding: int = 0  # answered calls still holding their thread (a stream, a tunnel)
    last_answer: float | None = None  # when it last answered
    failures: int = 0  # in a row
    open_until: float | None = None  # the breaker is open until then
    open_seconds: float = 0.0  # how long it was opened for last
    probing: bool = False  # a half-open probe is out

    def stalled(self, now: float) -> bool:
        """Its oldest call has waited STALLED_SECONDS and nothing was answered meanwhile."""
        if not self.waiting or now - min(c.started for c in self.waiting) < STALLED_SECONDS:
            return False
        return self.last_answer is None or now - self.last_answer >= STALLED_SECONDS


@dataclass
class Isolation:
    """Per-backend admission: `admit` before a call, `done` after it (always), and
    `release` once a call `done` left holding its thread ends.

    `kind` says what is turned away (`ServiceTurnedAway`, `MonolithTurnedAway`) and which
    stall cap applies (a service's `max_in_flight`, the monolith's ceiling).
    """

    settings: IsolationSettings = field(default_factory=IsolationSettings)
    clock: Callable[[], float] = time.monotonic
    kind: Kind = "service"
    _backends: dict[str, _Backend] = field(default_factory=dict)
    _changed: threading.Condition = field(
        default_factory=lambda: threading.Condition(threading.Lock())
    )

    def admit(self, backend: str, *, uploading: bool = False) -> Admission:
        """The admitted call (give it back to `done`), after waiting for a place at most
        STALLED_SECONDS; turned away (never sent) when the backend is at its ceiling and
        stalled or still full after that wait, stalled at its cap, or its breaker is open.

        An `uploading` call (its body still coming from the client) takes no place until
        `sent`: the time a slow client takes is the slow-client limits' to bound, and a
        backend is not turned away for it."""
        ceiling = self.settings.ceiling
        cap = self.settings.max_in_flight if self.kind == "service" else ceiling
        with self._changed:
            state = self._backends.setdefault(backend, _Backend())
            deadline: float | None = None
            while True:
                now = self.clock()
                open_until = state.open_until
                if open_until is not None and (now < open_until or state.probing):
                    raise self._turned_away(backend, "circuit open", open_until - now)
                if state.threads + state.holding >= ceiling:
                    deadline = self._wait_for_place(backend, state, now, deadline)
                    continue
                if len(state.waiting) >= cap and state.stalled(now):
                    raise self._turned_away(backend, "busy", STALLED_SECONDS)
                probe = open_until is not None  # half-open: this call is the probe
                state.probing = state.probing or probe
                call = Admission(now, probe)
                if not uploading:
                    state.waiting.append(call)
                    state.threads += 1
                return call

    def admit_unthreaded(self, backend: str) -> Admission | None:
        """A call that holds no thread (the event loop's): admitted while the breaker is
        closed and the backend not stalled at its cap; else None, and `admit` turns it away
        (or makes it the probe). It takes no place under the ceiling, but it counts as
        waiting for the stall cap; give it back to `done`."""
        cap = self.settings.max_in_flight if self.kind == "service" else self.settings.ceiling
        with self._changed:
            state = self._backends.setdefault(backend, _Backend())
            now = self.clock()
            if state.open_until is not None or (len(state.waiting) >= cap and state.stalled(now)):
                return None
            call = Admission(now, threaded=False)
            state.waiting.append(call)
            return call

    def sent(self, backend: str, call: Admission) -> None:
        """An uploading call's body is all read: from now on it waits for its backend, once
        it has a place under the ceiling, waited for as `admit` waits (uploads admitted
        together may have found the ceiling free); turned away, the body's last bytes are
        never sent, so the backend cannot act on it."""
        with self._changed:
            state = self._backends[backend]
            deadline: float | None = None
            while state.threads + state.holding >= self.settings.ceiling:
                deadline = self._wait_for_place(backend, state, self.clock(), deadline)
            call.started = self.clock()
            state.waiting.append(call)
            state.threads += 1

    def _wait_for_place(
        self, backend: str, state: _Backend, now: float, deadline: float | None
    ) -> float:
        """Wait (holding `_changed`) for a call to end, at most until STALLED_SECONDS after
        the first wait (the deadline, returned); turned away at once when the backend is
        stalled, or when that time is up."""
        deadline = now + STALLED_SECONDS if deadline is None else deadline
        if state.stalled(now) or now >= deadline:
            raise self._turned_away(backend, "busy", STALLED_SECONDS)
        self._changed.wait(deadline - now)
        return deadline

    def _turned_away(self, backend: str, reason: str, seconds: float) -> ProxyError:
        retry_after = max(1, math.ceil(seconds))
        if self.kind == "monolith":
            return MonolithTurnedAway(reason, retry_after)
        return ServiceTurnedAway(backend, reason, retry_after)

    def done(
        self, backend: str, call: Admission, outcome: Outcome, *, holding: bool = False
    ) -> None:
        """After an admitted call, with what its result says about the backend; `holding`:
        answered, but its thread is still held (give it back with `release`)."""
        with self._changed:
            self._changed.notify_all()
            state = self._backends[backend]
            if call in state.waiting:  # not an upload whose body never came whole
                state.waiting.remove(call)
                state.threads -= call.threaded
            state.holding += holding
            if call.probe:
                state.probing = False
            if outcome == "answered":
                state.last_answer = self.clock()
            if outcome in ("answered", "absent"):
                state.failures, state.open_until, state.open_seconds = 0, None, 0.0
                return
            if outcome == "link lost":
                return
            state.failures += 1
            if call.probe:
                state.open_seconds = min(
                    2 * state.open_seconds, self.settings.breaker_max_open_seconds
                )
            elif state.open_until is None and state.failures >= self.settings.breaker_failures:
                state.open_seconds = self.settings.breaker_open_seconds
            else:
                return  # still closed, or a call from before it opened
            state.open_until = self.clock() + state.open_seconds

    def release(self, backend: str) -> None:
        """A call `done` left holding its thread has ended (its stream or tunnel closed)."""
        with self._changed:
            self._backends[backend].holding -= 1
            self._changed.notify_all()

    def state(self, backend: str) -> str:
        """`closed`, `open` or `half-open` (for the admin endpoints and tests)."""
        with self._changed:
            found = self._backends.get(backend)
            if found is None or found.open_until is None:
                return "closed"
            return "open" if self.clock() < found.open_until else "half-open"

    def states(self) -> dict[str, str]:
        """Each backend called so far and its breaker's `state`."""
        with self._changed:
            names = sorted(self._backends)
        return {name: self.state(name) for name in names}

    def waiting(self, backend: str) -> int:
        """The calls awaiting the backend's answer now, the event loop's included (tests)."""
        with self._changed:
            found = self._backends.get(backend)
            return 0 if found is None else len(found.waiting)

    def in_flight(self, backend: str) -> int:
        """The threads the backend holds now: calls awaiting an answer, streams, tunnels."""
        with self._changed:
            found = self._backends.get(backend)
            return 0 if found is None else found.threads + found.holding


class _Handler(Protocol):
    def handle(self, request: Request) -> Response: ...


class IsolatedBackend:
    """A service backend whose calls go through `Isolation`."""

    def __init__(self, inner: _Handler, isolation: Isolation) -> None:
        self._inner = inner
        self.isolation = isolation

    def states(self) -> dict[str, str]:
        """Each service called so far and its breaker's state."""
        return self.isolation.states()

    def handle(self, request: Request) -> Response:
        assert request.match is not None  # the app sends only matched requests here
        service = request.match.service
        call = self.isolation.admit(service)
        error: BaseException | None = None
        try:
            return self._inner.handle(request)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self.isolation.done(service, call, outcome_of(error))


class _MonolithHandler(Protocol):
    def handle(self, request: Request, *, stream: bool = False) -> Response: ...

    def switch(self, request: Request) -> Response: ...


class IsolatedMonolith:
    """The monolith's backend whose requests go through an `Isolation` of kind "monolith"
    (the auth checks' requests too); a streamed answer or a tunnel holds its place until
    it is closed."""

    def __init__(self, inner: _MonolithHandler, isolation: Isolation) -> None:
        self._inner = inner
        self.isolation = isolation

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        return self._call(request, lambda sent: self._inner.handle(sent, stream=stream))

    def switch(self, request: Request) -> Response:
        return self._call(request, self._inner.switch)

    def _call(self, request: Request, send: Callable[[Request], Response]) -> Response:
        incoming = request.incoming
        call = self.isolation.admit(MONOLITH, uploading=incoming is not None)
        if incoming is not None:  # it waits on the monolith once its body is all read
            source = _Watched(incoming.source, incoming.length, call, self.isolation)
            request = replace(request, incoming=replace(incoming, source=source))
        try:
            response = send(request)
        except BaseException as exc:
            self.isolation.done(MONOLITH, call, outcome_of(exc))
            raise
        holding = response.stream is not None or response.switched is not None
        self.isolation.done(MONOLITH, call, "answered", holding=holding)
        if not holding:
            return response
        release = _Once(lambda: self.isolation.release(MONOLITH))
        if response.switched is not None:
            return replace(response, switched=replace(response.switched, on_close=release))
        assert response.stream is not None
        return replace(response, stream=_Releasing(response.stream, release))


class _Watched:
    """A request body's source that tells `Isolation.sent` once the body is all read."""

    def __init__(
        self, inner: InputStream, length: int | None, call: Admission, isolation: Isolation
    ) -> None:
        self._inner = inner
        self._left = length
        self._call: Admission | None = call
        self._isolation = isolation

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._inner.read(size)
        if self._left is not None:
            self._left -= len(chunk)
        if self._call is not None and (not chunk or (self._left is not None and self._left <= 0)):
            call, self._call = self._call, None
            self._isolation.sent(MONOLITH, call)
        return chunk


class _Once:
    """A callable that runs `action` the first time only."""

    def __init__(self, action: Callable[[], None]) -> None:
        self._action: Callable[[], None] | None = action
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            action, self._action = self._action, None
        if action is not None:
            action()


class _Releasing:
    """A streamed body that gives its thread back to the monolith's share once closed."""

    def __init__(self, inner: BodyStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._inner)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._release()
