"""The connection as the app's thread has it (`gunicorn.socket`), and what follows when
the app takes it over.

The app gets one end of a socket pair; the loop holds the other. An app only
writes on that socket to take the connection over: the proxy sends the
monolith's `101 Switching Protocols` on it and relays the WebSocket with
`tunnel.relay`, select()-based, as it does on gunicorn's socket. From the
first byte the app writes, the loop passes bytes both ways between the client
and the pair as they come, each side's end of stream passed on as a
half-close; once the app is done and its side ended, the client's connection
is closed. The app also sets its body-read timeouts on that socket
(`body_feed.FeedReads` honours them).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

from strangler_proxy.tunnel import CHUNK_BYTES


class Takeover:
    """One client connection's socket pair, and the relay once the app writes on it."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        client: asyncio.Transport,
        taken: Callable[[], None],
    ) -> None:
        """`taken` is called (on the loop) when the app first writes on its socket."""
        self.app_socket, self._end = socket.socketpair()
        self._end.setblocking(False)
        self._loop = loop
        self._client = client
        self._taken = taken
        self.active = False
        self._to_app = bytearray()
        self._client_ended = False
        self._app_ended = False
        self._app_done = False
        self._reading = True
        loop.add_reader(self._end.fileno(), self._from_app)

    def _from_app(self) -> None:
        try:
            data = self._end.recv(CHUNK_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not self.active:
            self.active = True
            self._taken()
        if data:
            self._client.write(data)
            return
        self._stop_reading()
        self._app_ended = True
        if self._client.can_write_eof() and not self._client.is_closing():
            self._client.write_eof()
        self._close_when_done()

    def to_app(self, data: bytes) -> None:
        """Bytes from the client, for the app (once taken over)."""
        if not self._to_app:
            try:
                sent = self._end.send(data)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._client.close()
                return
            data = data[sent:]
            if not data:
                return
            self._loop.add_writer(self._end.fileno(), self._drain)
            self._client.pause_reading()
        self._to_app += data

    def _drain(self) -> None:
        try:
            sent = self._end.send(self._to_app)
        except BlockingIOError:
            return
        except OSError:
            self._client.close()
            return
        del self._to_app[:sent]
        if self._to_app:
            return
        self._loop.remove_writer(self._end.fileno())
        if not self._client.is_closing():
            self._client.resume_reading()
        if self._client_ended:
            self._shutdown(socket.SHUT_WR)

    def client_ended(self) -> None:
        """The client sent its end of stream: passed on once what it sent before is."""
        self._client_ended = True
        if not self._to_app:
            self._shutdown(socket.SHUT_WR)

    def client_lost(self) -> None:
        """The client's connection is gone: the app's relay sees its socket end."""
        self._shutdown(socket.SHUT_RDWR)

    def pause(self) -> None:
        """The client's send buffer is full: read no more from the app for now."""
        if self.active and self._reading:
            self._stop_reading()

    def resume(self) -> None:
        if self.active and not self._reading and not self._app_ended:
            self._loop.add_reader(self._end.fileno(), self._from_app)
            self._reading = True

    def app_done(self) -> None:
        """The app's thread is done with the connection: closed once all it wrote is on."""
        self._app_done = True
        if not self.active:
            self._from_app()  # what it wrote (or its end of stream) that the loop did not see
        self._close_when_done()

    def _close_when_done(self) -> None:
        if self._app_done and (self._app_ended or not self.active):
            self._client.close()

    def close(self) -> None:
        """Both ends closed: once the app's thread no longer uses its own."""
        self._stop_reading()
        if self._to_app:
            self._loop.remove_writer(self._end.fileno())
        self._end.close()
        self.app_socket.close()

    def _stop_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._end.fileno())
            self._reading = False

    def _shutdown(self, how: int) -> None:
        with contextlib.suppress(OSError):
            self._end.shutdown(how)
