"""Request bodies stream through the real proxy (gunicorn) to the monolith with bounded memory.

The monolith here is a sink that reads each body as it comes and answers with
its size and digest; the proxy's worker's resident memory is sampled while a
body many times larger than any buffer goes through.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from process_memory import peak_resident_bytes
from stdlib_monolith import Proxy, proxy_in_front

BLOCK = bytes(range(256)) * 4096  # 1 MiB
MiB = 1024 * 1024
ROUTES = """
[[route]]
path = "/limited"
methods = ["POST"]
mode = "monolith"
max_body = "1MiB"
"""


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        digest, size = hashlib.sha256(), 0
        for chunk in self._body():
            digest.update(chunk)
            size += len(chunk)
        answer = json.dumps({"bytes": size, "sha256": digest.hexdigest()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _body(self) -> Iterator[bytes]:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while size := int(self.rfile.readline().split(b";")[0], 16):
                yield self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return
        remaining = int(self.headers["Content-Length"])
        while remaining:
            chunk = self.rfile.read(min(remaining, 256 * 1024))
            if not chunk:  # the proxy gave up on this body
                return
            remaining -= len(chunk)
            yield chunk

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with proxy_in_front(_Sink, tmp_path_factory.mktemp("uploads"), ROUTES) as running:
        yield running


def upload(proxy: Proxy, path: str, mebibytes: int, *, chunked: bool) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
    headers = {} if chunked else {"Content-Length": str(mebibytes * MiB)}
    body = (BLOCK for _ in range(mebibytes))
    connection.request("POST", path, body=body, headers=headers, encode_chunked=chunked)
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())


def expected(mebibytes: int) -> dict[str, Any]:
    digest = hashlib.sha256()
    for _ in range(mebibytes):
        digest.update(BLOCK)
    return {"bytes": mebibytes * MiB, "sha256": digest.hexdigest()}


@pytest.mark.parametrize(("mebibytes", "chunked"), [(200, False), (100, True)])
def test_a_large_body_streams_to_the_monolith_in_bounded_memory(
    proxy: Proxy, mebibytes: int, chunked: bool
) -> None:
    upload(proxy, "/warm-up", 1, chunked=chunked)  # the worker's first request loads its code
    with peak_resident_bytes(proxy.worker) as peak:
        before = peak[0]
        status, seen = upload(proxy, "/upload", mebibytes, chunked=chunked)
    assert (status, seen) == (200, expected(mebibytes))
    assert peak[0] - before < 32 * MiB  # a body held whole would add its whole size


def test_a_routes_limit_stops_a_chunked_body_on_its_way(proxy: Proxy) -> None:
    status, error = upload(proxy, "/limited", 3, chunked=True)
    assert status == 413
    assert error["error"]["code"] == "payload_too_large"


def test_a_body_that_breaks_off_on_its_way_is_the_proxys_refusal_not_the_monoliths(
    proxy: Proxy,
) -> None:
    with socket.create_connection((proxy.host, proxy.port), timeout=30) as client:
        client.sendall(
            b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % (2 * MiB)
        )
        client.sendall(BLOCK)  # half of it, then the client stops sending
        client.shutdown(socket.SHUT_WR)
        answer = http.client.HTTPResponse(client, method="POST")
        answer.begin()
        body = json.loads(answer.read())
    assert (answer.status, body["error"]["code"]) == (400, "bad_request")
    assert answer.getheader("X-Strangler-Backend") == "proxy"
