"""A write routed to a service is applied at most once, end to end, on real processes.

The real proxy (gunicorn), real Nameko services with the shared `Idempotency`
dependency (`idempotent_service.py`: an RPC method over a SQLAlchemy session,
and a Flask-SQLAlchemy app behind the HTTP envelope), real RabbitMQ and
PostgreSQL. Each write inserts one `orders` row, so the row count is the number
of applications; the services' worker log shows a re-delivered call did run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy
import urllib3
from proxy_stack import HERE, delete_queues, start_monolith, start_proxy
from waiting import wait_until

from strangler.processes import ManagedProcess, ProcessGroup, rpc_consumer_ready

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

LEASE_SECONDS = 5  # how long a worker that never finished keeps its key
HOLD_SECONDS = 3  # how long a write holds its answer back after committing
CUT_HOLD_SECONDS = 10  # the same, for a write whose broker connections are cut meanwhile
CUT_LEASE_SECONDS = 25  # outlasts that hold: the proxy's retry gets the first answer
SERVICE_OF = {"/orders": "idem_orders", "/shop/orders": "idem_shop"}
SERVICES = tuple(SERVICE_OF.values())
ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = 30

[[route]]
path = "/orders"
methods = ["POST"]
target = "idem_orders.place_order"
mode = "service"

[[route]]
path = "/notes"
methods = ["POST"]
target = "idem_orders.take_note"
mode = "service"

[[route]]
path = "/shop/orders"
methods = ["POST"]
target = "idem_shop.http"
mode = "service"
protocol = "http"
"""
CONFIG = """
AMQP_URI: "{amqp_uri}"
DATABASE_URL: "{database_url}"
IDEMPOTENCY_LEASE_SECONDS: {lease}
"""
LIST_QUEUES = ("rabbitmqctl", "-q", "list_queues", "--no-table-headers")
http = urllib3.PoolManager(retries=False)


@dataclass
class Stack:
    proxy: str
    amqp_uri: str
    database_url: str
    worker_log: Path
    logs: Path
    services: ManagedProcess
    start_services: Any  # () -> ManagedProcess, once both consume their queues

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> Answer:
        headers = {"Idempotency-Key": key} if key else {}
        response = http.request("POST", self.proxy + path, json=body, headers=headers, timeout=60)
        return Answer(response.status, response.headers.get("Retry-After"), response.data)

    def orders(self) -> int:
        """How many times a write was applied."""
        return int(run_sql(self.database_url, "SELECT count(*) FROM orders")[0][0])

    def workers_started(self) -> int:
        return len(self.worker_log.read_text().splitlines()) if self.worker_log.exists() else 0


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None
    body: bytes


@pytest.fixture
def lease_seconds() -> float:
    """The services' IDEMPOTENCY_LEASE_SECONDS; a test may parametrize its own."""
    return LEASE_SECONDS


@pytest.fixture
def stack(
    amqp_uri: str, postgres_url: str, tmp_path: Path, lease_seconds: float
) -> Iterator[Stack]:
    config = tmp_path / "config.yml"
    config.write_text(
        CONFIG.format(amqp_uri=amqp_uri, database_url=postgres_url, lease=lease_seconds)
    )
    worker_log = tmp_path / "workers.log"
    run_sql(postgres_url, "CREATE TABLE orders (id SERIAL PRIMARY KEY, item TEXT NOT NULL)")
    with ProcessGroup(tmp_path) as group:
        starts = iter(range(1, 100))

        def start_services() -> ManagedProcess:
            process = group.start(
                f"services-{next(starts)}",
                [
                    sys.executable,
                    "-m",
                    "nameko",
                    "run",
                    "--config",
                    str(config),
                    *(
                        f"idempotent_service:{cls}"
                        for cls in ("IdemOrdersService", "IdemShopService")
                    ),
                ],
                env={
                    "IDEM_NOTES_URL": f"sqlite:///{tmp_path / 'notes.sqlite3'}",
                    "PYTHONPATH": os.pathsep.join([str(HERE), os.getcwd()]),
                    "IDEM_WORKER_LOG": str(worker_log),
                },
            )
            for service in SERVICES:
                process.wait_ready(rpc_consumer_ready(amqp_uri, service), timeout=60)
            return process

        services = start_services()
        routes = tmp_path / "routes.toml"
        routes.write_text(ROUTES.format(monolith=start_monolith(group), amqp_uri=amqp_uri))
        proxy, _ = start_proxy(group, routes)
        yield Stack(proxy, amqp_uri, postgres_url, worker_log, tmp_path, services, start_services)
    delete_queues(amqp_uri, *(f"rpc-{service}" for service in SERVICES))


