"""Faults on real processes under load lose no write and apply none twice (issue 12's proof).

One stack for the module: the real proxy (gunicorn, one worker, eight threads), a
monolith that records each write it applies as a row of its own (`ledger_monolith.py`,
SQLite), and a Nameko service whose writes go through the shared `Idempotency`
dependency (`load_orders_service.py`, PostgreSQL), on real RabbitMQ. During each fault a
load (`fault_load.py`) keeps reading and writing on a service route and on a forwarded
one, every write with an id of its own. Afterwards, the applications are counted on
both sides (the service's `orders` rows and the monolith's `applied` rows, a write
that fell back to the monolith included) and compared with what the clients were told:

- every write answered 2xx was applied exactly once, and no id was applied twice
  anywhere (a write answered 5xx, or not at all, at most once);
- the kind of route the fault does not hit was answered normally all along;
- once the fault ends, the route it hit is served normally again within a bound.

Each kind of route has fewer clients than the proxy has threads, so the faults are met
with the proxy's threads to spare; a stalled backend with more clients than threads is
`test_proxy_isolation_monolith.py`'s business (its share of the threads, `isolation.py`).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy
import urllib3
from ci_rules import require_command
from fault_load import FORWARDED, READ, SERVICE, WRITE, Load, Sample, under_way
from faults import close_all_connections, sleep_until
from proxy_stack import HERE, delete_queues, start_proxy
from waiting import wait_until

from strangler.processes import ManagedProcess, ProcessGroup, free_port, http_ok, rpc_consumer_ready

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]

SERVICE_NAME = "load_orders"
PROXY_THREADS = 8  # its default; more than the load's clients of either kind of route
RETRIED = "sending it again with its idempotency key"  # the proxy's log of a keyed retry
FAULT_SECONDS = 3.0
RECOVERY_BOUND = 20.0  # seconds after a fault ends by which its route is served normally
WARM_UP_BOUND = 30.0
SETTLED_BOUND = 30.0
HOLD_SECONDS = 0.3  # how long the service holds each write's answer after its commit
ISOLATED_SECONDS = 1.5  # the longest an answer on the route a fault does not hit may take
ISOLATED_ANSWERS = 5  # requests of the route a fault does not hit answered meanwhile, at least
SERVED_AGAIN = 3  # normal answers in a row, per operation, that mean a route is back
ROUTES = """\
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = 2  # shorter than a fault: the calls it holds time out
monolith_timeout = 2
service_max_in_flight = 2
breaker_failures = 2
breaker_open_seconds = 0.5
breaker_max_open_seconds = 2

[[route]]
path = "/orders"
methods = ["POST"]
target = "load_orders.place_order"
mode = "service"

