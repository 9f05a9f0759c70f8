"""Keep-alive HTTP/1.1 connections to one origin that send a request exactly as given.

Built on http.client's lowest level (`putrequest`, `putheader`, `endheaders`):
the request target goes out byte for byte (no dot-segment removal, no
re-encoding) and no header is added (no Host, User-Agent, Accept-Encoding or
Content-Length of its own). An answer's head is read as http.client reads it, but
a plain one (every line `name: value`, nothing folded) without the email package,
which costs more than the rest of a small forwarded request. Foreign errors become
the proxy's own here.
"""

from __future__ import annotations

import email.parser
import http.client
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from strangler_proxy.backends.lean_http import (
    AnswerBrokeOff,
    LeanAnswer,
    Unread,
    Whole,
    read_answer,
    read_held_first,
    request_head,
)
from strangler_proxy.errors import (
    MonolithBadResponse,
    MonolithTimeout,
    MonolithUnavailable,
    ProxyError,
)
from strangler_proxy.http_types import Headers, Response, Switched, first_header


@dataclass(frozen=True)
class Origin:
    """Where requests go: scheme, host, port, and a path prefix put before every target.

    `authority` is `host[:port]` as the URL wrote it (no user info).
    """

    scheme: str
    host: str
    port: int
    prefix: str
    authority: str

    @classmethod
    def from_url(cls, url: str) -> Origin:
        parts = urlsplit(url)
        default_port = 443 if parts.scheme == "https" else 80
        return cls(
            parts.scheme,
            parts.hostname or "",
            parts.port or default_port,
            parts.path,
            parts.netloc.rpartition("@")[2],
        )


Body = bytes | Iterable[bytes]
MAX_HEAD_LINE = 65536  # http.client's limits on an answer's head
MAX_HEAD_FIELDS = 100
# a field line the email package reads as `name: value` (name: printable, no colon or
# space; value: its leading blanks dropped), on its own line
_PLAIN_FIELD = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)\r?\n")


