"""The event-loop server over real sockets, in front of a small WSGI app: what gunicorn's
threaded worker does (keep-alive, pipelining, chunked bodies both ways, HEAD and 304,
100-continue, refusals in the error shape, slow clients), and no answer held whole."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import gunicorn.http.wsgi
import pytest
from event_loop_serving import read_answer, serving

from strangler.wsgi_server import _AppServerAndDate  # what `serve(transparent=True)` sends with
from strangler_proxy.slow_clients import SlowClientSettings

StartResponse = Callable[..., Any]
ENVIRON_KEYS = (
    "REQUEST_METHOD",
    "RAW_URI",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "HTTP_TRANSFER_ENCODING",
    "HTTP_X_ONE",
    "HTTP_X_UNDER_SCORE",
    "wsgi.url_scheme",
    "wsgi.multithread",
)


def echo_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answers with what it was handed; `/sleep/<seconds>` first sleeps; `/stream` answers
    without a length; `/304` and `/boom` as they say."""
    path = environ["PATH_INFO"]
    if path.startswith("/sleep/"):
        time.sleep(float(path.rsplit("/", 1)[1]))
    if path == "/boom":
        raise RuntimeError("the app broke")
    if path == "/304":
        start_response("304 Not Modified", [("ETag", '"v1"')])
        return [b"never sent"]
    body = environ["wsgi.input"].read()
    seen = {key: environ.get(key) for key in ENVIRON_KEYS}
    answer = json.dumps({"environ": seen, "body": body.decode("latin-1")}).encode()
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "application/json")])
        return iter([answer[:10], answer[10:]])
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
        + [("Server", "the-app"), ("Date", "Thu, 01 Jan 2026 00:00:00 GMT")] * (path == "/own"),
    )
    return [answer]


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    with serving(echo_app) as address:
        yield address


def connect(address: tuple[str, int]) -> socket.socket:
    return socket.create_connection(address, timeout=10)


def answered(head: bytes, body: bytes) -> dict[str, Any]:
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    result: dict[str, Any] = json.loads(body)
    return result


def test_a_kept_alive_connection_serves_requests_one_after_another(
    address: tuple[str, int],
) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        for n in range(3):
            sock.sendall(b"GET /k?n=%d HTTP/1.1\r\nHost: h\r\nX-One: 1\r\n\r\n" % n)
            head, body = read_answer(answers)
            assert b"\r\nConnection: keep-alive\r\n" in head
            environ = answered(head, body)["environ"]
            assert environ["QUERY_STRING"] == f"n={n}"


