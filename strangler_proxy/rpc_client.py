"""The proxy's Nameko RPC client: the shared pika client, failing fast, in the proxy's errors.

The wire protocol, the per-thread connections, their replacement and closing live in
`strangler/nameko_rpc.py`. The proxy sends with its FAIL_FAST delivery: a request
expires at the call's timeout, and a stopped or unknown service fails at once with
ServiceAbsent instead of a timeout. `proxy_error` is where the shared client's errors
become the proxy's own classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strangler.nameko_rpc import (
    FAIL_FAST,
    NamekoRpc,
    RpcLinkLost,
    RpcRemoteError,
    RpcServiceAbsent,
    RpcTimeout,
    RpcUnavailable,
)
from strangler_proxy.errors import (
    BrokerLinkLost,
    ProxyError,
    RemoteError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
)

CALLER_NAME = "strangler-proxy"


def proxy_error(failure: RpcUnavailable | RpcTimeout | RpcRemoteError) -> ProxyError:
    """The proxy's error for a call the shared client could not complete."""
    if isinstance(failure, RpcRemoteError):
        return RemoteError(failure.exc_type, failure.value)
    if isinstance(failure, RpcUnavailable):
        unavailable = ServiceAbsent if isinstance(failure, RpcServiceAbsent) else ServiceUnavailable
        return unavailable(failure.service, failure.reason)
    unanswered = BrokerLinkLost if isinstance(failure, RpcLinkLost) else ServiceTimeout
    return unanswered(failure.service, failure.detail)


class RpcClient:
    """Calls `service.method(**kwargs)` over RabbitMQ; safe to use from many threads."""

    def __init__(self, amqp_uri: str, *, timeout: float = 5.0) -> None:
        self._rpc = NamekoRpc(amqp_uri, caller=CALLER_NAME, delivery=FAIL_FAST, timeout=timeout)

    def connection_name(self) -> str:
        """The name this thread's connection shows in the broker's connection list."""
        return self._rpc.connection_name()

    def call(
        self,
        service: str,
        method: str,
        kwargs: dict[str, Any],
        *,
        call_id: str,
        context: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call the remote method; raises ServiceUnavailable, ServiceTimeout or RemoteError.

        `call_id` starts the call chain; `context` is sent as nameko context data;
        `timeout` (a route's own) replaces the client's for this call.
        """
        try:
            return self._rpc.call(
                service, method, kwargs, call_id=call_id, context=context, timeout=timeout
            )
        except (RpcUnavailable, RpcTimeout, RpcRemoteError) as failure:
            raise proxy_error(failure) from failure

    def reachable(self) -> bool:
        """Whether this thread can talk to the broker right now (see NamekoRpc.reachable)."""
        return self._rpc.reachable()

    def close(self) -> None:
        """Close the connections: idle ones now, each one in use when its call ends."""
        self._rpc.close()