class _Fields:
    """An answer's header fields as http.client's `HTTPMessage` gives them to its
    response: `get` (the first value), `get_all`, `items`; names case-insensitive."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields
        self._by_name: dict[str, list[str]] = {}
        for name, value in fields:
            self._by_name.setdefault(name.lower(), []).append(value)

    def get(self, name: str, failobj: Any = None) -> Any:
        values = self._by_name.get(name.lower())
        return values[0] if values else failobj

    def get_all(self, name: str, failobj: Any = None) -> Any:
        return list(self._by_name.get(name.lower(), ())) or failobj

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)


def _read_fields(fp: Any) -> Any:
    """The head's fields after the status line, as http.client's `parse_headers` reads
    them; a head with a line that is not a plain field goes to that same parser."""
    lines: list[str] = []
    fields: list[tuple[str, str]] = []
    plain = True
    while True:
        line = fp.readline(MAX_HEAD_LINE + 1)
        if len(line) > MAX_HEAD_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(text := line.decode("iso-8859-1"))
        if len(lines) > MAX_HEAD_FIELDS:
            raise http.client.HTTPException(f"got more than {MAX_HEAD_FIELDS} headers")
        if line in (b"\r\n", b"\n", b""):
            break
        if plain and (field := _PLAIN_FIELD.fullmatch(text)) is not None:
            fields.append((field[1], field[2]))
        else:
            plain = False
    if plain:
        return _Fields(fields)
    parser = email.parser.Parser(_class=http.client.HTTPMessage)
    return parser.parsestr("".join(lines))


class _Answer(http.client.HTTPResponse):
    """http.client's response, its head's fields read by `_read_fields`."""

    def begin(self) -> None:  # http.client's own (3.11 to 3.13), but for `_read_fields`
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            _read_fields(self.fp)  # the 100 answer's head, skipped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = _read_fields(self.fp)
        coding = self.headers.get("transfer-encoding")
        self.chunked = bool(coding) and coding.lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        no_body = status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED)
        if no_body or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class HttpPool:
    """Up to `size` idle connections kept for reuse; a connection the server closed is dropped.

    Once closed, the pool keeps none: idle ones close at once, one in use when its answer
    has been read."""

    def __init__(
        self, origin: Origin, *, connect_timeout: float, read_timeout: float, size: int = 16
    ) -> None:
        self.origin = origin
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._size = size
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def send(
        self,
        method: str,
        target: str,
        headers: Headers,
        body: Body,
        *,
        stream: bool = False,
        timeout: float | None = None,
    ) -> Response:
        """Send one request (`target` is put after the origin's prefix; `body` whole or as
        chunks, framed as `headers` say: chunked under `Transfer-Encoding`) and read the answer:
        whole, or with `stream` as it arrives (`Response.stream`; the read timeout then
        bounds the wait for each chunk, never the whole answer); `timeout`, a route's own
        read timeout, replaces the pool's for this exchange."""
        connection = self._connection()
        quick = self._quick_exchange(connection, method, target, headers, body, timeout)
        if isinstance(quick, LeanAnswer):
            if quick.will_close:
                connection.close()
            else:
                self._release(connection)
            whole = stream and _has_body(method, quick.status)
            return Response(
                quick.status,
                quick.headers,
                b"" if whole else quick.body,
                quick.reason,
                stream=Whole(quick.body) if whole else None,
            )
        if isinstance(quick, Unread):
            answer = self._answer_from(connection, quick, method, timeout)
        else:
            answer = self._exchange(connection, method, target, headers, body, timeout)
        if stream and _has_body(method, answer.status):
            return _streamed(answer, connection, self._release)
        with self._foreign_errors(connection, timeout):
            data = answer.read()
        if answer.will_close:
            connection.close()
        else:
            self._release(connection)
        return Response(answer.status, tuple(answer.getheaders()), data, answer.reason)

    def switch(
        self, method: str, target: str, headers: Headers, body: Body, *, timeout: float | None
    ) -> Response:
        """Send a request asking to switch protocols. A 101 answer comes with its connection
        (`Response.switched`, idle for at most the read timeout), no longer the pool's; any
        other answer streams as `send`'s does, and its connection is closed after it."""
        connection = self._connection()
        answer = self._exchange(connection, method, target, headers, body, timeout)
        if answer.status != 101:
            return _streamed(answer, connection, lambda used: used.close())
        upstream = connection.sock
        assert upstream is not None
        early = _buffered(answer, upstream)
        connection.sock = None  # the connection object no longer owns it
        idle_timeout = self._read_timeout if timeout is None else timeout
        return Response(
            101,
            tuple(answer.getheaders()),
            reason=answer.reason,
            switched=Switched(upstream, idle_timeout, early),
        )

    def _quick_exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        target: str,
        headers: Headers,
        body: Body,
        timeout: float | None,
    ) -> LeanAnswer | Unread | None:
        """The usual exchange (no body to send) done by `lean_http`: the answer read whole,
        or what was read of one left to http.client; None: not sent, left to `_exchange`."""
        if body != b"" or first_header(headers, "Transfer-Encoding") is not None:
            return None
        head = request_head(method, self.origin.prefix + target, headers)
        if head is None:
            return None
        sock = connection.sock
        assert sock is not None
        sock.settimeout(self._read_timeout if timeout is None else timeout)
        with self._foreign_errors(connection, timeout):
            sock.sendall(head)
            try:
                return read_answer(sock, method)
            except AnswerBrokeOff as exc:
                raise MonolithBadResponse(f"the answer broke off: {exc}") from exc

    def _answer_from(
        self,
        connection: http.client.HTTPConnection,
        unread: Unread,
        method: str,
        timeout: float | None,
    ) -> http.client.HTTPResponse:
        """http.client's reading of an answer `lean_http` left, from its first byte."""
        assert connection.sock is not None
        with self._foreign_errors(connection, timeout):
            answer = _Answer(connection.sock, method=method)
            read_held_first(answer, unread.held, connection.sock)
            answer.begin()
            return answer

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        target: str,
        headers: Headers,
        body: Body,
        timeout: float | None,
    ) -> http.client.HTTPResponse:
        """Send the request on `connection` and read the answer's head (its body is left)."""
        assert connection.sock is not None
        connection.sock.settimeout(self._read_timeout if timeout is None else timeout)
        with self._foreign_errors(connection, timeout):
            connection.putrequest(
                method, self.origin.prefix + target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in headers:
                connection.putheader(name, value)
            chunked = first_header(headers, "Transfer-Encoding") is not None
            connection.endheaders(body or None, encode_chunked=chunked)
            return connection.getresponse()

    @contextmanager
    def _foreign_errors(
        self, connection: http.client.HTTPConnection, timeout: float | None
    ) -> Iterator[None]:
        """http.client's and the socket's errors as the proxy's own; after any error (the
        client's body too may fail while it is sent) the connection is closed."""
        try:
            yield
        except ProxyError:
            connection.close()
            raise
        except TimeoutError as exc:
            connection.close()
            read_timeout = self._read_timeout if timeout is None else timeout
            raise MonolithTimeout(f"no answer within {read_timeout:g}s") from exc
        except (http.client.HTTPException, OSError) as exc:
            connection.close()
            raise MonolithBadResponse(repr(exc)) from exc

    def _connection(self) -> http.client.HTTPConnection:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if connection.sock is not None and _still_open(connection.sock):
                    return connection
                connection.close()
        kind = (
            http.client.HTTPSConnection
            if self.origin.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = kind(self.origin.host, self.origin.port, timeout=self._connect_timeout)
        connection.response_class = _Answer
        try:
            connection.connect()
        except TimeoutError as exc:
            raise MonolithTimeout(f"no connection within {self._connect_timeout:g}s") from exc
        except OSError as exc:
            raise MonolithUnavailable(exc.strerror or repr(exc)) from exc
        assert connection.sock is not None
        connection.sock.settimeout(self._read_timeout)
        return connection

    def _release(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._size:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close the idle connections now, and each one in use when it comes back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


CHUNK_BYTES = 64 * 1024


def _still_open(sock: socket.socket) -> bool:
    """Whether an idle connection may carry a request: nothing to read on it (a close or
    stray bytes would be), asked without waiting in one system call."""
    timeout = sock.gettimeout()
    sock.settimeout(0.0)  # with a timeout, recv would first wait for something to read
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)
    return False


def _streamed(
    answer: http.client.HTTPResponse,
    connection: http.client.HTTPConnection,
    release: Callable[[http.client.HTTPConnection], None],
) -> Response:
    stream = _Streamed(answer, connection, release)
    return Response(answer.status, tuple(answer.getheaders()), reason=answer.reason, stream=stream)


def _buffered(answer: http.client.HTTPResponse, upstream: socket.socket) -> bytes:
    """What the answer's reader took from `upstream` beyond the head (never waiting for more)."""
    upstream.setblocking(False)
    try:
        return answer.fp.peek()  # the buffered bytes; without any, one read that does not wait
    except OSError:
        return b""
    finally:
        upstream.setblocking(True)


def _has_body(method: str, status: int) -> bool:
    return method != "HEAD" and status >= 200 and status not in (204, 304)


class _Streamed:
    """An upstream answer's body, read chunk by chunk as it arrives (`read1`: whatever is
    there, up to CHUNK_BYTES), never whole. Read to its end, its connection goes back to
    the pool; closed early (the client went away) or broken, the connection is closed."""

    def __init__(
        self,
        answer: http.client.HTTPResponse,
        connection: http.client.HTTPConnection,
        release: Callable[[http.client.HTTPConnection], None],
    ) -> None:
        self._answer = answer
        self._connection: http.client.HTTPConnection | None = connection
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        try:
            while chunk := self._answer.read1(CHUNK_BYTES):
                yield chunk
        except (http.client.HTTPException, OSError) as exc:
            self.close()
            raise MonolithBadResponse(f"the answer broke off: {exc!r}") from exc
        connection, self._connection = self._connection, None
        # read1 leaves a fully read answer open (read() would close it): close it, or the
        # connection refuses its next request
        self._answer.close()
        if connection is not None:
            if self._answer.will_close:
                connection.close()
            else:
                self._release(connection)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