def test_the_environ_is_gunicorns(address: tuple[str, int]) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(
            b"POST /caf%C3%A9/a%2Fb?q=%2F HTTP/1.1\r\nHost: h\r\nX-One: 1\r\nX_Under_Score: 2\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
        )
        result = answered(*read_answer(answers))
    assert result["body"] == "hello"
    assert result["environ"] == {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/caf%C3%A9/a%2Fb?q=%2F",
        "PATH_INFO": "/caf\xc3\xa9/a/b",
        "QUERY_STRING": "q=%2F",
        "SERVER_PORT": str(address[1]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "text/plain",
        "CONTENT_LENGTH": "5",
        "HTTP_TRANSFER_ENCODING": None,
        "HTTP_X_ONE": "1",
        "HTTP_X_UNDER_SCORE": None,  # a name with `_` is dropped, as gunicorn does
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
    }


def test_pipelined_requests_are_answered_in_order(address: tuple[str, int]) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(
            b"GET /sleep/0.3 HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /sleep/0 HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /sleep/0.1 HTTP/1.1\r\nHost: h\r\n\r\n"
        )
        paths = [answered(*read_answer(answers))["environ"]["RAW_URI"] for _ in range(3)]
    assert paths == ["/sleep/0.3", "/sleep/0", "/sleep/0.1"]


def test_a_chunked_body_comes_unchunked_and_an_answer_without_length_goes_chunked(
    address: tuple[str, int],
) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(
            b"POST /stream HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        head, body = read_answer(answers)
    assert b"\r\nTransfer-Encoding: chunked\r\n" in head
    result = answered(head, body)
    assert result["body"] == "hello world"
    assert result["environ"]["HTTP_TRANSFER_ENCODING"] == "chunked"


def test_trailer_fields_after_a_chunked_body_are_dropped_and_the_connection_goes_on(
    address: tuple[str, int],
) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(
            b"POST /stream HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n"
            b"GET /after HTTP/1.1\r\nHost: h\r\n\r\n"
        )
        first = answered(*read_answer(answers))
        second = answered(*read_answer(answers))
    assert first["body"] == "hello"
    assert "HTTP_X_TRAILER" not in first["environ"]  # as gunicorn's threaded worker gives it
    assert second["environ"]["RAW_URI"] == "/after"


def test_an_answer_without_length_to_http_1_0_ends_with_the_connection(
    address: tuple[str, int],
) -> None:
    with connect(address) as sock:
        sock.sendall(b"GET /stream HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.0 200 OK\r\n") and b"Transfer-Encoding" not in head
    assert json.loads(body)["environ"]["SERVER_PROTOCOL"] == "HTTP/1.0"


def test_head_and_304_answers_have_no_body(address: tuple[str, int]) -> None:
    with connect(address) as sock:
        sock.sendall(b"HEAD /k HTTP/1.1\r\nHost: h\r\n\r\nGET /304 HTTP/1.1\r\nHost: h\r\n\r\n")
        data = b""
        while data.count(b"\r\n\r\n") < 2:
            data += sock.recv(65536)
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            data += sock.recv(65536)  # no body follows either
    head_answer, rest = data.split(b"\r\n\r\n", 1)
    assert head_answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: " in head_answer
    assert rest.startswith(b"HTTP/1.1 304 Not Modified\r\n") and rest.endswith(b"\r\n\r\n")


def test_the_apps_own_server_and_date_are_sent() -> None:
    kept = gunicorn.http.wsgi.Response
    gunicorn.http.wsgi.Response = _AppServerAndDate
    try:
        with serving(echo_app) as address, connect(address) as sock:
            answers = sock.makefile("rb")
            sock.sendall(b"GET /own HTTP/1.1\r\nHost: h\r\n\r\n")
            head, _ = read_answer(answers)
    finally:
        gunicorn.http.wsgi.Response = kept
    assert head.count(b"\r\nServer: ") == head.count(b"\r\nDate: ") == 1
    assert b"\r\nServer: the-app\r\n" in head
    assert b"\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n" in head


def test_100_continue_is_sent_before_the_body_is(address: tuple[str, int]) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(
            b"PUT /k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"body")
        assert answered(*read_answer(answers))["body"] == "body"


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, None),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
            + b"".join(b"X-%d: 1\r\n" % n for n in range(101))
            + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", 501, "not_implemented"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"),
        (b"GET / HTTP/2.0\r\n\r\n", 400, "bad_request"),
        (b"G(T / HTTP/1.1\r\n\r\n", 400, "bad_request"),
        (b"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400, None),
        (b"GET / HTTP/1.1\r\nExpect: teapot\r\n\r\n", 417, "expectation_failed"),
        (b"CONNECT h:443 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", 400, None),
    ],
)
def test_a_refused_request_is_answered_in_the_error_shape_and_closed(
    address: tuple[str, int], request_bytes: bytes, status: int, code: str | None
) -> None:
    with connect(address) as sock:
        sock.sendall(request_bytes)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 %d " % status), head
    assert b"\r\nConnection: close" in head
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message"}
    assert code is None or error["code"] == code


def test_an_error_of_the_app_is_a_500_in_the_error_shape(address: tuple[str, int]) -> None:
    with connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: h\r\n\r\n")
        head, body = read_answer(answers)
    assert head.startswith(b"HTTP/1.1 500 ")
    assert json.loads(body)["error"]["code"] == "internal_error"


def test_a_head_that_does_not_arrive_in_time_is_a_408() -> None:
    slow = SlowClientSettings(header_timeout=0.5)
    with serving(echo_app, slow=slow) as address, connect(address) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ")
        started = time.monotonic()
        data = sock.recv(65536)
        waited = time.monotonic() - started
    assert data.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b'"request_timeout"' in data
    assert 0.4 <= waited < 3


