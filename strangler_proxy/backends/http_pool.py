"""Keep-alive HTTP/1.1 connections to one origin that send a request exactly as given.

Built on http.client's lowest level (`putrequest`, `putheader`, `endheaders`):
the request target goes out byte for byte (no dot-segment removal, no
re-encoding) and no header is added (no Host, User-Agent, Accept-Encoding or
Content-Length of its own). Foreign errors become the proxy's own here.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.util import wait_for_read

from strangler_proxy.errors import MonolithBadResponse, MonolithTimeout, MonolithUnavailable
from strangler_proxy.http_types import Headers, Response


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


class HttpPool:
    """Up to `size` idle connections kept for reuse; a connection the server closed is dropped."""

    def __init__(
        self, origin: Origin, *, connect_timeout: float, read_timeout: float, size: int = 16
    ) -> None:
        self.origin = origin
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._size = size
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def send(self, method: str, target: str, headers: Headers, body: bytes) -> Response:
        """Send one request (`target` is put after the origin's prefix) and read the answer."""
        connection = self._connection()
        try:
            connection.putrequest(
                method, self.origin.prefix + target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(body or None)
            answer = connection.getresponse()
            data = answer.read()
        except TimeoutError as exc:
            connection.close()
            raise MonolithTimeout(f"no answer within {self._read_timeout:g}s") from exc
        except (http.client.HTTPException, OSError) as exc:
            connection.close()
            raise MonolithBadResponse(repr(exc)) from exc
        if answer.will_close:
            connection.close()
        else:
            self._release(connection)
        return Response(answer.status, tuple(answer.getheaders()), data, answer.reason)

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
            if len(self._idle) < self._size:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
