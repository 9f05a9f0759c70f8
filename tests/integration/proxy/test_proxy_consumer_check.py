"""The FAIL_FAST "is anyone consuming" check, cached briefly (real RabbitMQ, real `nameko run`).

A check that found consumers is trusted for `consumer_check_seconds`: calls inside that
window make no queue declare of their own; after it, or after a call that got no
answer, the check is made again, so a stopped service still fails at once. A call sent
inside the window to a service stopped meanwhile waits for its timeout, and its request
expires then: the instance started later never applies it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from ci_rules import require_command
from proxy_stack import close_connection_from_broker, delete_queues, start_service
from waiting import wait_until

from strangler.nameko_rpc import (
    CONSUMER_CHECK_SECONDS,
    FAIL_FAST,
    NamekoRpc,
    RpcServiceAbsent,
    RpcTimeout,
    _Link,
)
from strangler.processes import ProcessGroup, rpc_consumer_ready

pytestmark = pytest.mark.rabbitmq

SERVICE = "proxy_echo"


@pytest.fixture
def declares(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queues each passive queue declare (the consumer check) asked the broker about."""
    asked: list[str] = []
    real = _Link.consumer_count

    def counted(link: _Link, queue: str) -> int:
        asked.append(queue)
        return real(link, queue)

    monkeypatch.setattr(_Link, "consumer_count", counted)
    return asked


@pytest.fixture
def group(amqp_uri: str, tmp_path: Path) -> Iterator[ProcessGroup]:
    with ProcessGroup(tmp_path / "logs") as processes:
        yield processes
    delete_queues(amqp_uri, f"rpc-{SERVICE}")


def client(amqp_uri: str, window: float, timeout: float = 5.0) -> NamekoRpc:
    return NamekoRpc(
        amqp_uri,
        caller="consumer-check-test",
        delivery=FAIL_FAST,
        timeout=timeout,
        consumer_check_seconds=window,
    )


def stopped(amqp_uri: str, pid: int) -> Callable[[], bool]:
    """Kill the service; the check that says when the broker sees no consumer any more."""
    os.kill(pid, signal.SIGKILL)
    consuming = rpc_consumer_ready(amqp_uri, SERVICE)
    return lambda: not consuming()


def test_the_default_window_is_brief() -> None:
    assert 0 < CONSUMER_CHECK_SECONDS <= 1.0


def test_calls_inside_the_window_skip_the_check_and_the_first_after_it_checks(
    amqp_uri: str, group: ProcessGroup, declares: list[str]
) -> None:
    start_service(group, amqp_uri, "ProxyEchoService", SERVICE)
    rpc = client(amqp_uri, window=1.0)
    try:
        results = [rpc.call(SERVICE, "echo", {"n": n}) for n in range(20)]
        assert results == [{"n": n} for n in range(20)]
        assert declares == [f"rpc-{SERVICE}"]  # one check for twenty calls
        time.sleep(1.1)
        assert rpc.call(SERVICE, "echo", {"n": 20}) == {"n": 20}
        assert declares == [f"rpc-{SERVICE}"] * 2
    finally:
        rpc.close()


def test_a_service_stopped_is_seen_at_once_after_the_window(
    amqp_uri: str, group: ProcessGroup, declares: list[str]
) -> None:
    service = start_service(group, amqp_uri, "ProxyEchoService", SERVICE)
    rpc = client(amqp_uri, window=1.0, timeout=30.0)
    try:
        assert rpc.call(SERVICE, "echo", {}) == {}
        assert wait_until(stopped(amqp_uri, service.pid))
        time.sleep(1.1)
        started = time.monotonic()
        with pytest.raises(RpcServiceAbsent) as absent:
            rpc.call(SERVICE, "echo", {})
        assert absent.value.reason == "no consumers"
        assert time.monotonic() - started < 2  # not the 30 s timeout
        # "no consumers" is not kept: the next call asks the broker again
        with pytest.raises(RpcServiceAbsent):
            rpc.call(SERVICE, "echo", {})
        assert declares == [f"rpc-{SERVICE}"] * 3
    finally:
        rpc.close()


def test_a_call_inside_the_window_to_a_stopped_service_expires_and_is_never_applied(
    amqp_uri: str, group: ProcessGroup, declares: list[str]
) -> None:
    service = start_service(group, amqp_uri, "ProxyEchoService", SERVICE)
    rpc = client(amqp_uri, window=30.0, timeout=1.0)
    key = uuid.uuid4().hex
    try:
        assert rpc.call(SERVICE, "call_count", {"key": key}) == 0
        assert wait_until(stopped(amqp_uri, service.pid))
        with pytest.raises(RpcTimeout):  # not checked again: sent, and nobody took it
            rpc.call(SERVICE, "slow_write", {"key": key})
        assert declares == [f"rpc-{SERVICE}"]
        # a call that got no answer makes the next one check again
        with pytest.raises(RpcServiceAbsent):
            rpc.call(SERVICE, "call_count", {"key": key})
        assert declares == [f"rpc-{SERVICE}"] * 2

        start_service(group, amqp_uri, "ProxyEchoService", SERVICE)
        assert rpc.call(SERVICE, "call_count", {"key": key}) == 0  # it expired unapplied
    finally:
        rpc.close()


def test_a_connection_dropped_while_another_thread_checked_is_replaced_before_its_call(
    amqp_uri: str, group: ProcessGroup
) -> None:
    """The window is each connection's own: a thread whose connection the broker dropped
    checks before it sends, though another thread has just checked the same service."""
    require_command("rabbitmqctl", "it closes a client's connection from the broker side")
    start_service(group, amqp_uri, "ProxyEchoService", SERVICE)
    rpc = client(amqp_uri, window=1.0)
    first, second = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    try:
        assert first.submit(rpc.call, SERVICE, "echo", {"n": 1}).result() == {"n": 1}
        assert second.submit(rpc.call, SERVICE, "echo", {"n": 2}).result() == {"n": 2}
        close_connection_from_broker(second.submit(rpc.connection_name).result())
        time.sleep(1.1)
        assert first.submit(rpc.call, SERVICE, "echo", {"n": 3}).result() == {"n": 3}
        assert second.submit(rpc.call, SERVICE, "echo", {"n": 4}).result() == {"n": 4}
    finally:
        first.shutdown()
        second.shutdown()
        rpc.close()
