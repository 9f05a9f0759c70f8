"""No backend starves another, the monolith included (real proxy, monolith, service, broker).

The proxy runs one worker with PROXY_THREADS threads, so each backend may hold at most
CEILING of them (`backend_max_share`, 3/4 by default, `isolation.py`), on each of its
servers (`--server`; on the event loop a plain read to the monolith holds no thread, so
only requests with a body count against the share there). A backend is
frozen with SIGSTOP while more clients than the proxy has threads all call it at once,
in the stall's first moments, before anything could look stalled:

- the monolith frozen: the service route is still answered by the service, promptly and
  before any request stuck at the monolith times out; the forwarded requests beyond the
  monolith's share get a 503 with Retry-After at once, never sent (no such write is ever
  applied); once the stuck ones time out, the monolith's breaker turns requests away at
  once; after SIGCONT the forwarded routes are served again;
- a service frozen: the forwarded routes are still answered by the monolith, promptly;
  the service's reads beyond its share fall back to the monolith at once.

`service_max_in_flight` is the proxy's thread count, so only the share keeps a stalled
backend from taking every thread.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from proxy_stack import HERE, start_proxy, start_service
from waiting import wait_until

from strangler.processes import ManagedProcess, ProcessGroup, free_port, http_ok
from strangler_proxy.commands import SERVERS
from strangler_proxy.isolation_settings import IsolationSettings

pytestmark = pytest.mark.rabbitmq

PROXY_THREADS = 4
CEILING = IsolationSettings(threads=PROXY_THREADS).ceiling  # 3: one thread left to the others
CLIENTS = 2 * PROXY_THREADS  # calling the frozen backend at once
BACKEND_TIMEOUT = 6.0  # rpc_timeout and monolith_timeout: what a stuck call waits
PROMPT = 2.0  # the longest an answer not held by the frozen backend may take (2 busy cores)
FAST = 0.5  # the longest a request turned away by an open breaker may take
RECOVERY_BOUND = 20.0
ROUTES = f"""\
monolith = "{{monolith}}"
amqp_uri = "{{amqp_uri}}"
rpc_timeout = {BACKEND_TIMEOUT}
monolith_timeout = {BACKEND_TIMEOUT}
service_max_in_flight = {PROXY_THREADS}
breaker_failures = 2
breaker_open_seconds = 3
breaker_max_open_seconds = 6

[[route]]
path = "/orders/<int:item_id>"
target = "proxy_spare.get_item"
mode = "service"
"""


@dataclass(frozen=True)
class Answer:
    label: str
    started: float  # time.monotonic()
    ended: float
    status: int
    backend: str  # X-Strangler-Backend
    retry_after: str | None
    code: str | None  # the JSON error's code, if any

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Stack:
    proxy: str
    admin: str
    ledger: Path  # the monolith's SQLite file of applied writes
    monolith: ManagedProcess
    service: ManagedProcess
    server: str  # the proxy's `--server`


@pytest.fixture(scope="module", params=SERVERS)
def stack(
    request: pytest.FixtureRequest, amqp_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("isolation-monolith")
    ledger = workdir / "ledger.sqlite3"
    with ProcessGroup(workdir / "logs") as group:
        service = start_service(group, amqp_uri, "ProxySpareService", "proxy_spare")
        port = free_port()
        monolith = group.start(
            "monolith", [sys.executable, str(HERE / "ledger_monolith.py"), str(port), str(ledger)]
        )
        monolith_url = f"http://127.0.0.1:{port}"
        monolith.wait_ready(http_ok(monolith_url + "/healthz"), timeout=30)
        routes = workdir / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith_url, amqp_uri=amqp_uri))
        options = ("--threads", str(PROXY_THREADS), "--server", request.param)
        proxy, admin = start_proxy(group, routes, options=options)
        stack = Stack(proxy, admin, ledger, monolith, service, request.param)
        try:
            yield stack
        finally:
            for process in (monolith, service):  # so the group can stop them
                os.killpg(process.pid, signal.SIGCONT)


def send(
    proxy: str, label: str, method: str, path: str, body: dict[str, str] | None = None
) -> Answer:
    started = time.monotonic()
    response = urllib3.request(method, proxy + path, json=body, retries=False, timeout=30)
    ended = time.monotonic()
    code = None
    if response.headers.get("Content-Type") == "application/json" and response.status >= 400:
        code = response.json().get("error", {}).get("code")
    return Answer(
        label,
        started,
        ended,
        response.status,
        response.headers.get("X-Strangler-Backend", ""),
        response.headers.get("Retry-After"),
        code,
    )


class Crowd:
    """CLIENTS requests sent at once, each on a thread (and connection) of its own."""

    def __init__(self, proxy: str, requests: list[tuple[str, str, str, dict[str, str] | None]]):
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._send, args=(proxy, *request)) for request in requests
        ]
        for thread in self._threads:
            thread.start()

    def _send(
        self, proxy: str, label: str, method: str, path: str, body: dict[str, str] | None
    ) -> None:
        answer = send(proxy, label, method, path, body)
        with self._lock:
            self.answers.append(answer)

    def join(self) -> list[Answer]:
        for thread in self._threads:
            thread.join(BACKEND_TIMEOUT + 30)
        return sorted(self.answers, key=lambda answer: answer.ended)


def normal(stack: Stack) -> bool:
    """Both kinds of route answered by their own backend."""
    service = send(stack.proxy, "service", "GET", "/orders/1")
    forwarded = send(stack.proxy, "forwarded", "GET", "/ledger/1")
    write = send(stack.proxy, "write", "POST", "/ledger", {"id": f"probe-{uuid.uuid4().hex}"})
    return (
        (service.status, service.backend) == (200, "service")
        and (forwarded.status, forwarded.backend) == (200, "monolith")
        and (write.status, write.backend) == (201, "monolith")
    )


def applied(stack: Stack) -> set[str]:
    connection = sqlite3.connect(stack.ledger, timeout=30)
    try:
        return {write_id for (write_id,) in connection.execute("SELECT write_id FROM applied")}
    finally:
        connection.close()


def threads_held(server: str) -> Callable[[Answer], bool]:
    """Whether a request to the monolith holds one of the proxy's threads, on `server`."""
    if server == "threads":
        return lambda answer: True
    return lambda answer: answer.label.startswith("write:")


