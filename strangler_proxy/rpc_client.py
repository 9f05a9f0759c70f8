"""The proxy's Nameko RPC client: the shared pika client, failing fast, in the proxy's errors.

The wire protocol, the per-thread connections, their replacement and closing live in
`strangler/nameko_rpc.py`. The proxy sends with its FAIL_FAST delivery: a request
expires at the call's timeout, and a stopped or unknown service fails at once with
ServiceAbsent instead of a timeout. `proxy_error` is where the shared client's errors
become the proxy's own classes.

A keyed call whose broker connection broke mid-call (`routing.may_retry`) is sent once
more, on a new connection, with the same key and context, within what is left of its
timeout: the service applies the key once and answers the repeat with its first answer.
While that repeat is not taken (the service's consumer not back yet) or is refused as
still running (`RequestInProgress`), the proxy waits briefly and asks again while time
remains; then the last refusal is the answer (never a fallback: the first may have acted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from strangler.idempotency import IDEMPOTENCY_CONTEXT_KEY
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
    REMOTE_RETRY_AFTER,
    BrokerLinkLost,
    ProxyError,
    RemoteError,
    ServiceAbsent,
    ServiceTimeout,
    ServiceUnavailable,
)
from strangler_proxy.routing import may_retry

log = logging.getLogger(__name__)

CALLER_NAME = "strangler-proxy"
NOT_TAKEN_PAUSE = 0.2  # seconds between sends of a repeat the broker did not deliver


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
        seconds = self._rpc.timeout if timeout is None else timeout
        deadline = time.monotonic() + seconds
        try:
            return self._send(service, method, kwargs, call_id, context, seconds)
        except BrokerLinkLost as lost:
            if not may_retry(lost, keyed=IDEMPOTENCY_CONTEXT_KEY in (context or {})):
                raise
            log.warning(
                "%s.%s: %s; sending it again with its idempotency key", service, method, lost
            )
            return self._repeat(service, method, kwargs, call_id, context, deadline, lost)

    def _repeat(
        self,
        service: str,
        method: str,
        kwargs: dict[str, Any],
        call_id: str,
        context: Mapping[str, str] | None,
        deadline: float,
        lost: BrokerLinkLost,
    ) -> Any:
        """The repeat's answer, asked again until `deadline` while it is not taken or
        still running; then the last such refusal is raised."""
        refusal: ProxyError = lost
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                return self._send(service, method, kwargs, call_id, context, remaining)
            except ServiceUnavailable:  # not delivered: `lost` still says what happened
                pause = NOT_TAKEN_PAUSE
            except RemoteError as error:
                if error.exc_type not in REMOTE_RETRY_AFTER:
                    raise
                refusal, pause = error, REMOTE_RETRY_AFTER[error.exc_type]
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        raise refusal

    def _send(
        self,
        service: str,
        method: str,
        kwargs: dict[str, Any],
        call_id: str,
        context: Mapping[str, str] | None,
        seconds: float,
    ) -> Any:
        try:
            return self._rpc.call(
                service, method, kwargs, call_id=call_id, context=context, timeout=seconds
            )
        except (RpcUnavailable, RpcTimeout, RpcRemoteError) as failure:
            raise proxy_error(failure) from failure

    def reachable(self) -> bool:
        """Whether this thread can talk to the broker right now (see NamekoRpc.reachable)."""
        return self._rpc.reachable()

    def close(self) -> None:
        """Close the connections: idle ones now, each one in use when its call ends."""
        self._rpc.close()
