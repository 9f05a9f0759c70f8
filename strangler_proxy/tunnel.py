"""Relay bytes both ways between the client and the monolith after a 101 (a WebSocket).

The proxy does not read the frames: whatever one side sends the other gets, as
it comes. An end of stream from one side is passed on as a half-close (the
other direction keeps going); the relay ends when both have ended, when either
breaks off, or when nothing moved either way for `idle_timeout` seconds.
"""

from __future__ import annotations

import selectors
import socket
import ssl

CHUNK_BYTES = 64 * 1024


def relay(client: socket.socket, upstream: socket.socket, *, idle_timeout: float) -> None:
    """Copy bytes between the two until both ends closed, one broke off, or all went idle."""
    peer = {client: upstream, upstream: client}
    with selectors.DefaultSelector() as selector:
        for end in peer:
            end.settimeout(idle_timeout)  # a side that stops reading stalls a write no longer
            selector.register(end, selectors.EVENT_READ, end)
        while selector.get_map():
            ready = [key.data for key in selector.get_map().values() if _decrypted(key.data)]
            if not ready:
                ready = [key.data for key, _ in selector.select(timeout=idle_timeout)]
            if not ready:
                return
            for end in ready:
                if not _forward(end, peer[end], selector):
                    return


def _forward(
    source: socket.socket, target: socket.socket, selector: selectors.BaseSelector
) -> bool:
    """Pass what `source` has on to `target`; False when the relay must end now."""
    try:
        data = source.recv(CHUNK_BYTES)
        if data:
            target.sendall(data)
            return True
        selector.unregister(source)  # its end of stream: pass it on, keep the other way going
        target.shutdown(socket.SHUT_WR)
        return True
    except OSError:  # reset, timed out writing, or the other side already gone
        return False


def _decrypted(end: socket.socket) -> bool:
    """Whether TLS already holds bytes of `end` that a select would not announce."""
    return isinstance(end, ssl.SSLSocket) and end.pending() > 0
