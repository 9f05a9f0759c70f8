"""A minimal WebSocket echo server (RFC 6455) and the client's side of the protocol, stdlib only.

The server, run in a thread, answers `GET /ws...` with `Upgrade: websocket` by a
101, sends one text frame of its own at once (`GREETING`), then echoes every
frame it gets until the client closes. Any other request gets a 403 with a
body, on a kept-alive connection. It records each request head it got.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

GREETING = b"hello from the monolith"
REFUSED = b"no websocket here"
TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept for a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()


def encode_frame(opcode: int, payload: bytes, *, masked: bool) -> bytes:
    """One final frame; a client's frames are masked, a server's are not."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, (0x80 if masked else 0) | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, (0x80 if masked else 0) | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, (0x80 if masked else 0) | 127, length)
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """(opcode, payload) of the next frame, unmasked; ConnectionError at the end of stream."""
    first, second = _exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _exactly(sock, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _exactly(sock, 8))
    mask = _exactly(sock, 4) if second & 0x80 else b"\0\0\0\0"
    payload = _exactly(sock, length)
    return first & 0x0F, bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))


def read_head(sock: socket.socket) -> bytes:
    """The bytes up to and including the blank line ending an HTTP head, read one at a time."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += _exactly(sock, 1)
    return head


def head_fields(head: bytes) -> dict[str, str]:
    """The header fields of an HTTP head, by lower-cased name (the last of repeated ones)."""
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines if line)
    }


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the connection ended")
        data += chunk
    return data


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        try:
            while self._exchange():
                pass
        except (ConnectionError, OSError):
            pass

    def _exchange(self) -> bool:
        """Answer one request: False once the connection is a WebSocket or closed."""
        head = read_head(self.request)
        self.server.heads.append(head)
        fields = head_fields(head)
        if not head.startswith(b"GET /ws") or fields.get("upgrade", "").lower() != "websocket":
            self.request.sendall(
                b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
                + f"Content-Length: {len(REFUSED)}\r\n\r\n".encode()
                + REFUSED
            )
            return True
        accept = accept_key(fields["sec-websocket-key"])
        self.request.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
            + encode_frame(TEXT, GREETING, masked=False)
        )
        while True:
            opcode, payload = read_frame(self.request)
            self.request.sendall(encode_frame(opcode, payload, masked=False))
            if opcode == CLOSE:
                return False


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.heads: list[bytes] = []


@contextmanager
def websocket_echo_server() -> Iterator[tuple[str, list[bytes]]]:
    """(base URL, the request heads it got) of a running echo server, stopped after the block."""
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, name="websocket-echo", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.heads
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