[[route]]
path = "/orders/<int:order_id>"
methods = ["GET"]
target = "load_orders.get_order"
mode = "service"
"""
CONFIG = """\
AMQP_URI: "{amqp_uri}"
DATABASE_URL: "{database_url}"
IDEMPOTENCY_LEASE_SECONDS: 5
"""
LIST_QUEUES = ("rabbitmqctl", "-q", "list_queues", "--no-table-headers")


@dataclass
class Stack:
    proxy: str
    admin: str
    proxy_log: Path
    amqp_uri: str
    database_url: str
    ledger: Path  # the monolith's SQLite file
    routes: Path
    monolith: ManagedProcess
    service: ManagedProcess
    start_service: Callable[[], ManagedProcess]

    def restart_service(self) -> None:
        self.service = self.start_service()


@pytest.fixture(scope="module")
def stack(
    amqp_uri: str, module_postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    database_url = module_postgres_url  # the module's own, dropped afterwards
    require_command("rabbitmqctl", "the broker itself closes every connection")
    workdir = tmp_path_factory.mktemp("faults-under-load")
    run_sql(database_url, "CREATE TABLE orders (id SERIAL PRIMARY KEY, item TEXT NOT NULL)")
    config = workdir / "config.yml"
    config.write_text(CONFIG.format(amqp_uri=amqp_uri, database_url=database_url))
    ledger = workdir / "ledger.sqlite3"
    try:
        with ProcessGroup(workdir / "logs") as group:
            starts = iter(range(1, 100))

            def start_service() -> ManagedProcess:
                process = group.start(
                    f"service-{next(starts)}",
                    [
                        *(sys.executable, "-m", "nameko", "run", "--config", str(config)),
                        "load_orders_service:LoadOrdersService",
                    ],
                    env={"PYTHONPATH": os.pathsep.join([str(HERE), os.getcwd()])},
                )
                process.wait_ready(rpc_consumer_ready(amqp_uri, SERVICE_NAME), timeout=60)
                return process

            service = start_service()
            port = free_port()
            monolith = group.start(
                "monolith",
                [sys.executable, str(HERE / "ledger_monolith.py"), str(port), str(ledger)],
            )
            monolith_url = f"http://127.0.0.1:{port}"
            monolith.wait_ready(http_ok(monolith_url + "/healthz"), timeout=30)
            routes = workdir / "routes.toml"
            routes.write_text(ROUTES.format(monolith=monolith_url, amqp_uri=amqp_uri))
            proxy, admin = start_proxy(group, routes, options=("--threads", str(PROXY_THREADS)))
            yield Stack(
                proxy,
                admin,
                workdir / "logs" / f"proxy-{urlsplit(proxy).port}.log",
                amqp_uri,
                database_url,
                ledger,
                routes,
                monolith,
                service,
                start_service,
            )
    finally:
        delete_queues(amqp_uri, f"rpc-{SERVICE_NAME}")


def test_a_killed_service_loses_no_write_and_applies_none_twice(stack: Stack) -> None:
    with Load(stack.proxy, "killed", hold=HOLD_SECONDS) as load:
        warmed_up(load)
        start = time.monotonic()
        os.killpg(stack.service.pid, signal.SIGKILL)
        sleep_until(start + FAULT_SECONDS)
        stack.restart_service()
        end = time.monotonic()
        back = wait_until(lambda: served_again(load.samples(), SERVICE, end), RECOVERY_BOUND)
    assert back, tail(load.samples(), SERVICE)
    meanwhile = under_way(load.samples(), start, end)
    # the dead service's calls were not waited on: the monolith answered them
    assert any(s.kind == SERVICE and s.backend.startswith("monolith; fallback") for s in meanwhile)
    assert_nothing_lost_or_doubled(stack, load)
    assert_isolated(meanwhile, FORWARDED)


def test_a_stalled_service_loses_no_write_and_applies_none_twice(stack: Stack) -> None:
    load, meanwhile = stalled_under_load(stack, "stalled", stack.service, SERVICE)
    assert any(s.kind == SERVICE and not s.normal for s in meanwhile)  # the stall was met
    assert_nothing_lost_or_doubled(stack, load)
    assert_isolated(meanwhile, FORWARDED)


def test_a_stalled_monolith_loses_no_write_and_applies_none_twice(stack: Stack) -> None:
    load, meanwhile = stalled_under_load(stack, "monolith", stack.monolith, FORWARDED)
    assert any(s.kind == FORWARDED and not s.succeeded for s in meanwhile)  # the stall was met
    assert_nothing_lost_or_doubled(stack, load)
    assert_isolated(meanwhile, SERVICE)


def test_broker_connections_closed_twice_lose_no_write_and_apply_none_twice(
    stack: Stack,
) -> None:
    retried_before = stack.proxy_log.read_text().count(RETRIED)
    with Load(stack.proxy, "broker", hold=HOLD_SECONDS) as load:
        warmed_up(load)
        start = time.monotonic()
        close_all_connections(stack.amqp_uri, "strangler faults under load, first")
        sleep_until(start + FAULT_SECONDS / 2)
        close_all_connections(stack.amqp_uri, "strangler faults under load, second")
        sleep_until(start + FAULT_SECONDS)
        end = time.monotonic()
        back = wait_until(lambda: served_again(load.samples(), SERVICE, end), RECOVERY_BOUND)
    assert back, tail(load.samples(), SERVICE)
    # the closes met writes in flight: the proxy sent them again with their keys
    assert stack.proxy_log.read_text().count(RETRIED) > retried_before
    assert_nothing_lost_or_doubled(stack, load)
    assert_isolated(under_way(load.samples(), start, end), FORWARDED)


def test_a_routes_file_edited_then_broken_loses_no_write_and_applies_none_twice(
    stack: Stack,
) -> None:
    original = stack.routes.read_text()
    changed = original.replace("rpc_timeout = 2 ", "rpc_timeout = 2.5 ")
    assert changed != original
    with Load(stack.proxy, "routes", hold=HOLD_SECONDS) as load:
        warmed_up(load)
        start = time.monotonic()
        try:
            replace_file(stack.routes, changed)  # valid: new settings, a new RPC client
            assert wait_until(lambda: routes_view(stack)["rpc_timeout"] == 2.5, timeout=10)
            replace_file(stack.routes, changed + "\n[[route]]\nbogus = 1\n")  # invalid
            assert wait_until(lambda: routes_view(stack)["last_reload_error"], timeout=10)
            assert routes_view(stack)["rpc_timeout"] == 2.5  # the last good table kept
        finally:
            replace_file(stack.routes, original)
        assert wait_until(lambda: reloaded_clean(stack, 2), timeout=10)
        end = time.monotonic()
        back = wait_until(lambda: served_again(load.samples(), SERVICE, end), RECOVERY_BOUND)
    assert back, tail(load.samples(), SERVICE)
    assert_nothing_lost_or_doubled(stack, load)
    meanwhile = under_way(load.samples(), start, end)
    assert_isolated(meanwhile, FORWARDED)
    # nothing was hit: the service route too was answered by the service throughout
    assert_isolated(meanwhile, SERVICE)


def stalled_under_load(
    stack: Stack, tag: str, process: ManagedProcess, hit: str
) -> tuple[Load, list[Sample]]:
    """Stall `process` for FAULT_SECONDS under a load tagged `tag`, then wait until the `hit`
    kind of route is served again; the load, and its samples under way during the stall."""
    with Load(stack.proxy, tag, hold=HOLD_SECONDS) as load:
        warmed_up(load)
        start = time.monotonic()
        os.killpg(process.pid, signal.SIGSTOP)
        try:
            sleep_until(start + FAULT_SECONDS)
        finally:
            os.killpg(process.pid, signal.SIGCONT)
        end = time.monotonic()
        back = wait_until(lambda: served_again(load.samples(), hit, end), RECOVERY_BOUND)
    assert back, tail(load.samples(), hit)
    return load, under_way(load.samples(), start, end)


def warmed_up(load: Load) -> None:
    """Wait until every kind of request has been answered normally since the load began."""

    def every_kind_served() -> bool:
        served = {(s.kind, s.operation) for s in load.samples() if s.normal}
        return len(served) == 4

    assert wait_until(every_kind_served, WARM_UP_BOUND), tail(load.samples(), SERVICE)


def served_again(samples: list[Sample], kind: str, since: float) -> bool:
    """Whether the last SERVED_AGAIN reads and writes of `kind` sent after `since` were all
    answered normally."""
    for operation in (READ, WRITE):
        sent = [s for s in samples if (s.kind, s.operation) == (kind, operation)]
        last = [s for s in sent if s.started >= since][-SERVED_AGAIN:]
        if len(last) < SERVED_AGAIN or not all(s.normal for s in last):
            return False
    return True


def assert_isolated(meanwhile: list[Sample], unhit: str) -> None:
    """The kind of route the fault did not hit was answered normally all along, each
    request within ISOLATED_SECONDS."""
    answers = [s for s in meanwhile if s.kind == unhit]
    assert len(answers) >= ISOLATED_ANSWERS, answers
    assert [s for s in answers if not s.normal] == []
    assert [s for s in answers if s.ended - s.started > ISOLATED_SECONDS] == []


def assert_nothing_lost_or_doubled(stack: Stack, load: Load) -> None:
    applied = settled_applications(stack, load.tag)
    writes = [s for s in load.samples() if s.write_id is not None]
    sent = {s.write_id for s in writes}
    answered = [s for s in writes if s.succeeded]
    assert len(answered) >= 10, writes  # the load did write, on both kinds of route
    assert {s.kind for s in answered} == {SERVICE, FORWARDED}
    # each write answered 2xx applied exactly once, on one side or the other
    assert [(s.write_id, applied[s.write_id]) for s in answered if applied[s.write_id] != 1] == []
    # no id applied twice anywhere; a write not answered 2xx at most once
    assert [(write_id, n) for write_id, n in applied.items() if n > 1] == []
    # and nothing the clients did not send
    assert set(applied) <= sent


def settled_applications(stack: Stack, tag: str) -> Counter[str]:
    """How many times each id of the load tagged `tag` was applied, by the service and by
    the monolith, once nothing is left for the service to take and two counts a moment
    apart agree."""
    assert wait_until(lambda: queue_idle(stack), SETTLED_BOUND)
    counts: list[Counter[str]] = []

    def steady() -> bool:
        counts.append(applications(stack, tag))
        return len(counts) >= 2 and counts[-1] == counts[-2]

    assert wait_until(steady, SETTLED_BOUND)
    return counts[-1]


def applications(stack: Stack, tag: str) -> Counter[str]:
    """How many rows each id of the load tagged `tag` has, in the service's `orders` and
    in the monolith's `applied` together."""
    pattern = {"pattern": f"{tag}-%"}
    service = "SELECT item FROM orders WHERE item LIKE :pattern"
    counts = Counter(item for (item,) in run_sql(stack.database_url, service, pattern))
    connection = sqlite3.connect(stack.ledger, timeout=30)
    try:
        monolith = "SELECT write_id FROM applied WHERE write_id LIKE :pattern"
        counts.update(write_id for (write_id,) in connection.execute(monolith, pattern))
    finally:
        connection.close()
    return counts


