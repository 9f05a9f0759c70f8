"""`lean_head` writes a usual answer's head byte for byte as gunicorn's `Response` (the
proxy's `_AppServerAndDate`) does, and leaves every other answer to it.

The expected bytes are gunicorn's own, from its `Response` over a recording socket, for
each request and answer of the matrix; the clock's date is fixed on both sides.
"""

from __future__ import annotations

import itertools

import pytest
from gunicorn.config import Config

from strangler.wsgi_server import _AppServerAndDate
from strangler_proxy.event_loop import lean_head as lean_module
from strangler_proxy.event_loop.lean_head import lean_head
from strangler_proxy.event_loop.request_head import LoopRequest
from strangler_proxy.http_types import Headers

DATE = "Sat, 28 Nov 2026 01:00:00 GMT"
LENGTH = (("Content-Type", "application/json"), ("Content-Length", "12"))
OWN = (("Server", "monolith/2.1"), ("Date", "Fri, 27 Nov 2026 23:59:59 GMT"))


class Recorder:
    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


def loop_request(version: str, method: str, connection: str | None) -> LoopRequest:
    fields = [(b"Host", b"shop.example")]
    if connection is not None:
        fields.append((b"Connection", connection.encode()))
    return LoopRequest(Config(), ("127.0.0.1", 5555), method, "/x", version, fields)


def gunicorns_head(
    request: LoopRequest, status: str, headers: Headers, *, must_close: bool
) -> bytes:
    sock = Recorder()
    response = _AppServerAndDate(request, sock, Config())
    response.start_response(status, list(headers))
    if must_close:
        response.force_close()
    response.send_headers()
    return sock.sent


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lean_module, "http_date", lambda: DATE)
    monkeypatch.setattr("gunicorn.util.http_date", lambda: DATE)


USUAL = [
    (version, connection, status, headers, must_close)
    for version, connection, status, headers, must_close in itertools.product(
        ["1.1", "1.0"],
        [None, "close", "keep-alive"],
        ["200 OK", "201 Created", "299 Whatever It Says"],
        [LENGTH, (*OWN, *LENGTH), (("Date", DATE + " "), *LENGTH, ("X-A", " spaced\t"))],
        [False, True],
    )
]


@pytest.mark.parametrize(("version", "connection", "status", "headers", "must_close"), USUAL)
def test_a_usual_answers_head_is_gunicorns(
    version: str, connection: str | None, status: str, headers: Headers, must_close: bool
) -> None:
    request = loop_request(version, "GET", connection)
    lean = lean_head(request, status, headers, must_close=must_close)
    assert lean is not None
    assert lean == gunicorns_head(request, status, headers, must_close=must_close)


@pytest.mark.parametrize(
    ("method", "status", "headers"),
    [
        ("HEAD", "200 OK", LENGTH),  # no body follows: gunicorn's rules for it
        ("GET", "204 No Content", ()),
        ("GET", "304 Not Modified", LENGTH),
        ("GET", "302 Found", (("Location", "/y"), ("Content-Length", "0"))),
        ("GET", "404 NOT FOUND", LENGTH),
        ("GET", "200 OK", (("Content-Type", "text/event-stream"),)),  # no length: chunked
        ("GET", "200 OK", (*LENGTH, ("Proxy-Authenticate", "Basic"))),  # gunicorn drops it
        ("GET", "200 OK", (*LENGTH, ("X-Bad", "a\x01b"))),  # gunicorn refuses it
        ("GET", "200 OK", (("Content-Length", "twelve"),)),
    ],
    ids=["head", "204", "304", "302", "404", "no-length", "hop-by-hop", "bad-value", "bad-len"],
)
def test_any_other_answer_is_left_to_gunicorn(method: str, status: str, headers: Headers) -> None:
    assert lean_head(loop_request("1.1", method, None), status, headers, must_close=False) is None
