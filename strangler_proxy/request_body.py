"""The client's request body, not read yet: read whole or chunk by chunk, as its route needs.

It comes from the server's input stream (WSGI's `wsgi.input`), which undoes a
chunked transfer coding. Never more than `limit` bytes are taken: a declared
`Content-Length` over it is refused before a byte is read (`within`), a
chunked body as soon as it passes it. Any failure of the input stream (the
client went away, a bad chunk) is the client's: BodyIncomplete, or
BodyTimeout when it stopped sending or sends too slowly (the server's reads
raise SlowBody: `server_worker.py`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import Protocol

from strangler_proxy.errors import BodyIncomplete, BodyTimeout, PayloadTooLarge, ProxyError

CHUNK_BYTES = 64 * 1024


class SlowBody(TimeoutError):
    """The client sends its body slower than the proxy's minimum rate (raised by the reads
    of the socket under the input stream)."""


class InputStream(Protocol):
    """What the server gives to read the body from (`wsgi.input`)."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class IncomingBody:
    """A body to read once from `source`: `length` bytes, or to its end when chunked (None).

    With the `client` socket it comes on, each wait for more of it lasts at most
    `read_timeout` seconds (BodyTimeout after that).
    """

    source: InputStream
    length: int | None
    limit: int | None = None
    client: socket.socket | None = None
    read_timeout: float | None = None

    @property
    def chunked(self) -> bool:
        return self.length is None

    def within(self, limit: int | None) -> IncomingBody:
        """This body, to be read within `limit` bytes; PayloadTooLarge if it declared more."""
        if limit is not None and self.length is not None and self.length > limit:
            raise PayloadTooLarge(limit)
        return replace(self, limit=limit)

    def read_all(self) -> bytes:
        """The whole body (within the limit)."""
        return b"".join(self.chunks())

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives, at most CHUNK_BYTES at a time (within the limit)."""
        with self._waits_bounded():
            yield from self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        remaining = self.length
        taken = 0
        while remaining is None or remaining > 0:
            chunk = self._read(CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining))
            if not chunk:
                if remaining:
                    raise BodyIncomplete(f"the body ended {remaining} bytes short")
                return
            taken += len(chunk)
            if self.limit is not None and taken > self.limit:
                raise PayloadTooLarge(self.limit)
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk

    def _read(self, size: int) -> bytes:
        try:
            return self.source.read(size)
        except SlowBody as exc:
            raise BodyTimeout(str(exc)) from exc
        except TimeoutError as exc:
            raise BodyTimeout(f"no more of the body within {self.read_timeout}s") from exc
        except ProxyError:
            raise  # the proxy's own say, on its way (an upload turned away once all read)
        except Exception as exc:  # the server's own error classes: all mean the same here
            raise BodyIncomplete(f"the body broke off: {exc!r}") from exc

    @contextmanager
    def _waits_bounded(self) -> Iterator[None]:
        """The client's socket waiting at most `read_timeout` per read meanwhile."""
        if self.client is None or self.read_timeout is None:
            yield
            return
        before = self.client.gettimeout()
        self.client.settimeout(self.read_timeout)
        try:
            yield
        finally:
            with suppress(OSError):
                self.client.settimeout(before)