def queue_idle(stack: Stack) -> bool:
    """Whether the service's queue holds no message, delivered or not."""
    vhost = unquote(urlsplit(stack.amqp_uri).path[1:]) or "/"
    listing = subprocess.run(
        [*LIST_QUEUES, "-p", vhost, "name", "messages_ready", "messages_unacknowledged"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split("\t") for line in listing.splitlines()]
    return all(row[1:] == ["0", "0"] for row in rows if row[0] == f"rpc-{SERVICE_NAME}")


def routes_view(stack: Stack) -> dict[str, Any]:
    answer = urllib3.request("GET", stack.admin + "/_strangler/routes", timeout=10, retries=False)
    view: dict[str, Any] = json.loads(answer.data)
    return view


def reloaded_clean(stack: Stack, rpc_timeout: float) -> bool:
    view = routes_view(stack)
    return view["rpc_timeout"] == rpc_timeout and view["last_reload_error"] is None


def replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` at once (a reader never sees half of it)."""
    staged = path.with_suffix(".new")
    staged.write_text(text)
    staged.replace(path)


def run_sql(
    database_url: str, statement: str, parameters: dict[str, str] | None = None
) -> list[Any]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sqlalchemy.text(statement), parameters or {})
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def tail(samples: list[Sample], kind: str) -> list[Sample]:
    """The last answers of `kind`, for a failure's message."""
    return [s for s in samples if s.kind == kind][-8:]
