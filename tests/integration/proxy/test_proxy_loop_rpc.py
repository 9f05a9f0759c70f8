"""The event loop's RPC client against a real RabbitMQ and real `nameko run` services."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import uvloop
from ci_rules import require_command
from nameko.constants import AUTH_TOKEN_CONTEXT_KEY, LANGUAGE_CONTEXT_KEY
from proxy_stack import (
    SLOW_SECONDS,
    close_connection_from_broker,
    delete_queues,
    hand_made_service,
    start_service,
)

from strangler.nameko_rpc import RpcLinkLost, RpcRemoteError, RpcTimeout, RpcUnavailable
from strangler.processes import ProcessGroup, free_port
from strangler_proxy.backends.loop_rpc import Failure, LoopRpc

pytestmark = pytest.mark.rabbitmq

Outcome = tuple[Any, Failure | None]


@pytest.fixture(scope="module")
def services(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with ProcessGroup(tmp_path_factory.mktemp("loop-rpc-logs")) as group:
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        start_service(
            group, amqp_uri, "ProxyContextService", "proxy_context", "proxy_context_service"
        )
        yield
    delete_queues(amqp_uri, "rpc-proxy_echo", "rpc-proxy_context")


def on_loop(
    amqp_uri: str,
    work: Callable[[LoopRpc], Awaitable[Any]],
    timeout: float = 5.0,
    caller: str = "strangler-proxy",
) -> Any:
    """Run `work(client)` on a fresh uvloop, as a proxy worker does; the client closed after."""

    async def main() -> Any:
        rpc = LoopRpc(amqp_uri, caller=caller, timeout=timeout)
        try:
            return await work(rpc)
        finally:
            rpc.close()

    return uvloop.run(main())


async def call(
    rpc: LoopRpc,
    service: str,
    method: str,
    kwargs: dict[str, Any],
    *,
    context: dict[str, str] | None = None,
    timeout: float | None = None,
    call_id: str = "r",
) -> Outcome:
    """The call's (result, failure), once its reply comes."""
    told: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
    rpc.call(
        service,
        method,
        kwargs,
        call_id=call_id,
        context=context,
        timeout=timeout,
        reply=lambda result, failure: told.set_result((result, failure)),
    )
    return await told


def test_a_call_returns_the_result_and_passes_kwargs(services: None, amqp_uri: str) -> None:
    kwargs = {"item_id": 3, "query": {"q": "lamp"}, "body": {"n": [1, 2]}}

    async def work(rpc: LoopRpc) -> list[Outcome]:
        return [
            await call(rpc, "proxy_echo", "echo", kwargs),
            await call(rpc, "proxy_echo", "get_item", {"item_id": 5}),
        ]

    assert on_loop(amqp_uri, work) == [(kwargs, None), ({"id": 5, "source": "service"}, None)]


def test_many_calls_wait_at_once_and_each_gets_its_own_reply(services: None, amqp_uri: str) -> None:
    async def work(rpc: LoopRpc) -> list[Outcome]:
        return await asyncio.gather(
            *(call(rpc, "proxy_echo", "echo", {"n": n}, call_id=f"c{n}") for n in range(60))
        )

    assert on_loop(amqp_uri, work) == [({"n": n}, None) for n in range(60)]


def test_remote_errors_carry_the_exception_class_and_message(services: None, amqp_uri: str) -> None:
    async def work(rpc: LoopRpc) -> list[tuple[str, str]]:
        failures = [
            (await call(rpc, "proxy_echo", "get_item", {"item_id": 404}))[1],
            (await call(rpc, "proxy_echo", "crash", {}))[1],
            (await call(rpc, "proxy_echo", "no_such_method", {}))[1],
        ]
        assert all(isinstance(failure, RpcRemoteError) for failure in failures)
        return [(f.exc_type, f.value) for f in failures if isinstance(f, RpcRemoteError)]

    found = on_loop(amqp_uri, work)
    assert found[0] == ("NotFound", "item 404 not found")
    assert [exc_type for exc_type, _ in found[1:]] == ["ValueError", "MethodNotFound"]


def test_the_context_data_and_the_request_id_reach_the_service(
    services: None, amqp_uri: str
) -> None:
    context = {
        AUTH_TOKEN_CONTEXT_KEY: "Bearer t0k",
        LANGUAGE_CONTEXT_KEY: "fr",
        "x_tenant_id": "acme",
    }

    async def work(rpc: LoopRpc) -> Outcome:
        return await call(rpc, "proxy_context", "seen", {}, context=context, call_id="req-42")

    seen, failure = on_loop(amqp_uri, work)
    assert failure is None
    assert (seen["auth_token"], seen["language"], seen["tenant"]) == ("Bearer t0k", "fr", "acme")
    assert seen["user_id"] is None  # only what the context carried
    assert seen["call_id_stack"][0] == "strangler-proxy.req-42"


def test_an_unknown_service_is_unavailable_at_once(services: None, amqp_uri: str) -> None:
    async def work(rpc: LoopRpc) -> tuple[Outcome, float, Outcome]:
        started = time.monotonic()
        missing = await call(rpc, "proxy_nobody", "anything", {})
        took = time.monotonic() - started
        return missing, took, await call(rpc, "proxy_echo", "call_count", {"key": "none"})

    (result, failure), took, after = on_loop(amqp_uri, work, timeout=30.0)
    assert isinstance(failure, RpcUnavailable) and failure.reason == "unroutable", failure
    assert (failure.service, result) == ("proxy_nobody", None)
    assert took < 2
    assert after == (0, None)  # the client is still usable


