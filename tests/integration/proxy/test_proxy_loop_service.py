"""Service reads answered on the event loop (real proxies, monolith, `nameko run` service).

Two proxies on the same routes: the event-loop server (a read routed to a service is
called from the loop) and the threads server (the same read made on a thread, the path
every other request takes). The same requests through both get the same answers; and on
the event loop, reads are answered while the worker's only thread is held by a slow write.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from proxy_stack import SLOW_SECONDS, delete_queues, start_monolith, start_proxy, start_service

from strangler.processes import ProcessGroup

pytestmark = pytest.mark.rabbitmq

ROUTES = """\
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"

[[route]]
path = "/api/items/<int:item_id>"
target = "proxy_echo.get_item"
mode = "service"
methods = ["GET", "HEAD"]

[[route]]
path = "/api/crash"
target = "proxy_echo.crash"
mode = "service"

[[route]]
path = "/api/slow/<key>"
target = "proxy_echo.slow_write"
mode = "service"
methods = ["POST"]
"""
# what differs between two answers to the same request by nature
VARYING = frozenset({"date"})


@dataclass(frozen=True)
class Proxies:
    loop: str  # host:port of the event-loop server
    threads: str  # host:port of the threads server


@pytest.fixture(scope="module")
def proxies(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxies]:
    workdir = tmp_path_factory.mktemp("loop-service")
    with ProcessGroup(workdir / "logs") as group:
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        monolith = start_monolith(group)
        routes = workdir / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        on_loop, _ = start_proxy(group, routes, options=("--threads", "1"))
        on_threads, _ = start_proxy(group, routes, options=("--server", "threads"))
        yield Proxies(_authority(on_loop), _authority(on_threads))
    delete_queues(amqp_uri, "rpc-proxy_echo")


def _authority(url: str) -> str:
    return url.removeprefix("http://")


@dataclass(frozen=True)
class Answer:
    status_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    ended: float


def send(authority: str, method: str, path: str, headers: dict[str, str] | None = None) -> Answer:
    connection = http.client.HTTPConnection(authority, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        status_line = f"{response.status} {response.reason}"
        return Answer(status_line, tuple(response.getheaders()), body, time.monotonic())
    finally:
        connection.close()


def comparable(answer: Answer) -> tuple[str, list[tuple[str, str]], bytes]:
    return (
        answer.status_line,
        [(name, value) for name, value in answer.headers if name.lower() not in VARYING],
        answer.body,
    )


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/api/items/7?view=full", {"X-Request-Id": "same-id"}),
        ("HEAD", "/api/items/7", {"X-Request-Id": "same-id"}),
        ("GET", "/api/items/404", {"X-Request-Id": "same-id"}),  # the service's NotFound
        ("GET", "/api/crash", {"X-Request-Id": "same-id"}),  # falls back to the monolith
    ],
    ids=["read", "head", "not-found", "fallback"],
)
def test_a_service_read_on_the_loop_answers_as_on_a_thread(
    proxies: Proxies, method: str, path: str, headers: dict[str, str]
) -> None:
    on_loop = send(proxies.loop, method, path, headers)
    on_thread = send(proxies.threads, method, path, headers)
    assert comparable(on_loop) == comparable(on_thread)
    backend = dict(on_loop.headers)["X-Strangler-Backend"]
    assert backend == ("monolith; fallback=remote-error" if "crash" in path else "service")


def test_reads_are_answered_while_the_only_thread_waits_on_a_slow_write(proxies: Proxies) -> None:
    written: list[Answer] = []
    writer = threading.Thread(
        target=lambda: written.append(send(proxies.loop, "POST", f"/api/slow/{uuid.uuid4().hex}"))
    )
    writer.start()
    time.sleep(0.3)  # the write holds the worker's one thread for SLOW_SECONDS
    reads: list[Answer] = []
    readers = [
        threading.Thread(
            target=lambda n=n: reads.append(send(proxies.loop, "GET", f"/api/items/{n}"))
        )
        for n in range(20)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    writer.join()

    assert [(a.status_line, dict(a.headers)["X-Strangler-Backend"]) for a in reads] == [
        ("200 OK", "service")
    ] * 20
    assert sorted(a.body for a in reads) == sorted(
        b'{"id":%d,"source":"service"}\n' % n for n in range(20)
    )
    assert written[0].status_line == "200 OK"
    # every read was answered before the write the thread waited on ended
    assert max(a.ended for a in reads) < written[0].ended, (SLOW_SECONDS, reads, written)
