"""When a client's request is ready for one of the proxy's threads, and how slowly its body
may come once a thread reads it. Pure.

gunicorn's threaded worker hands a connection to a thread as soon as a byte
of it arrives, and that thread then waits for the rest without a time limit:
a client sending part of its head, or its head and no body, holds it. The
proxy's worker (`server_worker.py`) keeps such a connection in its poller
instead, until what the connection holds is a whole request head and, when
that head announces a body, the body's first bytes (all of it, up to one
read's worth), so the thread's first reads do not wait. A client that asks
for `100 Continue` is ready with its head: it sends its body only once told.

Once a thread reads the body, a client trickling it (a byte every few seconds,
each within the body timeout) would hold the thread as long as it likes: the
body must come at `min_body_rate` bytes/s on average (`BodyPace`), counted over
the time the thread spent waiting for it, once BODY_RATE_GRACE seconds were
waited (Kestrel's MinRequestBodyDataRate). Time the proxy spends elsewhere (the
monolith slow to take an upload) is not the client's.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from strangler_proxy.request_body import CHUNK_BYTES

HEAD_END = b"\r\n\r\n"
HEAD_LIMIT = 64 * 1024  # a longer head goes to gunicorn, which refuses it by its own limits
PEEK_BYTES = HEAD_LIMIT + CHUNK_BYTES
BODY_RATE_GRACE = 5.0  # seconds of waiting for a body before its rate counts


@dataclass(frozen=True)
class SlowClientSettings:
    """How long a request may take to be ready, how many may be waiting, how long a body
    read may wait (seconds; per worker process), and how fast a body must come (bytes/s
    on average after `body_rate_grace` seconds of waiting; 0: any rate)."""

    header_timeout: float = 10.0
    max_waiting: int = 256
    body_timeout: float = 30.0
    min_body_rate: float = 240.0
    body_rate_grace: float = BODY_RATE_GRACE


def request_ready(received: bytes) -> bool:
    """Whether `received` (what the connection holds, not read yet) is a whole request head
    plus, when it announces a body, that body's first bytes (or is too long to be a head)."""
    end = received.find(HEAD_END)
    if end < 0:
        return len(received) >= HEAD_LIMIT
    fields = _fields(received[:end].decode("latin-1"))
    if "100-continue" in fields.get("expect", "").lower():
        return True
    body_received = len(received) - end - len(HEAD_END)
    if "transfer-encoding" in fields:
        return body_received > 0
    length = fields.get("content-length", "0")
    if not (length.isascii() and length.isdigit()):
        return True  # not a length (`+5`, `1_0`): gunicorn refuses the request at once
    return body_received >= min(int(length), CHUNK_BYTES)


def _fields(head: str) -> dict[str, str]:
    """The head's fields by lower-cased name (the first of a repeated one)."""
    fields: dict[str, str] = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        fields.setdefault(name.strip().lower(), value.strip())
    return fields


@dataclass(frozen=True)
class _Wait:
    deadline: float
    started: bool  # it sent part of a request (not just connected)


class WaitingRoom:
    """The connections waiting for their request to be ready, each until its deadline.

    A connection is forgotten when it is dropped (weakly held) or `ready`. At
    most `max_waiting` that sent part of a request wait at once; one that
    connected and sent nothing yet is not counted (gunicorn closes it when its
    keep-alive time passes with nothing sent).
    """

    def __init__(self, settings: SlowClientSettings) -> None:
        self._settings = settings
        self._waits: weakref.WeakKeyDictionary[object, _Wait] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def may_wait(self, connection: object, *, started: bool, now: float) -> bool:
        """Whether `connection` may wait on (at monotonic time `now`): False once its
        deadline passed, or when it starts waiting with a request begun and the room is full."""
        with self._lock:
            wait = self._waits.get(connection)
            if wait is None or (started and not wait.started):
                if started and self._started() >= self._settings.max_waiting:
                    self._waits.pop(connection, None)
                    return False
                deadline = now + self._settings.header_timeout if wait is None else wait.deadline
                wait = self._waits[connection] = _Wait(deadline, started)
            if now < wait.deadline:
                return True
            del self._waits[connection]
            return False

    def ready(self, connection: object) -> None:
        """`connection`'s request is ready: it waits no more."""
        with self._lock:
            self._waits.pop(connection, None)

    def _started(self) -> int:
        return sum(wait.started for wait in self._waits.values())


def body_wait_left(received: int, waited: float, *, min_rate: float, grace: float) -> float | None:
    """How many more seconds a read may wait for a body of which `received` bytes came in
    `waited` seconds of waiting, for it to come at `min_rate` bytes/s on average once `grace`
    seconds were waited (0 or less: it is too slow already); None when any rate will do."""
    if min_rate <= 0:
        return None
    return max(grace, received / min_rate) - waited


class BodyPace:
    """One request body's reads so far: bytes received and seconds spent waiting for them."""

    def __init__(self, min_rate: float, grace: float) -> None:
        self.min_rate = min_rate
        self.grace = grace
        self.received = 0
        self.waited = 0.0

    def wait_left(self) -> float | None:
        """How long the next read may wait (`body_wait_left`)."""
        return body_wait_left(self.received, self.waited, min_rate=self.min_rate, grace=self.grace)

    def read(self, received: int, waited: float) -> None:
        """A read that waited `waited` seconds and got `received` bytes."""
        self.received += received
        self.waited += waited
