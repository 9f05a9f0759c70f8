"""The pool's quick way for the usual exchange: a request without a body, a small answer
with a length. About a quarter of what http.client costs per exchange, which is most of
what the proxy spends on a forwarded request.

The request goes out in one write, byte for byte as http.client's `putrequest`,
`putheader` and `endheaders` would send it; anything those would refuse (a control
character in the target, an illegal header name or value, a character outside
Latin-1) is left to them (`None`: not sent). The answer's head is read here when it is
plain: an HTTP/1.0 or 1.1 status line with a final status, `name: value` lines (as
http.client reads them: leading blanks of the value dropped), no more than
http.client allows, and a `Content-Length` up to `LEAN_BODY_BYTES` (or no body: HEAD,
204, 304). Any other answer (chunked, read to the close, large, 1xx, folded or odd
lines) is read by http.client from its first byte (`held_then_socket`).
"""

from __future__ import annotations

import http.client
import io
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strangler_proxy.http_types import Headers

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

LEAN_BODY_BYTES = 64 * 1024  # a longer answer streams through http.client
MAX_HEAD_BYTES = 64 * 1024
MAX_FIELDS = 100  # http.client's limit
RECV_BYTES = 64 * 1024

# what http.client refuses in a request (its _validate_method, _validate_path,
# _is_legal_header_name, _is_illegal_header_value)
_BAD_METHOD = re.compile(r"[\x00-\x1f]")
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
_LEGAL_NAME = re.compile(r"[^:\s][^:\r\n]*")
_ILLEGAL_VALUE = re.compile(r"\n(?![ \t])|\r(?![ \t\n])")

_STATUS_LINE = re.compile(r"HTTP/1\.([01])[ \t]+([2-9][0-9][0-9])(?:[ \t]+(.*))?")
_FIELD_LINE = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*(.*)")


def request_head(method: str, target: str, headers: Headers) -> bytes | None:
    """The request's head as http.client sends it, or None when http.client would refuse
    some of it (then it is left to http.client, to refuse as it does)."""
    if _BAD_METHOD.search(method) or _BAD_TARGET.search(target) or not target.isascii():
        return None
    lines = [f"{method} {target} HTTP/1.1"]
    for name, value in headers:
        if not (name.isascii() and _LEGAL_NAME.fullmatch(name)) or _ILLEGAL_VALUE.search(value):
            return None
        lines.append(f"{name}: {value}")
    lines.append("\r\n")
    try:
        return "\r\n".join(lines).encode("latin-1")
    except UnicodeEncodeError:
        return None


@dataclass(frozen=True)
class LeanAnswer:
    """A whole answer read here; `will_close`: its connection may not be used again."""

    status: int
    reason: str
    headers: Headers
    body: bytes
    will_close: bool


@dataclass(frozen=True)
class Unread:
    """An answer left to http.client: the bytes already taken from its socket."""

    held: bytes


class AnswerBrokeOff(Exception):
    """The connection ended before the answer's declared length arrived."""


def read_answer(sock: socket.socket, method: str) -> LeanAnswer | Unread:
    """The answer on `sock` to a `method` request, when it is plain and small; else what was
    read of it so far, for http.client to read from its start."""
    held = b""
    while (end := held.find(b"\r\n\r\n")) < 0:
        if len(held) > MAX_HEAD_BYTES:
            return Unread(held)
        received = sock.recv(RECV_BYTES)
        if not received:
            return Unread(held)  # http.client says how the head broke off
        held += received
    if end > MAX_HEAD_BYTES:
        return Unread(held)
    head = _plain_head(held[:end].decode("latin-1"))
    if head is None:
        return Unread(held)
    status, reason, headers, version, first = head
    length = _body_length(method, status, first)
    if length is None or length > LEAN_BODY_BYTES:
        return Unread(held)
    body = held[end + 4 :]
    while len(body) < length:
        received = sock.recv(max(length - len(body), 1))
        if not received:
            raise AnswerBrokeOff(f"{len(body)} of {length} body bytes arrived")
        body += received
    # bytes beyond the declared length are no answer to anything: not kept for the next
    will_close = len(body) > length or _will_close(version, first)
    return LeanAnswer(status, reason, headers, body[:length], will_close)


def _plain_head(text: str) -> tuple[int, str, Headers, int, dict[str, str]] | None:
    """Status, reason, fields, HTTP version (10, 11) and each field's first value by
    lower-cased name, of a plain head; None for any other."""
    lines = text.split("\r\n")
    if any("\r" in line or "\n" in line for line in lines):
        return None
    status_line = _STATUS_LINE.fullmatch(lines[0])
    if status_line is None or len(lines) > MAX_FIELDS + 1:
        return None
    fields = []
    first: dict[str, str] = {}
    for line in lines[1:]:
        field = _FIELD_LINE.fullmatch(line)
        if field is None:
            return None
        fields.append((field[1], field[2]))
        first.setdefault(field[1].lower(), field[2])
    version = 10 if status_line[1] == "0" else 11
    return int(status_line[2]), (status_line[3] or "").strip(), tuple(fields), version, first


def _body_length(method: str, status: int, first: dict[str, str]) -> int | None:
    """The body's length (0: none), or None when it is not framed by a length."""
    if method == "HEAD" or status in (204, 304):
        return 0
    declared = first.get("content-length")
    if "transfer-encoding" in first or declared is None:
        return None
    if not (declared.isascii() and declared.isdigit()):
        return None
    return int(declared)


def _will_close(version: int, first: dict[str, str]) -> bool:
    """http.client's `_check_close`: whether the server ends the connection after this."""
    connection = first.get("connection", "").lower()
    if version == 11:
        return "close" in connection
    if first.get("keep-alive") or "keep-alive" in connection:
        return False
    return "keep-alive" not in first.get("proxy-connection", "").lower()


class _HeldThenSocket(io.RawIOBase):
    def __init__(self, held: bytes, sock: socket.socket) -> None:
        self._held = memoryview(held)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        if self._held:
            target = memoryview(buffer).cast("B")
            count = min(len(target), len(self._held))
            target[:count] = self._held[:count]
            self._held = self._held[count:]
            return count
        return self._sock.recv_into(buffer)


def read_held_first(response: http.client.HTTPResponse, held: bytes, sock: socket.socket) -> None:
    """Make `response` (built on `sock`, not begun) read the bytes already taken from `sock`
    first, then the socket."""
    response.fp.close()  # the reader http.client made on the socket: never read, let go
    response.fp = io.BufferedReader(_HeldThenSocket(held, sock))


class Whole:
    """A body read whole, handed out as the one chunk of a stream."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        if self._body:
            yield self._body

    def close(self) -> None:
        pass
