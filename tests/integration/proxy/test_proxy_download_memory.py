"""Ten 50 MiB downloads at once through the real proxy leave its memory flat (issue 10).

The monolith here makes each body as it sends it (a fixed 1 MiB block, 50 times,
with a length or in chunks), so neither side holds a download whole; the proxy's
one worker's resident memory is sampled while ten clients read ten downloads at
once. A proxy that held each answer before passing it on would grow by 500 MiB;
one that streams grows by its buffers only.
"""

from __future__ import annotations

import hashlib
import http.client
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler

import pytest
from process_memory import peak_resident_bytes
from stdlib_monolith import Proxy, proxy_in_front

MiB = 1024 * 1024
BLOCK = bytes(range(256)) * 4096  # 1 MiB
BLOCKS = 50
DOWNLOADS = 10
# what the worker may grow by while all of them run: its buffers and threads, not the bodies
GROWTH_LIMIT = 64 * MiB


class _Generator(BaseHTTPRequestHandler):
    """GET /sized or /chunked: BLOCKS blocks, made as they are sent."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        chunked = self.path == "/chunked"
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(BLOCKS * MiB))
        self.end_headers()
        for _ in range(BLOCKS):
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK))
            else:
                self.wfile.write(BLOCK)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    # enough threads that the monolith's share (3/4 of them) takes all ten at once
    workdir = tmp_path_factory.mktemp("downloads")
    with proxy_in_front(_Generator, workdir, options=("--threads", "16")) as running:
        yield running


def download(proxy: Proxy, path: str) -> tuple[int, int, str]:
    """Status, size and SHA-256 of what the client read, read 256 KiB at a time."""
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        digest, size = hashlib.sha256(), 0
        while chunk := answer.read(256 * 1024):
            digest.update(chunk)
            size += len(chunk)
        return answer.status, size, digest.hexdigest()
    finally:
        connection.close()


def expected() -> tuple[int, int, str]:
    digest = hashlib.sha256()
    for _ in range(BLOCKS):
        digest.update(BLOCK)
    return 200, BLOCKS * MiB, digest.hexdigest()


@pytest.mark.parametrize("path", ["/sized", "/chunked"])
def test_ten_large_downloads_at_once_leave_the_proxys_memory_flat(proxy: Proxy, path: str) -> None:
    download(proxy, path)  # the worker's first answers load its code and grow its pools
    with peak_resident_bytes(proxy.worker) as peak:
        before = peak[0]
        with ThreadPoolExecutor(DOWNLOADS) as clients:
            results = list(clients.map(lambda _: download(proxy, path), range(DOWNLOADS)))
    assert results == [expected()] * DOWNLOADS
    assert peak[0] - before < GROWTH_LIMIT
