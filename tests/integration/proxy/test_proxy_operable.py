"""`strangler proxy` with several gunicorn workers: metrics summed over them, and restarts."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from proxy_stack import delete_queues, start_monolith, start_proxy, start_service

from strangler.processes import ProcessGroup

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"

[[route]]
path = "/api/items/<int:item_id>"
target = "proxy_echo.get_item"
mode = "service"
"""

REQUESTS = "strangler_proxy_requests_total"


@dataclass(frozen=True)
class Stack:
    proxy: str
    admin: str
    metrics_parent: Path


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-operable")
    temporary = logs / "tmp"  # where the proxy makes its metrics directory
    temporary.mkdir()
    with ProcessGroup(logs) as group:
        monolith = start_monolith(group)
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        routes = logs / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        proxy, admin = start_proxy(group, routes, workers=2, env={"TMPDIR": str(temporary)})
        yield Stack(proxy, admin, temporary)
    delete_queues(amqp_uri, "rpc-proxy_echo")


def send_each_on_its_own_connection(base: str, paths: list[str]) -> list[int]:
    """Every request on a new connection, several at once, so both workers take some."""

    def one(path: str) -> int:
        return urllib3.request("GET", base + path, headers={"Connection": "close"}).status

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, paths))


def requests_counted(admin: str) -> dict[tuple[str, str, str], int]:
    """(route, backend, status class) -> count, from /_strangler/metrics."""
    text = urllib3.request("GET", admin + "/_strangler/metrics").data.decode()
    pattern = rf'^{REQUESTS}{{route="([^"]*)",backend="(\w+)",status_class="(\w+)"}} (\d+)$'
    return {
        (route, backend, status): int(count)
        for route, backend, status, count in re.findall(pattern, text, re.M)
    }


def eventually(check: Callable[[], object], expected: object, timeout: float = 10.0) -> None:
    """Workers write their counters every half second: wait for `check()` to be `expected`."""
    deadline = time.monotonic() + timeout
    while (found := check()) != expected:
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def worker_files(stack: Stack) -> list[Path]:
    return sorted(stack.metrics_parent.glob("strangler-proxy-metrics-*/worker-*.json"))


def test_metrics_add_up_every_workers_requests_and_outlive_a_restarted_worker(
    stack: Stack,
) -> None:
    paths = ["/api/items/7"] * 40 + ["/api/items/404"] * 10 + ["/headers"] * 10
    statuses = send_each_on_its_own_connection(stack.proxy, paths)
    assert sorted(set(statuses)) == [200, 404]
    expected = {
        ("/api/items/<int:item_id>", "service", "2xx"): 40,
        ("/api/items/<int:item_id>", "service", "4xx"): 10,
        ("(no route)", "monolith", "2xx"): 10,
    }
    eventually(lambda: requests_counted(stack.admin), expected)
    written = [path for path in worker_files(stack) if path.stat().st_size > 2]
    assert len(written) == 2, "both workers should have answered some requests"

    pid = int(written[0].name.split("-")[1])
    os.kill(pid, signal.SIGTERM)  # gunicorn starts another worker in its place
    eventually(lambda: len(worker_files(stack)) >= 2 and _gone(pid), True)
    send_each_on_its_own_connection(stack.proxy, ["/headers"] * 20)
    expected[("(no route)", "monolith", "2xx")] += 20
    eventually(lambda: requests_counted(stack.admin), expected)

    text = urllib3.request("GET", stack.admin + "/_strangler/metrics").data.decode()
    assert "# TYPE strangler_proxy_request_duration_seconds histogram" in text
    count = 'strangler_proxy_request_duration_seconds_count{route="(no route)",backend="monolith"}'
    assert f"{count} 30" in text


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


TABLE_A = 'monolith = "http://127.0.0.1:9"\n'
TABLE_B = TABLE_A + '\n[[route]]\npath = "/headers"\nmode = "monolith"\n'
BROKEN = TABLE_B.replace("mode =", "mdoe =")
SAID = "routes file is bad, serving the last good table (--state-dir): line 5: route #1: unknown"


def replace_file(path: Path, text: str) -> None:
    """Rename a new file into place, as an operator should."""
    path.with_suffix(".new").write_text(text)
    path.with_suffix(".new").replace(path)


def served_rules(admin: str) -> tuple[list[str], str | None]:
    view = urllib3.request("GET", admin + "/_strangler/routes").json()
    return [route["path"] for route in view["routes"]], view["last_reload_error"]


def test_a_worker_restarted_on_a_bad_file_serves_the_last_good_table_from_the_state_dir(
    tmp_path: Path,
) -> None:
    routes, state = tmp_path / "routes.toml", tmp_path / "state"
    routes.write_text(TABLE_A)
    with ProcessGroup(tmp_path / "logs") as group:
        _, admin = start_proxy(group, routes, options=("--state-dir", str(state)))
        proxy = group.processes[-1]
        replace_file(routes, TABLE_B)  # a later good table, which the command line never saw
        eventually(lambda: served_rules(admin), (["/headers"], None))
        assert (state / "last-good-routes.toml").read_text() == TABLE_B
        replace_file(routes, BROKEN)
        eventually(lambda: served_rules(admin)[1] is not None, True)

        os.kill(proxy.pid, signal.SIGHUP)  # gunicorn's master replaces its workers
        eventually(lambda: SAID in proxy.log_tail(100), True)
        assert served_rules(admin)[0] == ["/headers"]
        time.sleep(1.5)  # a worker re-checks the file every second: it must not say it again
        log = proxy.log_tail(200)
        assert log.count("routes file is bad") == 1, log
        assert str(tmp_path) not in log
    assert (state / "last-good-routes.toml").stat().st_mode & 0o077 == 0