def run_sql(database_url: str, statement: str) -> list[Any]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sqlalchemy.text(statement))
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def in_background(stack: Stack, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    """POST in a thread; the returned callable waits for its answer."""
    answers: list[Answer] = []
    thread = threading.Thread(target=lambda: answers.append(stack.post(path, body, key)))
    thread.start()

    def answer() -> Answer:
        thread.join(timeout=90)
        return answers[0]

    return answer


@pytest.mark.parametrize("path", ["/orders", "/shop/orders"])
def test_a_repeated_key_gets_the_first_answer_and_is_applied_once(stack: Stack, path: str) -> None:
    first = stack.post(path, {"item": "tea"}, key="order-1")
    assert first.status in (200, 201), first.body
    assert stack.post(path, {"item": "tea"}, key="order-1") == first
    assert stack.orders() == 1
    other = stack.post(path, {"item": "tea"}, key="order-2")
    assert other.status == first.status and other.body != first.body
    assert stack.orders() == 2


def test_a_failure_after_the_write_is_the_answer_a_repeat_gets(stack: Stack) -> None:
    failed = stack.post("/orders", {"item": "tea", "fail": "sold out"}, key="order-6")
    assert failed.status == 409 and b"sold out" in failed.body
    assert stack.post("/orders", {"item": "tea"}, key="order-6") == failed  # same class, text
    assert stack.orders() == 1


@pytest.mark.parametrize("path", ["/orders", "/shop/orders"])
def test_a_repeat_while_the_first_runs_is_409_with_retry_after(stack: Stack, path: str) -> None:
    first = in_background(stack, path, {"item": "tea", "hold": HOLD_SECONDS}, key="order-3")
    assert wait_until(lambda: stack.orders() == 1)
    running = stack.post(path, {"item": "tea", "hold": HOLD_SECONDS}, key="order-3")
    assert (running.status, running.retry_after) == (409, "1"), running.body
    answered = first()
    assert answered.status in (200, 201), answered.body
    assert stack.post(path, {"item": "tea"}, key="order-3") == answered
    assert stack.orders() == 1


@pytest.mark.parametrize("lease_seconds", [CUT_LEASE_SECONDS])
@pytest.mark.parametrize("path", ["/orders", "/shop/orders"])
def test_broker_connections_closed_mid_write_apply_it_once(stack: Stack, path: str) -> None:
    # no Idempotency-Key: the key the proxy made for this request deduplicates the re-delivery
    # and the proxy's own retry; held long enough that rabbitmqctl (an Erlang VM starting up)
    # closes the connections before the answer leaves, even on a busy machine
    first = in_background(stack, path, {"item": "tea", "hold": CUT_HOLD_SECONDS})
    assert wait_until(lambda: stack.orders() == 1)
    close_all_connections(stack)  # the service's and the proxy's, mid-call
    answered = first()  # the proxy sent it again with its key: the first answer
    assert answered.status in (200, 201), answered.body
    assert json.loads(answered.body)["item"] == "tea"
    assert proxy_log(stack).count("sending it again with its idempotency key") == 1
    # the first worker, the broker's re-delivery and the proxy's retry all ran
    assert wait_until(lambda: stack.workers_started() >= 3, timeout=30), "no re-delivery"
    assert wait_until(lambda: not queue_busy(stack, f"rpc-{SERVICE_OF[path]}"), timeout=30)
    assert stack.orders() == 1


def test_a_service_killed_mid_write_applies_it_once(stack: Stack) -> None:
    first = in_background(stack, "/orders", {"item": "tea", "hold": 600}, key="order-4")
    assert wait_until(lambda: stack.orders() == 1)
    os.killpg(stack.services.pid, signal.SIGKILL)  # after the commit, before the reply
    stack.start_services()  # the broker re-delivers the unacknowledged call to it
    answered = first()
    assert answered.status == 409, answered.body  # applied: still held, or its answer lost
    assert stack.workers_started() == 2
    lost = repeat_while_running(stack, "/orders", "order-4", timeout=LEASE_SECONDS + 10)
    assert lost.status == 409 and b"already applied" in lost.body
    assert stack.orders() == 1


def test_a_worker_whose_key_was_taken_over_cannot_commit(stack: Stack) -> None:
    body = {"item": "slow", "hold_before_commit": LEASE_SECONDS + 4}
    slow = in_background(stack, "/orders", body, key="order-5")
    assert wait_until(lambda: stack.workers_started() == 1)
    # the first looks dead once its lease ran out: the repeat takes the key over
    taken = repeat_while_running(stack, "/orders", "order-5", timeout=LEASE_SECONDS + 3)
    assert taken.status == 200, taken.body
    assert slow().status == 500  # its late commit was refused: the key is no longer its
    assert run_sql(stack.database_url, "SELECT item FROM orders") == [("repeat",)]


def test_a_write_to_another_database_is_reported_as_not_covered(stack: Stack) -> None:
    assert stack.post("/notes", {"note": "n-1"}).status == 200
    assert stack.post("/orders", {"item": "tea"}).status == 200
    log = (stack.logs / "services-1.log").read_text()
    assert "idem_orders.take_note committed to sqlite:///" in log
    assert "that write is not covered" in log
    assert "idem_orders.place_order committed" not in log  # its own database: covered


def repeat_while_running(stack: Stack, path: str, key: str, *, timeout: float) -> Answer:
    """Send `{"item": "repeat"}` with `key` until the answer is no longer 409 + Retry-After."""
    answers: list[Answer] = []

    def settled() -> bool:
        answers.append(stack.post(path, {"item": "repeat"}, key))
        return answers[-1].retry_after is None

    assert wait_until(settled, timeout=timeout)
    return answers[-1]


def proxy_log(stack: Stack) -> str:
    return (stack.logs / f"proxy-{urlsplit(stack.proxy).port}.log").read_text()


def vhost_of(stack: Stack) -> str:
    return unquote(urlsplit(stack.amqp_uri).path[1:]) or "/"


def close_all_connections(stack: Stack) -> None:
    """Make RabbitMQ close every connection of the test's vhost (needs rabbitmqctl)."""
    subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "-p", vhost_of(stack), "strangler test"],
        check=True,
        capture_output=True,
    )


def queue_busy(stack: Stack, queue: str) -> bool:
    """Whether `queue` holds a message, delivered or not (acknowledged ones are gone)."""
    listing = subprocess.run(
        [*LIST_QUEUES, "-p", vhost_of(stack), "name", "messages_ready", "messages_unacknowledged"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    counts = [line.split("\t")[1:] for line in listing.splitlines() if line.split("\t")[0] == queue]
    return any(int(count) for row in counts for count in row)
