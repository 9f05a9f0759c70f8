"""The client's connection as the app's thread writes its answer to it.

gunicorn's `Response` writes with `sendall` on a blocking socket; here each
write is handed to the loop, which owns the connection. Writes made before the
loop took the last ones go out together (one wake-up of the loop for a head and
a small body). A thread that writes faster than the client reads waits: while
the connection's send buffer is over its high-water mark (`pause`, `resume`:
the protocol's flow control) or WRITER_LIMIT bytes wait for the loop, so a
50 MB download is never held whole. Once the connection is lost, every write
raises BrokenPipeError, as on a socket.

An answer the loop writes itself (`loop_first.py`) goes out at once (`write_now`);
whoever produces it is told when the client cannot take more, can again, or is gone
(`watch`), and holds its source back meanwhile.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass

WRITER_LIMIT = 256 * 1024


class ResponseWriter:
    """Thread-safe writes to the client's transport, bounded; the loop's side is `pause`,
    `resume` and `lose`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, transport: asyncio.WriteTransport) -> None:
        self._loop = loop
        self._transport = transport
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._paused = False
        self._lost = False
        self._room = threading.Condition()
        self._watcher: _Watcher | None = None

    def sendall(self, data: bytes) -> None:
        """Queue `data` for the client, first waiting while too much waits already."""
        with self._room:
            while not self._lost and (self._paused or self._pending_bytes >= WRITER_LIMIT):
                self._room.wait()
            if self._lost:
                raise BrokenPipeError("the client's connection is gone")
            flush = not self._pending
            self._pending.append(bytes(data))
            self._pending_bytes += len(data)
        if flush:
            self._loop.call_soon_threadsafe(self._flush)

    def send(self, data: bytes) -> int:
        self.sendall(data)
        return len(data)

    def _flush(self) -> None:
        with self._room:
            pending, self._pending, self._pending_bytes = self._pending, [], 0
            self._room.notify_all()
        if not self._lost:
            self._transport.write(b"".join(pending))

    def write_now(self, data: bytes) -> None:
        """Write from the loop itself (nothing of a thread's is pending then); a lost
        connection drops it (its watcher was told)."""
        if not self._lost:
            self._transport.write(data)

    def watch(
        self, pause: Callable[[], None], resume: Callable[[], None], gone: Callable[[], None]
    ) -> None:
        """Tell these (on the loop) when the client cannot take more, can again, or is gone;
        until `unwatch`. Told at once if it is already so."""
        self._watcher = _Watcher(pause, resume, gone)
        if self._lost:
            gone()
        elif self._paused:
            pause()

    def unwatch(self) -> None:
        self._watcher = None

    def pause(self) -> None:
        """The transport's buffer is full: writers wait (on the loop)."""
        with self._room:
            self._paused = True
        if self._watcher is not None:
            self._watcher.pause()

    def resume(self) -> None:
        """The transport's buffer drained: writers go on (on the loop)."""
        with self._room:
            self._paused = False
            self._room.notify_all()
        if self._watcher is not None:
            self._watcher.resume()

    def lose(self) -> None:
        """The connection is gone: writers get BrokenPipeError (on the loop)."""
        with self._room:
            self._lost = True
            self._room.notify_all()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.gone()


@dataclass(frozen=True)
class _Watcher:
    """Who produces an answer the loop writes: told of the client's flow control."""

    pause: Callable[[], None]
    resume: Callable[[], None]
    gone: Callable[[], None]
