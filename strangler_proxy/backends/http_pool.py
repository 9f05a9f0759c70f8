"""Keep-alive HTTP/1.1 connections to one origin that send a request exactly as given.

Built on http.client's lowest level (`putrequest`, `putheader`, `endheaders`):
the request target goes out byte for byte (no dot-segment removal, no
re-encoding) and no header is added (no Host, User-Agent, Accept-Encoding or
Content-Length of its own). Foreign errors become the proxy's own here.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.util import wait_for_read

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
                if connection.sock is not None and not wait_for_read(connection.sock, 0.0):
                    return connection  # nothing to read on an idle connection: still open
                connection.close()
        kind = (
            http.client.HTTPSConnection
            if self.origin.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = kind(self.origin.host, self.origin.port, timeout=self._connect_timeout)
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
