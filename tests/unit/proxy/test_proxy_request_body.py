"""Request bodies: the route's `max_body`, checked before reading and while a chunked body comes.

The streaming itself, with bounded memory, under gunicorn and a real server:
tests/integration/proxy/test_proxy_uploads.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.errors import BodyIncomplete, PayloadTooLarge, RoutesFileError
from strangler_proxy.forwarded import forwarded_headers
from strangler_proxy.http_types import Request
from strangler_proxy.request_body import CHUNK_BYTES, IncomingBody
from strangler_proxy.routes_file import parse_routes

ROUTES = """
[[route]]
path = "/small"
methods = ["POST"]
mode = "monolith"
max_body = "1KiB"

[[route]]
path = "/big-item"
methods = ["POST"]
target = "shop.put"
mode = "service"
max_body = "12MiB"
"""


class Counting(io.BytesIO):
    """An input stream that counts the bytes taken from it."""

    taken = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    source = Counting(b"x" * 2000)
    with pytest.raises(PayloadTooLarge, match="the limit is 1024 bytes"):
        IncomingBody(source, 2000).within(1024)
    assert source.taken == 0


def test_a_chunked_body_is_refused_once_it_passes_the_limit_not_cut() -> None:
    source = Counting(b"x" * (5 * CHUNK_BYTES))
    chunks = IncomingBody(source, None).within(CHUNK_BYTES + 10).chunks()
    assert next(chunks) == b"x" * CHUNK_BYTES
    with pytest.raises(PayloadTooLarge):
        next(chunks)
    assert source.taken == 2 * CHUNK_BYTES  # never read on past the chunk that passed it
    exact = IncomingBody(io.BytesIO(b"x" * 10), None).within(10)
    assert exact.read_all() == b"x" * 10


def test_a_body_comes_in_bounded_chunks_and_no_further_than_its_length() -> None:
    source = Counting(b"y" * (2 * CHUNK_BYTES + 5) + b"NEXT REQUEST")
    body = IncomingBody(source, 2 * CHUNK_BYTES + 5)
    assert [len(chunk) for chunk in body.chunks()] == [CHUNK_BYTES, CHUNK_BYTES, 5]
    assert source.taken == 2 * CHUNK_BYTES + 5


class Broken(io.BytesIO):
    def read(self, size: int | None = -1, /) -> bytes:
        raise OSError("connection reset by peer")


@pytest.mark.parametrize(
    ("source", "length"), [(io.BytesIO(b"abc"), 10), (Broken(b""), 10), (Broken(b""), None)]
)
def test_a_body_that_ends_short_or_breaks_off_is_the_clients_error(
    source: io.BytesIO, length: int | None
) -> None:
    with pytest.raises(BodyIncomplete):
        IncomingBody(source, length).read_all()


def test_a_body_still_to_stream_keeps_the_clients_framing() -> None:
    chunked = Request("POST", "/", incoming=IncomingBody(io.BytesIO(b""), None))
    sized = Request("POST", "/", incoming=IncomingBody(io.BytesIO(b""), 7))
    assert ("Transfer-Encoding", "chunked") in forwarded_headers(chunked)
    assert ("Content-Length", "7") in forwarded_headers(sized)
    assert "Transfer-Encoding" not in dict(forwarded_headers(sized))


@pytest.mark.parametrize(
    ("value", "size"),
    [("10MiB", 10 * 1024**2), ("512 KiB", 512 * 1024), ("5MB", 5_000_000), (2048, 2048)],
)
def test_max_body_is_bytes_or_a_size_with_a_unit(value: str | int, size: int) -> None:
    text = (
        f'monolith = "http://m"\n[[route]]\npath = "/a"\nmode = "monolith"\nmax_body = {value!r}\n'
    )
    assert parse_routes(text.replace("'", '"')).routes[0].max_body == size


@pytest.mark.parametrize("value", ['"ten"', "-1", "true", '"5 TB"', "1.5"])
def test_a_bad_max_body_names_its_line(value: str) -> None:
    text = f'monolith = "http://m"\n[[route]]\npath = "/a"\nmode = "monolith"\nmax_body = {value}\n'
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(text)
    assert caught.value.line == 5
    assert "bad max_body" in caught.value.reason


def client_for(tmp_path: Path, monolith: MemoryMonolith, rpc: MemoryRpc) -> Client:
    return Client(memory_app(write_routes(tmp_path, ROUTES), monolith, rpc))


def test_a_routes_max_body_holds_for_the_monolith_too(tmp_path: Path) -> None:
    monolith = MemoryMonolith()
    client = client_for(tmp_path, monolith, MemoryRpc({}))
    refused = client.post("/small", data=b"x" * 1025)
    assert refused.status_code == 413
    assert refused.get_json()["error"]["code"] == "payload_too_large"
    assert monolith.requests == []
    assert client.post("/small", data=b"x" * 1024).status_code == 200
    assert monolith.bodies == [b"x" * 1024]


def test_a_routes_max_body_raises_a_services_default(tmp_path: Path) -> None:
    rpc = MemoryRpc({"ok": True})
    body = b'"' + b"x" * (11 * 1024**2) + b'"'
    answer = client_for(tmp_path, MemoryMonolith(), rpc).post(
        "/big-item", data=body, content_type="application/json"
    )
    assert answer.status_code == 200
    [(_, _, kwargs, _)] = rpc.calls
    assert len(kwargs["body"]) == 11 * 1024**2
