"""Pass-through conformance: a real Flask app under gunicorn (`conformance_app.py`) gets the
same requests directly and through the real proxy (no route moved); the answers must be
the same, less only what the proxy documents: hop-by-hop fields, `X-Strangler-Backend`
and the `X-Request-Id` it adds when there was none (and `Date`, which each answer gets
anew).

Streaming is checked by order, with gates the app waits on: the first event arrives
before the test opens the gate for the second; a long poll is still waiting when the
message it returns is posted. Cases other suites cover on simpler servers (a reason
phrase kept, 304/HEAD framing, request headers as sent) are not repeated here.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from conformance_app import DOWNLOAD, MODIFIED
from proxy_stack import HERE, start_proxy
from recording_server import Answer, raw_exchange
from waiting import wait_until
from websocket_echo import BINARY, CLOSE, TEXT, encode_frame, head_fields, read_frame, read_head

from strangler.processes import ProcessGroup, free_port, http_ok
from strangler_proxy.commands import SERVERS

SUPPORT = HERE.parents[1] / "support"
PROXY_OWN = {"x-strangler-backend", "x-request-id"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding"}
UPLOAD = os.urandom(1024 * 1024) * 20  # 20 MiB
HTTP_DATE = MODIFIED.strftime("%a, %d %b %Y %H:%M:%S GMT")


@dataclass(frozen=True)
class Sides:
    direct: str
    proxy: str

    def both(self) -> tuple[tuple[str, str], ...]:
        return (("direct", self.direct), ("proxy", self.proxy))


@pytest.fixture(scope="module", params=SERVERS)
def sides(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sides]:
    """The app directly and through the proxy, on each of its servers (`--server`)."""
    workdir = tmp_path_factory.mktemp("conformance")
    with ProcessGroup(workdir / "logs") as group:
        port = free_port()
        app = group.start(
            "conformance-app",
            [sys.executable, str(HERE / "conformance_app.py"), str(port)],
            env={"PYTHONPATH": str(SUPPORT)},
        )
        direct = f"http://127.0.0.1:{port}"
        app.wait_ready(http_ok(direct + "/conditional"), timeout=30)
        routes = workdir / "routes.toml"
        routes.write_text(f'monolith = "{direct}"\n')
        proxy, _admin = start_proxy(group, routes, options=("--server", request.param))
        yield Sides(direct, proxy)


Seen = tuple[list[str], int, str, list[tuple[str, str]], bytes]


def directly(answer: Answer) -> Seen:
    """What a client makes of the app's own answer (as the proxy must pass it: from the
    monolith)."""
    return ["monolith"], answer.status, answer.reason, _fields(answer, set()), answer.body


def through_proxy(answer: Answer) -> Seen:
    """What a client makes of an answer through the proxy, less what the proxy adds."""
    backend = [value for _, value in _named(answer, "x-strangler-backend")]
    return backend, answer.status, answer.reason, _fields(answer, PROXY_OWN), answer.body


def _named(answer: Answer, name: str) -> list[tuple[str, str]]:
    return [(key, value) for key, value in answer.headers if key.lower() == name]


def _fields(answer: Answer, dropped: set[str]) -> list[tuple[str, str]]:
    """Header fields less hop-by-hop ones, Date and `dropped`, by lower-cased name; the
    order of fields of one name kept (it is their meaning), not that of different names."""
    ignored = HOP_BY_HOP | {"date"} | dropped
    fields = [(key.lower(), value) for key, value in answer.headers if key.lower() not in ignored]
    return sorted(fields, key=lambda field: field[0])


def exchange_both(sides: Sides, request: bytes) -> tuple[Answer, Answer]:
    return raw_exchange(sides.direct, request, timeout=30), raw_exchange(
        sides.proxy, request, timeout=30
    )


def get(target: str, *fields: str, method: str = "GET") -> bytes:
    head = "".join(f"{field}\r\n" for field in fields)
    return f"{method} {target} HTTP/1.1\r\nHost: shop.example\r\n{head}\r\n".encode()


# --- answers compared whole ---------------------------------------------------------------


@pytest.mark.parametrize(
    "request_bytes",
    [
        get("/conditional"),
        get("/conditional", 'If-None-Match: "rev-7"'),
        get("/conditional", f"If-Modified-Since: {HTTP_DATE}"),
        get("/conditional", 'If-None-Match: "rev-6"'),
        get("/file"),
        get("/file", "Range: bytes=100-199"),
        get("/file", "Range: bytes=0-9, 20-29"),
        get("/file", "Range: bytes=99999999-"),
        get("/file", 'If-None-Match: "big-v1"'),
        get("/file", method="HEAD"),
        get("/download"),
        get("/redirect/301"),
        get("/redirect/303"),
        get("/redirect/307"),
        get("/redirect/308?to=https://elsewhere.example/x%2Fy"),
        get("/redirect/302?to=//elsewhere.example/"),
        get("/cookies"),
        get("/a/../b/./c"),
        get("/a/%2e%2e/b%2Fc?q=%2F&q=2&r"),
        get("//double//slash/"),
        get("/caf%C3%A9/%FF"),
        get("/x;p=1?"),
        get("/thing", method="DELETE"),
        get("/options", method="OPTIONS"),
    ],
    ids=lambda request: request.split(b"\r\n", 1)[0].decode("latin-1"),
)
def test_the_answer_through_the_proxy_is_the_apps_own(sides: Sides, request_bytes: bytes) -> None:
    direct, proxied = exchange_both(sides, request_bytes)
    assert through_proxy(proxied) == directly(direct)


def test_the_app_saw_the_odd_paths_as_sent(sides: Sides) -> None:
    """What the app was handed for an odd path through the proxy (beside the same answer)."""
    direct, proxied = exchange_both(sides, get("/a/%2e%2e/b%2Fc?q=%2F"))
    assert (
        json.loads(proxied.body)
        == json.loads(direct.body)
        == {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/a/%2e%2e/b%2Fc?q=%2F",
            "PATH_INFO": "/a/../b/c",
            "QUERY_STRING": "q=%2F",
            "path": "/a/../b/c",
        }
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_a_large_upload_arrives_whole(sides: Sides, chunked: bool) -> None:
    if chunked:
        pieces = (UPLOAD[i : i + 1_000_000] for i in range(0, len(UPLOAD), 1_000_000))
        body = b"".join(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" for piece in pieces)
        request = get("/upload", "Transfer-Encoding: chunked", method="POST") + body + b"0\r\n\r\n"
    else:
        request = get("/upload", f"Content-Length: {len(UPLOAD)}", method="POST") + UPLOAD
    direct, proxied = exchange_both(sides, request)
    assert through_proxy(proxied) == directly(direct)
    assert json.loads(proxied.body) == {
        "bytes": len(UPLOAD),
        "sha256": hashlib.sha256(UPLOAD).hexdigest(),
    }


def test_the_large_downloads_are_whole(sides: Sides) -> None:
    """Beside the same answer: the bytes are the app's 20 MiB, with and without a length."""
    for target in ("/file", "/download"):
        answer = raw_exchange(sides.proxy, get(target), timeout=30)
        assert hashlib.sha256(answer.body).digest() == hashlib.sha256(DOWNLOAD).digest()