def test_past_max_waiting_a_partial_request_is_a_408_at_once() -> None:
    slow = SlowClientSettings(max_waiting=1)
    with serving(echo_app, slow=slow) as address, connect(address) as first:
        first.sendall(b"GET / HTTP/1.1\r\n")
        time.sleep(0.2)
        with connect(address) as second:
            second.sendall(b"GET / HTTP/1.1\r\n")
            assert second.recv(65536).startswith(b"HTTP/1.1 408 ")
        first.sendall(b"Host: h\r\n\r\n")
        assert answered(*read_answer(first.makefile("rb")))["environ"]["RAW_URI"] == "/"


def test_a_quiet_connection_is_closed_silently_after_the_keepalive_time() -> None:
    with serving(echo_app, keepalive=0.5) as address, connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        read_answer(answers)
        started = time.monotonic()
        assert sock.recv(65536) == b""
    assert 0.4 <= time.monotonic() - started < 3


def test_a_large_answer_to_a_slow_reader_is_not_held_whole() -> None:
    chunk = b"x" * 65536
    total = 800  # 50 MiB
    made = [0]

    def download(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", str(len(chunk) * total))])

        def chunks() -> Iterator[bytes]:
            for _ in range(total):
                made[0] += 1
                yield chunk

        return chunks()

    with serving(download) as address:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.settimeout(10)
        with sock:
            sock.connect(address)
            sock.sendall(b"GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
            time.sleep(1.0)  # the client reads nothing meanwhile
            ahead = made[0] * len(chunk)
            received = 0
            while received < len(chunk) * total:
                received += len(sock.recv(1 << 20))
    assert ahead < 8 * 1024 * 1024, ahead  # socket buffers and the writer's bound only
    assert received >= len(chunk) * total


def test_an_upload_faster_than_the_app_reads_it_is_held_by_tcp() -> None:
    taken = threading.Event()
    read_so_far = [0]

    def slow_reader(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        taken.wait(10)
        while piece := environ["wsgi.input"].read(65536):
            read_so_far[0] += len(piece)
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    size = 50 * 1024 * 1024
    with serving(slow_reader) as address, connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n" % size)
        sock.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # as much as the proxy takes in a second
            try:
                sent += sock.send(b"u" * 65536)
            except BlockingIOError:
                time.sleep(0.01)
        assert sent < size // 2  # the proxy stopped taking it: the app reads nothing yet
        taken.set()
        sock.setblocking(True)
        sock.sendall(b"u" * (size - sent))
        _, body = read_answer(answers)
    assert body == b"ok" and read_so_far[0] == size


def upgrading_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Takes an `Upgrade: echo` connection over (as the proxy relays a WebSocket: on its
    `gunicorn.socket`) and echoes it to its end; refuses any other upgrade with a 400."""
    if environ.get("HTTP_UPGRADE") != "echo":
        start_response("400 Bad Request", [("Content-Length", "2")])
        return [b"no"]
    client: socket.socket = environ["gunicorn.socket"]
    client.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n\r\n")
    while data := client.recv(65536):
        client.sendall(data)
    client.shutdown(socket.SHUT_RDWR)
    start_response("101 Switching Protocols", [])
    return []


def test_a_connection_the_app_takes_over_passes_bytes_both_ways_to_the_end() -> None:
    upgrade = b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
    with serving(upgrading_app) as address, connect(address) as sock:
        sock.sendall(upgrade + b"early ")
        received = b""
        while not received.endswith(b"early "):
            received += sock.recv(65536)
        sock.sendall(b"and late")
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(65536):
            received += chunk
    assert received == b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n\r\nearly and late"


def test_after_an_upgrade_the_app_refused_the_connection_serves_http_again() -> None:
    with serving(upgrading_app) as address, connect(address) as sock:
        answers = sock.makefile("rb")
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
            b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
        )
        assert read_answer(answers)[1] == b"no"
        assert read_answer(answers)[0].startswith(b"HTTP/1.1 400 ")


def test_a_body_read_waits_at_most_the_timeout_the_app_set_on_its_socket() -> None:
    waited: list[float] = []

    def timed_reader(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        environ["gunicorn.socket"].settimeout(0.3)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            environ["wsgi.input"].read(10)
        waited.append(time.monotonic() - started)
        start_response("408 Request Timeout", [("Content-Length", "0")])
        return []

    with serving(timed_reader) as address, connect(address) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n"
        )
        data = b""  # no body follows: the app's 408, then the close (its body is unread)
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 408 ")
    assert 0.25 <= waited[0] < 2
