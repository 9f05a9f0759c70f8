"""A request's body, as the loop receives it and the app's thread reads it.

The loop parses the body (undoing a chunked coding) and puts its bytes here;
the app's thread takes them with blocking reads, as it would from gunicorn's
socket. At most `limit` bytes wait here: past that the loop stops reading the
client (`pause`) until the thread has taken half of them (`resume`, called on
the loop), so an upload that comes faster than the app sends it on is held by
TCP, not in memory.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Callable

FEED_LIMIT = 256 * 1024


class BodyBrokeOff(ConnectionResetError):
    """The client's connection ended (or its framing broke) before the body's end."""


class BodyFeed:
    """The body's bytes from the loop (`put`, `end`, `break_off`) to one reading thread
    (`recv`). Its ends are called on the loop, `recv` on the thread."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        pause: Callable[[], None],
        resume: Callable[[], None],
        limit: int = FEED_LIMIT,
    ) -> None:
        self._loop = loop
        self._pause = pause
        self._resume = resume
        self._limit = limit
        self._chunks: deque[bytes] = deque()
        self._held = 0
        self._paused = False
        self._ended = False
        self._broken: str | None = None
        self._discarding = False
        self._ready = threading.Condition()
        self.received = 0

    @property
    def ended(self) -> bool:
        """Whether the whole body arrived."""
        return self._ended

    def put(self, data: bytes) -> None:
        """More of the body (on the loop)."""
        self.received += len(data)
        if self._discarding:
            return
        with self._ready:
            self._chunks.append(data)
            self._held += len(data)
            self._ready.notify()
            full = self._held >= self._limit and not self._paused
            self._paused = self._paused or full
        if full:
            self._pause()

    def end(self) -> None:
        """The body is complete (on the loop)."""
        with self._ready:
            self._ended = True
            self._ready.notify()

    def break_off(self, reason: str) -> None:
        """The body will not be completed (on the loop): the reader gets BodyBrokeOff."""
        with self._ready:
            if not self._ended:
                self._broken = reason
            self._ready.notify()
        self.discard()

    def discard(self) -> None:
        """Nobody reads the rest (on the loop): it is dropped as it comes, without pausing."""
        with self._ready:
            self._discarding = True
            self._chunks.clear()
            self._held = 0
            resume = self._paused
            self._paused = False
        if resume:
            self._resume()

    def recv(self, size: int, timeout: float | None) -> bytes:
        """Up to `size` bytes of the body, waiting at most `timeout` seconds for the first
        (TimeoutError); b"" at its end (on the app's thread)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._ready:
            while not self._chunks:
                if self._broken is not None:
                    raise BodyBrokeOff(self._broken)
                if self._ended:
                    return b""
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("timed out")
                self._ready.wait(left)
            data = self._take(size)
            resume = self._paused and self._held <= self._limit // 2
            self._paused = self._paused and not resume
        if resume:
            self._loop.call_soon_threadsafe(self._resume)
        return data

    def _take(self, size: int) -> bytes:
        first = self._chunks.popleft()
        if len(first) > size:
            self._chunks.appendleft(first[size:])
            first = first[:size]
        self._held -= len(first)
        return first


class FeedReads:
    """The body as a socket the app's thread reads (`recv`): each wait lasts at most the
    timeout the app set on its `gunicorn.socket` (`timeouts`), as on gunicorn's socket."""

    def __init__(self, feed: BodyFeed, timeouts: socket.socket) -> None:
        self._feed = feed
        self._timeouts = timeouts

    def recv(self, size: int) -> bytes:
        return self._feed.recv(size, self._timeouts.gettimeout())

    def gettimeout(self) -> float | None:
        return self._timeouts.gettimeout()

    def settimeout(self, timeout: float | None) -> None:
        self._timeouts.settimeout(timeout)