def test_a_queue_without_consumers_is_unavailable_and_gets_nothing(amqp_uri: str) -> None:
    with hand_made_service(amqp_uri, "proxy_ghost", taking=False) as channel:
        _, failure = on_loop(amqp_uri, lambda rpc: call(rpc, "proxy_ghost", "get", {}))
        assert isinstance(failure, RpcUnavailable) and failure.reason == "no consumers", failure
        assert channel.queue_declare("rpc-proxy_ghost", passive=True).method.message_count == 0


def test_a_timed_out_call_was_delivered_once_and_its_late_reply_is_dropped(
    services: None, amqp_uri: str
) -> None:
    key = uuid.uuid4().hex

    async def work(rpc: LoopRpc) -> tuple[Outcome, float, Outcome]:
        started = time.monotonic()
        timed_out = await call(rpc, "proxy_echo", "slow_write", {"key": key}, timeout=0.5)
        took = time.monotonic() - started
        await asyncio.sleep(SLOW_SECONDS + 0.5)  # its reply came meanwhile
        return timed_out, took, await call(rpc, "proxy_echo", "call_count", {"key": key})

    (result, failure), took, after = on_loop(amqp_uri, work)
    assert isinstance(failure, RpcTimeout) and not isinstance(failure, RpcLinkLost), failure
    assert result is None and took < SLOW_SECONDS
    assert after == (1, None)  # applied once, never sent again, and this call got its own


def test_a_cancelled_call_tells_nobody(services: None, amqp_uri: str) -> None:
    key = uuid.uuid4().hex
    told: list[Outcome] = []

    async def work(rpc: LoopRpc) -> Outcome:
        sent = rpc.call(
            "proxy_echo",
            "slow_write",
            {"key": key},
            call_id="gone",
            context=None,
            reply=lambda result, failure: told.append((result, failure)),
        )
        await asyncio.sleep(0.2)
        sent.cancel()
        await asyncio.sleep(SLOW_SECONDS + 0.5)
        return await call(rpc, "proxy_echo", "call_count", {"key": key})

    assert on_loop(amqp_uri, work) == (1, None)
    assert told == []


def test_a_call_waiting_when_the_broker_closes_the_connection_is_lost_and_the_next_reconnects(
    services: None, amqp_uri: str
) -> None:
    require_command("rabbitmqctl", "it closes the client's connection from the broker side")

    async def work(rpc: LoopRpc) -> tuple[Outcome, Outcome]:
        await call(rpc, "proxy_echo", "call_count", {"key": "x"})  # the connection is up
        waiting = asyncio.ensure_future(call(rpc, "proxy_silent", "anything", {}))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(close_connection_from_broker, rpc.connection_name())
        lost = await asyncio.wait_for(waiting, 5.0)
        return lost, await call(rpc, "proxy_echo", "call_count", {"key": "x"})

    caller = f"loop-rpc-test-{uuid.uuid4().hex[:8]}"  # its connection's name is its own
    with hand_made_service(amqp_uri, "proxy_silent", taking=True):
        (_, failure), after = on_loop(amqp_uri, work, timeout=30.0, caller=caller)
    assert isinstance(failure, RpcLinkLost), failure
    assert after == (0, None)


def test_a_broker_that_is_down_makes_the_service_unavailable() -> None:
    uri = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    _, failure = on_loop(uri, lambda rpc: call(rpc, "proxy_echo", "echo", {}), timeout=2.0)
    assert isinstance(failure, RpcUnavailable), failure
    assert (failure.service, failure.reason) == ("proxy_echo", "broker down")


def test_a_closed_client_answers_the_calls_waiting_then_takes_no_more(
    services: None, amqp_uri: str
) -> None:
    key = uuid.uuid4().hex

    async def work(rpc: LoopRpc) -> tuple[Outcome, Outcome]:
        waiting = asyncio.ensure_future(call(rpc, "proxy_echo", "slow_write", {"key": key}))
        await asyncio.sleep(0.2)
        rpc.close()  # a reload replaced it: the call under way is still answered
        return await waiting, await call(rpc, "proxy_echo", "call_count", {"key": key})

    answered, (_, refused) = on_loop(amqp_uri, work)
    assert answered == ({"done": key}, None)
    assert isinstance(refused, RpcUnavailable) and refused.reason == "the proxy is stopping"


def test_a_call_connecting_when_the_client_is_retired_is_still_sent_and_answered(
    services: None, amqp_uri: str
) -> None:
    """A reload may retire the client between a call's start and its send."""

    async def work(rpc: LoopRpc) -> Outcome:
        connecting = asyncio.ensure_future(call(rpc, "proxy_echo", "echo", {"n": 1}))
        await asyncio.sleep(0)  # the call started
        rpc.close()
        return await connecting

    assert on_loop(amqp_uri, work) == ({"n": 1}, None)


def test_a_call_checking_for_consumers_when_the_client_is_retired_is_still_sent_and_answered(
    services: None, amqp_uri: str
) -> None:
    async def work(rpc: LoopRpc) -> Outcome:
        rpc.consumer_check_seconds = 0  # every call checks for consumers first
        assert await call(rpc, "proxy_echo", "echo", {"n": 1}) == ({"n": 1}, None)
        checking = asyncio.ensure_future(call(rpc, "proxy_echo", "echo", {"n": 2}))
        await asyncio.sleep(0.001)  # the call is checking
        rpc.close()
        return await checking

    assert on_loop(amqp_uri, work) == ({"n": 2}, None)