def test_every_cookie_is_its_own_field_as_the_app_set_it(sides: Sides) -> None:
    direct, proxied = exchange_both(sides, get("/cookies"))
    cookies = [value for _, value in _named(proxied, "set-cookie")]
    assert cookies == [value for _, value in _named(direct, "set-cookie")]
    assert len(cookies) == 3 and "Expires=Thu, 02 Jan 2031" in cookies[1]


# --- interim answers and streams, by order ------------------------------------------------


def connect(base: str) -> socket.socket:
    parts = urlsplit(base)
    return socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30)


def answer_of(response: http.client.HTTPResponse, body: bytes) -> Answer:
    return Answer(response.status, response.reason, tuple(response.getheaders()), body)


def test_100_continue_comes_before_the_body_is_sent(sides: Sides) -> None:
    body = b'{"continued": true}'
    answers = []
    for _, base in sides.both():
        with connect(base) as sock:
            sock.sendall(
                get("/upload", "Expect: 100-continue", f"Content-Length: {len(body)}", method="PUT")
            )
            assert read_head(sock) == b"HTTP/1.1 100 Continue\r\n\r\n"  # before any body
            sock.sendall(body)
            response = http.client.HTTPResponse(sock, method="PUT")
            response.begin()
            answers.append(answer_of(response, response.read()))
    assert through_proxy(answers[1]) == directly(answers[0])
    assert json.loads(answers[1].body)["bytes"] == len(body)