def test_a_stalled_monolith_leaves_the_services_served_and_turns_the_rest_away(
    stack: Stack,
) -> None:
    assert wait_until(lambda: normal(stack), RECOVERY_BOUND)
    tag = uuid.uuid4().hex[:8]
    os.killpg(stack.monolith.pid, signal.SIGSTOP)
    try:
        crowd = Crowd(
            stack.proxy,
            [
                (f"write:{tag}-{n}", "POST", "/ledger", {"id": f"{tag}-{n}"})
                if n % 2
                else ("read", "GET", f"/ledger/{n}", None)
                for n in range(CLIENTS)
            ],
        )
        time.sleep(0.2)  # the crowd is in: as many requests as threads, and more
        served = [send(stack.proxy, "service", "GET", f"/orders/{n}") for n in range(3)]
        answers = crowd.join()
        # the stuck requests timed out: the breaker turns the next ones away at once
        after = [send(stack.proxy, f"write:{tag}-after", "POST", "/ledger", {"id": f"{tag}-after"})]
        after.append(send(stack.proxy, "after", "GET", "/ledger/1"))
    finally:
        os.killpg(stack.monolith.pid, signal.SIGCONT)

    assert [(a.status, a.backend) for a in served] == [(200, "service")] * 3, served
    assert [a for a in served if a.seconds > PROMPT] == [], served
    stuck = [a for a in answers if a.status == 504]
    assert max(a.ended for a in served) < min(a.ended for a in stuck), (served, answers)
    # what holds a thread while it waits: every request on the threads server; on the
    # event loop, a request with a body (a plain read waits on the loop, holding none)
    holds = threads_held(stack.server)
    held = [a for a in stuck if holds(a)]
    assert 1 <= len(held) <= CEILING, answers  # no more than its share waited on it
    turned_away = [a for a in answers if a.status != 504]
    assert len([a for a in turned_away if holds(a)]) >= len(list(filter(holds, answers))) - CEILING
    for answer in turned_away + after:
        assert (answer.status, answer.code) == (503, "service_unavailable"), answer
        assert answer.retry_after is not None and int(answer.retry_after) >= 1, answer
    assert [a for a in turned_away if a.seconds > PROMPT] == [], turned_away
    assert [a for a in after if a.seconds > FAST] == [], after

    assert wait_until(lambda: normal(stack), RECOVERY_BOUND)
    # a write turned away was never sent, so never applied (a stuck one may have been)
    never_sent = {
        a.label.removeprefix("write:") for a in turned_away + after if "write:" in a.label
    }
    assert len(never_sent) >= 2, answers
    assert never_sent & applied(stack) == set()


def test_a_stalled_service_leaves_the_forwarded_routes_served(stack: Stack) -> None:
    assert wait_until(lambda: normal(stack), RECOVERY_BOUND)
    os.killpg(stack.service.pid, signal.SIGSTOP)
    try:
        crowd = Crowd(
            stack.proxy, [("service", "GET", f"/orders/{n}", None) for n in range(CLIENTS)]
        )
        time.sleep(0.2)  # the crowd is in: as many calls as threads, and more
        served = [
            send(stack.proxy, "forwarded", "GET", "/ledger/1"),
            send(stack.proxy, "write", "POST", "/ledger", {"id": uuid.uuid4().hex}),
        ]
        answers = crowd.join()
        after = send(stack.proxy, "after", "GET", "/orders/1")
        health = urllib3.request("GET", stack.admin + "/_strangler/health", timeout=10).json()
    finally:
        os.killpg(stack.service.pid, signal.SIGCONT)

    assert [(a.status, a.backend) for a in served] == [(200, "monolith"), (201, "monolith")]
    assert [a for a in served if a.seconds > PROMPT] == [], served
    stuck = [a for a in answers if a.backend == "monolith; fallback=timeout"]
    # on the threads server each read holds a thread, so no more than the service's share
    # waits on it; on the event loop a read holds none, and each one waits for its answer
    waiting_at_most = CEILING if stack.server == "threads" else CLIENTS
    assert 1 <= len(stuck) <= waiting_at_most, answers
    assert max(a.ended for a in served) < min(a.ended for a in stuck), (served, answers)
    turned_away = [a for a in answers if a not in stuck]
    assert len(turned_away) >= CLIENTS - waiting_at_most, answers
    assert {(a.status, a.backend) for a in turned_away} <= {(200, "monolith; fallback=busy")}
    assert [a for a in turned_away if a.seconds > PROMPT] == [], turned_away
    # the stuck calls timed out: the breaker sends the next read to the monolith at once
    assert (after.status, after.backend) == (200, "monolith; fallback=circuit-open"), after
    assert after.seconds <= FAST, after
    assert health["breakers"] == {"monolith": "closed", "services": {"proxy_spare": "open"}}
    assert wait_until(lambda: normal(stack), RECOVERY_BOUND)
