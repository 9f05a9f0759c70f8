"""Answers the monolith streams reach the client as they are sent, through the real proxy.

The monolith here is a small server whose event stream waits on a gate between two
events; the gate opens only once the client has read the first event through the proxy.
A proxy that buffered the answer would never pass the first event on, and the read would
time out: ordering is checked, not wall-clock time.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from proxy_stack import start_proxy

from strangler.processes import ProcessGroup

GATE = threading.Event()
DOWNLOAD = bytes(range(256)) * 40_000  # 10 MB, sent in 64 KiB writes


class _Streaming(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/events":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._chunk(b"data: first\n\n")
            GATE.wait(timeout=20)
            self._chunk(b"data: second\n\n")
            self._chunk(b"")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(DOWNLOAD)))
        self.end_headers()
        for start in range(0, len(DOWNLOAD), 65536):
            self.wfile.write(DOWNLOAD[start : start + 65536])

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Streaming)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    workdir = tmp_path_factory.mktemp("streaming")
    routes = Path(workdir / "routes.toml")
    routes.write_text(f'monolith = "http://127.0.0.1:{server.server_port}"\n')
    try:
        with ProcessGroup(workdir / "logs") as group:
            public, _admin = start_proxy(group, routes)
            yield public
    finally:
        server.shutdown()


def _get(base: str, path: str) -> http.client.HTTPResponse:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request("GET", path)
    return connection.getresponse()


def test_server_sent_events_arrive_one_by_one(proxy: str) -> None:
    GATE.clear()
    answer = _get(proxy, "/events")
    assert answer.status == 200
    assert answer.getheader("Content-Type") == "text/event-stream"
    assert answer.read1(65536) == b"data: first\n\n"  # before the second event exists
    GATE.set()
    assert answer.read() == b"data: second\n\n"


def test_a_large_download_arrives_whole_with_its_length(proxy: str) -> None:
    answer = _get(proxy, "/download")
    assert answer.getheader("Content-Length") == str(len(DOWNLOAD))
    assert answer.read() == DOWNLOAD
    again = _get(proxy, "/download")  # the proxy's pooled connection is usable again
    assert again.read() == DOWNLOAD
