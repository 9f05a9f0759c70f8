"""The real proxy on its event-loop server (`--server event-loop`) stops gracefully: on
SIGTERM, a request being handled is still answered (closing its connection), then the
proxy exits; meanwhile kept-alive connections keep their answers in order."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from recording_server import Answer, Received, Reply, raw_exchange, recording_server

from strangler.processes import ManagedProcess, ProcessGroup, free_port, http_ok
from strangler_demo.stack import strangler_argv

SLOW_SECONDS = 1.5


@dataclass(frozen=True)
class Proxy:
    url: str
    port: int
    process: ManagedProcess


def reply(received: Received) -> Reply:
    return Reply(delay=SLOW_SECONDS) if received.target == "/slow" else Reply()


@pytest.fixture
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    workdir = tmp_path_factory.mktemp("event-loop-stop")
    with recording_server() as (monolith, recorder), ProcessGroup(workdir / "logs") as group:
        recorder.reply = reply
        routes = workdir / "routes.toml"
        routes.write_text(f'monolith = "{monolith}"\n')
        port, admin_port = free_port(), free_port()
        argv = strangler_argv(
            "proxy", "--routes", str(routes), "--port", str(port), "--admin-port", str(admin_port)
        )
        process = group.start("proxy", [*argv, "--workers", "1", "--server", "event-loop"])
        process.wait_ready(http_ok(f"http://127.0.0.1:{admin_port}/_strangler/health"), 30)
        yield Proxy(f"http://127.0.0.1:{port}", port, process)


def test_a_request_in_flight_is_answered_when_the_proxy_is_stopped(proxy: Proxy) -> None:
    answers: list[Answer] = []
    slow = threading.Thread(
        target=lambda: answers.append(
            raw_exchange(proxy.url, b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n", timeout=30)
        )
    )
    slow.start()
    time.sleep(SLOW_SECONDS / 3)  # the monolith holds it
    os.kill(proxy.process.pid, signal.SIGTERM)  # the gunicorn arbiter
    slow.join(30)
    assert [answer.status for answer in answers] == [200]
    assert answers[0].values("Connection") == ["close"]
    deadline = time.monotonic() + 15
    while proxy.process.running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proxy.process.returncode == 0


def test_pipelined_requests_through_the_proxy_are_answered_in_order(proxy: Proxy) -> None:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(
            b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /fast HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    answers = data.split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert len(answers) == 3
    assert [answer.endswith(b"hello") for answer in answers] == [True] * 3
