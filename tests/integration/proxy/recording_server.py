"""A monolith-like HTTP/1.1 server that records each request exactly as it arrived.

It runs on a thread of the test process (stopped with the `with` block) and
answers as the test tells it: status, reason phrase, headers and body exactly
as given (no Server or Date of its own). `raw_exchange` is the matching client:
it sends bytes as given and reads the answer as is.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Received:
    """A request as it came in: the request line, the header fields in order, the body.

    `peer_port` tells the client's connections apart.
    """

    request_line: str
    headers: Headers
    body: bytes
    peer_port: int = 0

    @property
    def method(self) -> str:
        return self.request_line.split(" ")[0]

    @property
    def target(self) -> str:
        return self.request_line.split(" ")[1]

    def fields(self) -> list[tuple[str, str]]:
        """The header fields with lower-case names, sorted: order and case are not meaning."""
        return sorted((name.lower(), value) for name, value in self.headers)


@dataclass(frozen=True)
class Reply:
    """What the server answers; `delay` seconds first, `hang_up` closes without answering,
    `close_after` closes once it answered, without saying so (as an idle timeout does)."""

    status: int = 200
    reason: str = "OK"
    headers: Headers = (("Content-Type", "text/plain"), ("Content-Length", "5"))
    body: bytes = b"hello"
    delay: float = 0.0
    hang_up: bool = False
    close_after: bool = False


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)
    reply: Callable[[Received], Reply] = lambda received: Reply()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _answer(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._chunked_body()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        received = Received(
            self.requestline, tuple(self.headers.items()), body, self.client_address[1]
        )
        self.server.recorder.received.append(received)
        reply = self.server.recorder.reply(received)
        time.sleep(reply.delay)
        if reply.hang_up:
            self.close_connection = True
            return
        self.send_response_only(reply.status, reply.reason)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)
        self.close_connection = self.close_connection or reply.close_after

    def _chunked_body(self) -> bytes:
        body = b""
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b""):  # trailer fields, then the end
            pass
        return body

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer
    do_CONNECT = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads `received`, not a log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recorder = recorder


@contextmanager
def recording_server() -> Iterator[tuple[str, Recorder]]:
    """(base URL, recorder) of a running server; it stops when the block ends."""
    recorder = Recorder()
    server = _Server(recorder)
    thread = threading.Thread(target=server.serve_forever, name="recording-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class Answer:
    """A response as it came back: status line parts, header fields in order, body."""

    status: int
    reason: str
    headers: Headers
    body: bytes

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def raw_exchange(url: str, request: bytes, *, timeout: float = 10.0) -> Answer:
    """Send `request` byte for byte on a new connection and read one response."""
    host, port = url.removeprefix("http://").split(":")
    method = request.split(b" ", 1)[0].decode()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        body = response.read()
        return Answer(response.status, response.reason, tuple(response.getheaders()), body)
