"""The pika RPC client against a real RabbitMQ and a real `nameko run` service."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ci_rules import require_command
from proxy_stack import (
    SLOW_SECONDS,
    close_connection_from_broker,
    delete_queues,
    hand_made_service,
    start_service,
)

from strangler.processes import ProcessGroup, free_port
from strangler_proxy.errors import RemoteError, ServiceTimeout, ServiceUnavailable
from strangler_proxy.rpc_client import RpcClient

pytestmark = pytest.mark.rabbitmq


@pytest.fixture(scope="module")
def echo_service(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ProcessGroup(tmp_path_factory.mktemp("rpc-client-logs")) as group:
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        yield "proxy_echo"
    delete_queues(amqp_uri, "rpc-proxy_echo")


@pytest.fixture
def client(amqp_uri: str) -> Iterator[RpcClient]:
    rpc = RpcClient(amqp_uri, timeout=5.0)
    yield rpc
    rpc.close()


def test_a_call_returns_the_result_and_passes_kwargs(echo_service: str, client: RpcClient) -> None:
    kwargs = {"item_id": 3, "query": {"q": "lamp"}, "body": {"n": [1, 2]}}
    assert client.call(echo_service, "echo", kwargs, call_id="r1") == kwargs
    assert client.call(echo_service, "get_item", {"item_id": 5}, call_id="r2") == {
        "id": 5,
        "source": "service",
    }


def test_remote_errors_carry_the_exception_class_and_message(
    echo_service: str, client: RpcClient
) -> None:
    with pytest.raises(RemoteError) as not_found:
        client.call(echo_service, "get_item", {"item_id": 404}, call_id="r3")
    assert (not_found.value.exc_type, not_found.value.value) == ("NotFound", "item 404 not found")
    with pytest.raises(RemoteError) as crash:
        client.call(echo_service, "crash", {}, call_id="r4")
    assert crash.value.exc_type == "ValueError"
    with pytest.raises(RemoteError) as unknown:
        client.call(echo_service, "no_such_method", {}, call_id="r5")
    assert unknown.value.exc_type == "MethodNotFound"


def test_the_request_id_travels_in_the_call_id_stack(echo_service: str, client: RpcClient) -> None:
    stack = client.call(echo_service, "stack", {}, call_id="req-42")
    assert stack[0] == "strangler-proxy.req-42"
    assert stack[-1].startswith("proxy_echo.stack.")


def test_an_unknown_service_is_unavailable_at_once_not_a_timeout(
    echo_service: str, amqp_uri: str
) -> None:
    slow_client = RpcClient(amqp_uri, timeout=30.0)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        slow_client.call("proxy_nobody", "anything", {}, call_id="r6")
    assert caught.value.reason == "unroutable"
    assert time.monotonic() - started < 2
    # the client is still usable afterwards
    assert slow_client.call(echo_service, "call_count", {"key": "none"}, call_id="r7") == 0
    slow_client.close()


def test_a_queue_without_consumers_is_unavailable(amqp_uri: str, client: RpcClient) -> None:
    with hand_made_service(amqp_uri, "proxy_ghost", taking=False) as channel:
        with pytest.raises(ServiceUnavailable) as caught:
            client.call("proxy_ghost", "get", {}, call_id="r8")
        assert caught.value.reason == "no consumers"
        assert channel.queue_declare("rpc-proxy_ghost", passive=True).method.message_count == 0


def test_a_timed_out_call_was_delivered_once_and_is_not_sent_again(
    echo_service: str, amqp_uri: str, client: RpcClient
) -> None:
    key = uuid.uuid4().hex
    impatient = RpcClient(amqp_uri, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ServiceTimeout):
        impatient.call(echo_service, "slow_write", {"key": key}, call_id="r9")
    assert time.monotonic() - started < SLOW_SECONDS
    time.sleep(SLOW_SECONDS + 0.5)
    assert client.call(echo_service, "call_count", {"key": key}, call_id="r10") == 1
    # the late reply is dropped; the next call on the same client gets its own answer
    assert impatient.call(echo_service, "call_count", {"key": key}, call_id="r11") == 1
    impatient.close()


def test_the_client_reconnects_after_the_broker_closed_its_connection(
    echo_service: str, client: RpcClient
) -> None:
    require_command("rabbitmqctl", "it closes the client's connection from the broker side")
    assert client.call(echo_service, "call_count", {"key": "x"}, call_id="r12") == 0
    close_connection_from_broker(client.connection_name())
    time.sleep(0.2)
    assert client.call(echo_service, "call_count", {"key": "x"}, call_id="r13") == 0


def test_a_broker_that_is_down_makes_the_service_unavailable(tmp_path: Path) -> None:
    client = RpcClient(f"amqp://guest:guest@127.0.0.1:{free_port()}/", timeout=2.0)
    with pytest.raises(ServiceUnavailable) as caught:
        client.call("proxy_echo", "echo", {}, call_id="r14")
    assert caught.value.reason == "broker down"
    assert client.reachable() is False


def test_health_reconnects_before_it_says_the_broker_is_down(
    echo_service: str, client: RpcClient
) -> None:
    """The broker dropped the idle connection; it is still up, so health must say so."""
    require_command("rabbitmqctl", "it closes the client's connection from the broker side")
    assert client.reachable() is True
    close_connection_from_broker(client.connection_name())
    time.sleep(0.2)
    assert client.reachable() is True