def test_an_expectation_without_a_body_is_met_as_directly(sides: Sides) -> None:
    first_heads = []
    for _, base in sides.both():
        with connect(base) as sock:
            sock.sendall(get("/conditional", "Expect: 100-continue"))
            first_heads.append(read_head(sock))
    assert first_heads == [b"HTTP/1.1 100 Continue\r\n\r\n"] * 2


def test_server_sent_events_pass_one_by_one(sides: Sides) -> None:
    answers = []
    for _, base in sides.both():
        gate = uuid.uuid4().hex
        with connect(base) as sock:
            sock.sendall(get(f"/events/{gate}", "Accept: text/event-stream"))
            response = http.client.HTTPResponse(sock, method="GET")
            response.begin()
            first = b""
            while not first.endswith(b"\n\n"):
                first += response.read1(65536)  # the gate is shut: only the first can come
            assert first == b"id: 1\ndata: first\n\n"
            raw_exchange(sides.direct, get(f"/gates/{gate}", "Content-Length: 0", method="POST"))
            rest = response.read()
            answers.append(answer_of(response, first + rest))
    assert through_proxy(answers[1]) == directly(answers[0])
    assert answers[1].body.endswith(b"event: end\ndata: bye\n\n")


def test_a_long_poll_waits_through_the_proxy_for_its_message(sides: Sides) -> None:
    direct, proxied = (long_poll(base, sides.direct) for _, base in sides.both())
    assert through_proxy(proxied)[:4] == directly(direct)[:4]  # the bodies name their channel


def long_poll(base: str, app: str) -> Answer:
    """A long poll sent to `base`, answered once a message is posted to the `app` while
    the app holds the poll (and so, through the proxy, the proxy too)."""
    channel = uuid.uuid4().hex
    polled: list[Answer] = []
    poll = threading.Thread(
        target=lambda: polled.append(raw_exchange(base, get(f"/poll/{channel}"), timeout=30))
    )
    poll.start()
    waiting = get(f"/polling/{channel}")
    assert wait_until(lambda: raw_exchange(app, waiting).status == 204)
    assert polled == []
    raw_exchange(app, get(f"/messages/{channel}", "Content-Length: 5", method="POST") + b"hello")
    poll.join()
    assert json.loads(polled[0].body) == {"channel": channel, "message": "hello"}
    return polled[0]


def test_a_websocket_echoes_through_the_proxy_as_directly(sides: Sides) -> None:
    heads, echoes = [], []
    key = base64.b64encode(os.urandom(16)).decode()
    frames = [(TEXT, b"one"), (BINARY, os.urandom(100_000)), (TEXT, "två".encode())]
    for _, base in sides.both():
        with connect(base) as sock:
            sock.sendall(
                get(
                    "/ws",
                    "Upgrade: websocket",
                    "Connection: Upgrade",
                    f"Sec-WebSocket-Key: {key}",
                    "Sec-WebSocket-Version: 13",
                )
            )
            heads.append(read_head(sock))
            got = []
            for opcode, payload in [*frames, (CLOSE, b"\x03\xe8")]:
                sock.sendall(encode_frame(opcode, payload, masked=True))
                got.append(read_frame(sock))
            echoes.append(got)
            assert sock.recv(1) == b""  # the app closed, and the proxy with it
    direct, proxied = heads
    assert (
        proxied.split(b"\r\n", 1)[0]
        == direct.split(b"\r\n", 1)[0]
        == (b"HTTP/1.1 101 Switching Protocols")
    )
    proxied_fields = {k: v for k, v in head_fields(proxied).items() if k not in PROXY_OWN}
    assert proxied_fields == head_fields(direct)
    assert echoes[0] == echoes[1] == [*frames, (CLOSE, b"\x03\xe8")]
