"""A stalled service cannot take the proxy down with it (real proxy, service and broker).

The service is frozen with SIGSTOP: its calls are delivered but never answered. With a
cap of two calls in flight for it, once those two have waited, the proxy's other threads
keep serving: a monolith route sent after four more service calls is answered before any
of the stuck calls could have timed out (checked by the order of the answers). Once two calls in a
row went unanswered, the breaker turns the next ones away at once, and a probe after it
reopens the way when the service answers again.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from proxy_stack import start_monolith, start_proxy, start_service
from waiting import wait_until

from strangler.processes import ProcessGroup
from strangler_proxy.isolation import STALLED_SECONDS

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = 4
service_max_in_flight = 2
breaker_failures = 2
breaker_open_seconds = 1

[[route]]
path = "/api/spare/<int:item_id>"
target = "proxy_spare.get_item"
mode = "service"
"""


@pytest.fixture
def stalled(amqp_uri: str, tmp_path: Path) -> Iterator[tuple[str, int]]:
    with ProcessGroup(tmp_path / "logs") as group:
        monolith = start_monolith(group)
        service = start_service(group, amqp_uri, "ProxySpareService", "proxy_spare")
        routes = tmp_path / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        proxy, _admin = start_proxy(group, routes)
        try:
            yield proxy, service.pid
        finally:
            os.kill(service.pid, signal.SIGCONT)  # so the group can stop it


def _get(proxy: str, path: str) -> urllib3.BaseHTTPResponse:
    return urllib3.request("GET", proxy + path, retries=False, timeout=30)


def test_a_stalled_service_leaves_the_other_routes_served_and_then_fails_fast(
    stalled: tuple[str, int],
) -> None:
    proxy, service_pid = stalled
    assert _get(proxy, "/api/spare/1").headers["X-Strangler-Backend"] == "service"
    os.kill(service_pid, signal.SIGSTOP)

    finished: list[str] = []
    lock = threading.Lock()

    def fetch(path: str, label: str) -> None:
        answer = _get(proxy, path)
        with lock:
            finished.append(f"{label} {answer.headers['X-Strangler-Backend']}")

    spare = [threading.Thread(target=fetch, args=(f"/api/spare/{n}", "spare")) for n in range(6)]
    for thread in spare[:2]:
        thread.start()
    time.sleep(STALLED_SECONDS + 0.3)  # the two stuck calls are old enough to mean a stall
    for thread in spare[2:]:
        thread.start()
    assert wait_until(lambda: sum("busy" in f for f in finished) == 4, timeout=10)
    fetch("/api/items/1", "monolith-route")
    for thread in spare:
        thread.join()

    stuck = [f for f in finished if "timeout" in f]
    assert len(stuck) == 2, finished  # only the cap's worth of calls waited on the service
    first_stuck = finished.index(stuck[0])
    assert finished.index("monolith-route monolith") < first_stuck, finished
    assert sum("fallback=busy" in f for f in finished) == 4, finished

    # two calls in a row unanswered: the breaker is open, the next read falls back at once
    assert _get(proxy, "/api/spare/9").headers["X-Strangler-Backend"] == (
        "monolith; fallback=circuit-open"
    )
    os.kill(service_pid, signal.SIGCONT)

    def served_again() -> bool:
        return _get(proxy, "/api/spare/9").headers["X-Strangler-Backend"] == "service"

    assert wait_until(served_again, timeout=20)  # a probe after breaker_open_seconds
