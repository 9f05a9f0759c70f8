"""The pool's quick exchange sends and reads exactly what http.client would: the same
request bytes (or none, where http.client refuses), the same status, reason, fields, body
and keep-alive verdict for a plain answer, and every other answer left to http.client."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from strangler_proxy.backends.lean_http import (
    LEAN_BODY_BYTES,
    AnswerBrokeOff,
    LeanAnswer,
    Unread,
    read_answer,
    read_held_first,
    request_head,
)
from strangler_proxy.http_types import Headers


class Captured:
    """A socket stand-in that keeps what http.client sends."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


def http_client_head(method: str, target: str, headers: Headers) -> bytes:
    connection = http.client.HTTPConnection("unused")
    capture = Captured()
    connection.sock = capture
    connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    connection.endheaders()
    return capture.sent


SENT = [
    ("GET", "/api/x?a=1&b=%2F", (("Host", "shop"), ("Accept", "*/*"))),
    ("POST", "/", ()),
    ("GET", "/caf%C3%A9", (("X-Latin", "caf\xe9"), ("X-Empty", ""))),
    ("GET", "/", (("X-Folded", "a\r\n b"),)),
]
REFUSED = [
    ("GET", "/a b", ()),
    ("GET", "/a\r\nX: 1", ()),
    ("GET", "/caf\xe9", ()),
    ("G\x01T", "/", ()),
    ("GET", "/", (("Bad Name:", "1"),)),
    ("GET", "/", (("X-Split", "a\r\nX-Injected: 1"),)),
    ("GET", "/", (("X-Wide", "\u20ac"),)),
]


@pytest.mark.parametrize(("method", "target", "headers"), SENT)
def test_the_request_goes_out_as_http_client_sends_it(
    method: str, target: str, headers: Headers
) -> None:
    assert request_head(method, target, headers) == http_client_head(method, target, headers)


@pytest.mark.parametrize(("method", "target", "headers"), REFUSED)
def test_what_http_client_refuses_is_left_to_it(method: str, target: str, headers: Headers) -> None:
    assert request_head(method, target, headers) is None
    with pytest.raises((ValueError, http.client.HTTPException)):
        http_client_head(method, target, headers)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    client.settimeout(2)
    yield server, client
    server.close()
    client.close()


def http_client_answer(raw: bytes, method: str) -> dict[str, Any]:
    server, client = socket.socketpair()
    with server, client:
        server.sendall(raw)
        server.shutdown(socket.SHUT_WR)
        answer = http.client.HTTPResponse(client, method=method)
        answer.begin()
        return {
            "status": answer.status,
            "reason": answer.reason,
            "headers": tuple(answer.getheaders()),
            "body": answer.read(),
            "will_close": answer.will_close,
        }


PLAIN = [
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", "GET"),
    (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "GET"),
    (b"HTTP/1.1 201   Made  here \r\nContent-Length: 2\r\nX-A:  \t spaced \r\n\r\nok", "POST"),
    (b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "GET"),  # no reason phrase
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "GET"),  # 1.0: closes
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok", "GET"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n", "HEAD"),
    (b"HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", "GET"),
    (b"HTTP/1.1 204 No Content\r\n\r\n", "DELETE"),
    (b"HTTP/1.1 200 OK\r\nX-Latin: caf\xe9\r\nContent-Length: 1\r\n\r\n!", "GET"),
]
LEFT = [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\nread to the close",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
    b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",  # bare LF line ends
    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (LEAN_BODY_BYTES + 1)
    + b"x" * (LEAN_BODY_BYTES + 1),
    b"ICY 200 OK\r\nContent-Length: 2\r\n\r\nok",
]


@pytest.mark.parametrize(("raw", "method"), PLAIN)
def test_a_plain_answer_is_read_as_http_client_reads_it(
    pair: tuple[socket.socket, socket.socket], raw: bytes, method: str
) -> None:
    server, client = pair
    server.sendall(raw)
    answer = read_answer(client, method)
    assert isinstance(answer, LeanAnswer)
    expected = http_client_answer(raw, method)
    assert {
        "status": answer.status,
        "reason": answer.reason,
        "headers": answer.headers,
        "body": answer.body,
        "will_close": answer.will_close,
    } == expected


def outcome(answer: http.client.HTTPResponse) -> object:
    """What http.client makes of an answer: its status, fields and body, or its refusal."""
    try:
        answer.begin()
        return (answer.status, tuple(answer.getheaders()), answer.read())
    except http.client.HTTPException as refusal:
        return type(refusal)


@pytest.mark.parametrize("raw", LEFT)
def test_any_other_answer_is_left_to_http_client_from_its_first_byte(
    pair: tuple[socket.socket, socket.socket], raw: bytes
) -> None:
    server, client = pair
    server.sendall(raw)
    server.shutdown(socket.SHUT_WR)
    left = read_answer(client, "GET")
    assert isinstance(left, Unread)
    other_server, other_client = socket.socketpair()
    with other_server, other_client:
        other_server.sendall(raw)
        other_server.shutdown(socket.SHUT_WR)
        expected = outcome(http.client.HTTPResponse(other_client, method="GET"))
    response = http.client.HTTPResponse(client, method="GET")
    read_held_first(response, left.held, client)
    assert outcome(response) == expected


def test_a_body_that_arrives_in_pieces_is_read_whole(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab")
    reader_sees: list[LeanAnswer | Unread] = []
    thread = threading.Thread(target=lambda: reader_sees.append(read_answer(client, "GET")))
    thread.start()
    server.sendall(b"cd")
    server.sendall(b"ef")
    thread.join(5)
    answer = reader_sees[0]
    assert isinstance(answer, LeanAnswer)
    assert answer.body == b"abcdef"


def test_more_than_the_declared_length_closes_the_connection(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    server, client = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA")
    answer = read_answer(client, "GET")
    assert isinstance(answer, LeanAnswer)
    assert (answer.body, answer.will_close) == (b"ok", True)


def test_a_body_cut_short_is_an_error(pair: tuple[socket.socket, socket.socket]) -> None:
    server, client = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
    server.shutdown(socket.SHUT_WR)
    with pytest.raises(AnswerBrokeOff):
        read_answer(client, "GET")
