"""WebSocket upgrades pass through the real proxy (gunicorn) to the monolith, frames both ways.

The monolith is a stdlib WebSocket echo server (tests/support/websocket_echo.py);
the client does the handshake over a raw socket. Other upgrades, and WebSocket
upgrades a route sends to a service, get a 501 in the JSON error shape.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from proxy_stack import start_proxy
from websocket_echo import (
    BINARY,
    CLOSE,
    GREETING,
    REFUSED,
    TEXT,
    accept_key,
    encode_frame,
    head_fields,
    read_frame,
    read_head,
    websocket_echo_server,
)

from strangler.processes import ProcessGroup

ROUTES = """
[[route]]
path = "/ws/short"
mode = "monolith"
timeout = 1

[[route]]
path = "/ws/moved"
target = "chat.join"
mode = "service"
"""


@dataclass(frozen=True)
class Stack:
    proxy: str
    monolith_heads: list[bytes]
    log: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("websocket")
    with websocket_echo_server() as (monolith, heads):
        routes = workdir / "routes.toml"
        routes.write_text(f'monolith = "{monolith}"\n{ROUTES}')
        with ProcessGroup(workdir / "logs") as group:
            public, _admin = start_proxy(group, routes)
            port = public.rsplit(":", 1)[1]
            yield Stack(public, heads, workdir / "logs" / f"proxy-{port}.log")


def connect(stack: Stack) -> socket.socket:
    host, port = stack.proxy.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def handshake(sock: socket.socket, target: str, *, upgrade: str = "websocket") -> tuple[bytes, str]:
    """Send an upgrade request; its answer's head, and the key the client sent."""
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {target} HTTP/1.1\r\nHost: example.test\r\nUpgrade: {upgrade}\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "X-Forwarded-For: 6.6.6.6\r\n\r\n".encode()
    )
    return read_head(sock), key


def json_error(sock: socket.socket, head: bytes) -> Any:
    body = b""
    length = int(head_fields(head)["content-length"])
    while len(body) < length:
        body += sock.recv(length - len(body))
    return json.loads(body)


def test_frames_pass_both_ways_and_the_monolith_gets_the_request_as_sent(stack: Stack) -> None:
    with connect(stack) as sock:
        head, key = handshake(sock, "/ws/chat/../room%2F1?user=ann")
        fields = head_fields(head)
        assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert fields["sec-websocket-accept"] == accept_key(key)
        assert (fields["upgrade"], fields["x-strangler-backend"]) == ("websocket", "monolith")
        assert read_frame(sock) == (TEXT, GREETING)  # the monolith speaks first
        big = os.urandom(200_000)
        for opcode, payload in ((TEXT, b"one"), (BINARY, big), (TEXT, "två".encode())):
            sock.sendall(encode_frame(opcode, payload, masked=True))
            assert read_frame(sock) == (opcode, payload)
        sock.sendall(encode_frame(CLOSE, b"\x03\xe8", masked=True))
        assert read_frame(sock) == (CLOSE, b"\x03\xe8")
        assert sock.recv(1) == b""  # the monolith closed, and the proxy with it
    received = next(h for h in stack.monolith_heads if b"user=ann" in h)
    assert received.startswith(b"GET /ws/chat/../room%2F1?user=ann HTTP/1.1\r\n")
    forwarded = head_fields(received)
    assert (forwarded["upgrade"], forwarded["connection"]) == ("websocket", "Upgrade")
    assert forwarded["sec-websocket-key"] == key
    assert forwarded["x-forwarded-for"] == "127.0.0.1"  # the client's own is not trusted
    assert forwarded["x-forwarded-host"] == "example.test"


def test_each_ended_websocket_gives_its_thread_back(stack: Stack) -> None:
    for n in range(6):  # more than the proxy's 4 threads
        with connect(stack) as sock:
            head, _ = handshake(sock, f"/ws/loop?n={n}")
            assert head.startswith(b"HTTP/1.1 101 ")
            assert read_frame(sock) == (TEXT, GREETING)
            sock.sendall(encode_frame(CLOSE, b"", masked=True))
            assert read_frame(sock) == (CLOSE, b"")
    with connect(stack) as sock:
        sock.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_head(sock).startswith(b"HTTP/1.1 403 ")


def test_an_idle_websocket_is_closed_after_its_routes_timeout(stack: Stack) -> None:
    with connect(stack) as sock:
        head, _ = handshake(sock, "/ws/short")
        assert head.startswith(b"HTTP/1.1 101 ")
        assert read_frame(sock) == (TEXT, GREETING)
        assert sock.recv(1) == b""  # nothing moved for 1 s: the proxy ended it (before 10 s)


def test_a_refused_upgrade_gets_the_monoliths_answer_on_a_connection_that_goes_on(
    stack: Stack,
) -> None:
    with connect(stack) as sock:
        head, _ = handshake(sock, "/not-a-socket")
        assert head.startswith(b"HTTP/1.1 403 Forbidden\r\n")
        length = int(head_fields(head)["content-length"])
        assert sock.recv(length, socket.MSG_WAITALL) == REFUSED
        sock.sendall(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_head(sock).startswith(b"HTTP/1.1 403 ")


@pytest.mark.parametrize(
    ("target", "upgrade", "message"),
    [
        ("/ws/chat", "h2c", "upgrades to 'h2c' are not supported, only to WebSocket"),
        ("/ws/moved", "websocket", "this route's requests go to a service"),
    ],
)
def test_other_upgrades_and_websockets_to_a_service_get_a_501(
    stack: Stack, target: str, upgrade: str, message: str
) -> None:
    before = len(stack.monolith_heads)
    with connect(stack) as sock:
        head, _ = handshake(sock, target, upgrade=upgrade)
        assert head.startswith(b"HTTP/1.1 501 Not Implemented\r\n")
        error = json_error(sock, head)
    assert error["error"]["code"] == "not_implemented"
    assert message in error["error"]["message"]
    assert len(stack.monolith_heads) == before  # never passed on


def test_the_proxy_log_has_no_traceback_after_the_relays(stack: Stack) -> None:
    with connect(stack) as sock:
        handshake(sock, "/ws/last")
        assert read_frame(sock) == (TEXT, GREETING)
    log = stack.log.read_text(errors="replace")
    assert "Traceback" not in log
    assert "Socket error" not in log
