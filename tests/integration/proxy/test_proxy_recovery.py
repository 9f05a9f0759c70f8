"""A service route comes back as soon as the service can answer again (real proxy, service,
broker), while the breaker still guards against a service that takes calls and never answers.

The breaker here opens after one unanswered call and stays open 30 s, far longer than
each test: a fault counted against the service would send every later request of the
test to the monolith with `fallback=circuit-open`. What each request got is read from
X-Strangler-Backend, never from timings.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import pytest
import urllib3
from ci_rules import require_command
from proxy_stack import (
    close_connections_from_broker,
    delete_queues,
    start_monolith,
    start_proxy,
    start_service,
)
from waiting import wait_until

from strangler.nameko_rpc import CONSUMER_CHECK_SECONDS
from strangler.processes import ProcessGroup, rpc_consumer_ready
from strangler_proxy.rpc_client import CALLER_NAME, RpcClient

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = 4
breaker_failures = 1
breaker_open_seconds = 30

[[route]]
path = "/api/spare/<int:item_id>"
target = "proxy_spare.get_item"
mode = "service"

[[route]]
path = "/api/slow/<key>"
target = "proxy_echo.slow_write"
mode = "service"
timeout = 30  # longer than rabbitmqctl may take to cut the call off

[[route]]
path = "/api/echo/<name>"
target = "proxy_echo.echo"
mode = "service"
"""


@dataclass
class Stack:
    proxy: str
    amqp_uri: str
    group: ProcessGroup
    echo_pid: int


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("proxy-recovery")
    with ProcessGroup(workdir / "logs") as group:
        monolith = start_monolith(group)
        echo = start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        routes = workdir / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        proxy, _admin = start_proxy(group, routes)
        yield Stack(proxy, amqp_uri, group, echo.pid)
    delete_queues(amqp_uri, "rpc-proxy_echo", "rpc-proxy_spare")


def backend(stack: Stack, path: str) -> str:
    answer = urllib3.request("GET", stack.proxy + path, retries=False, timeout=30)
    return str(answer.headers["X-Strangler-Backend"])


def test_a_killed_service_is_not_waited_on_and_serves_the_first_request_once_back(
    stack: Stack,
) -> None:
    spare = start_service(stack.group, stack.amqp_uri, "ProxySpareService", "proxy_spare")
    assert backend(stack, "/api/spare/1") == "service"
    os.kill(spare.pid, signal.SIGKILL)
    consuming = rpc_consumer_ready(stack.amqp_uri, "proxy_spare")
    assert wait_until(lambda: not consuming())
    # the proxy trusts its last "it has consumers" this long; a call inside that window
    # is sent, and waits for its timeout (tests/integration/proxy/test_proxy_consumer_check.py)
    time.sleep(CONSUMER_CHECK_SECONDS)

    # more requests than it takes to open the breaker, each failing fast as never sent
    dead = [backend(stack, f"/api/spare/{n}") for n in range(5)]
    assert dead == ["monolith; fallback=no-consumers"] * 5

    start_service(stack.group, stack.amqp_uri, "ProxySpareService", "proxy_spare")
    # the first requests once it consumes again are its own: no breaker period to sit out
    assert [backend(stack, f"/api/spare/{n}") for n in range(3)] == ["service"] * 3


def test_a_call_the_broker_cut_off_is_no_failure_of_the_service(stack: Stack) -> None:
    require_command("rabbitmqctl", "it closes the proxy's connections from the broker side")
    assert backend(stack, "/api/echo/before") == "service"
    key = f"cut-{os.getpid()}"
    cut: list[str] = []
    call = threading.Thread(target=lambda: cut.append(backend(stack, f"/api/slow/{key}")))
    call.start()
    counter = RpcClient(stack.amqp_uri, timeout=5)
    try:
        # the service got the call; held there, it answers only after the connection is cut
        assert wait_until(
            lambda: counter.call("proxy_echo", "call_count", {"key": key}, call_id="c") == 1
        )
        os.kill(stack.echo_pid, signal.SIGSTOP)
        try:
            close_proxy_connections(stack.amqp_uri)
            call.join()
        finally:
            os.kill(stack.echo_pid, signal.SIGCONT)
    finally:
        counter.close()
    assert cut == ["monolith; fallback=timeout"]  # sent, so it may have acted: a timeout
    # the next calls reconnect at once and reach the service; the breaker stayed closed
    assert [backend(stack, f"/api/echo/after{n}") for n in range(3)] == ["service"] * 3


def close_proxy_connections(amqp_uri: str) -> None:
    """Make RabbitMQ close the proxy's connections (not this process's) on the test's vhost."""
    vhost = unquote(urlsplit(amqp_uri).path[1:]) or "/"
    proxys, ours = f'"{CALLER_NAME} pid=', f"pid={os.getpid()} "

    def picked(on: str, properties: str) -> bool:
        return on == vhost and proxys in properties and ours not in properties

    assert close_connections_from_broker(picked) >= 1
