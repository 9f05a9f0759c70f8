"""The Nameko context data a service call carries, taken from the request.

Pure. Each key travels as the AMQP header `nameko.<key>` (`rpc_client.py`),
which nameko unpacks into `worker_ctx.data[key]`; services read the standard
keys with nameko's `contextdata` providers (`AuthToken`, `Language`,
`UserAgent`, `UserId`) and a route's extra ones with a `ContextDataProvider`
subclass naming the key. The keys are nameko's own constants, so the two sides
cannot drift apart. A call that may write also carries `idempotency_key`
(`idempotency.py`). The call chain (`call_id_stack`) is the RPC client's job.
"""

from __future__ import annotations

from nameko.constants import CALL_ID_STACK_CONTEXT_KEY, USER_ID_CONTEXT_KEY

from strangler.context_keys import STANDARD_HEADERS
from strangler.idempotency import IDEMPOTENCY_CONTEXT_KEY
from strangler_proxy.http_types import Request
from strangler_proxy.idempotency import idempotency_key
from strangler_proxy.route_table import PassedValue

# keys only the proxy sets: a route's extra header or cookie may not take them
RESERVED_KEYS = frozenset(
    {
        *STANDARD_HEADERS.values(),
        USER_ID_CONTEXT_KEY,
        CALL_ID_STACK_CONTEXT_KEY,
        IDEMPOTENCY_CONTEXT_KEY,
    }
)


def context_data(request: Request) -> dict[str, str]:
    """The context keys for a call answering `request` (absent header or cookie: no key).

    `user_id` is the user the proxy's auth check found, never anything the client sent;
    `idempotency_key` is set for a method that may write.
    """
    data = {
        key: value
        for header, key in STANDARD_HEADERS.items()
        if (value := request.header(header)) is not None
    }
    for passed in request.match.context if request.match else ():
        value = _value_of(request, passed)
        if value is not None:
            data[passed.context_key] = value
    if request.user_id is not None:
        data[USER_ID_CONTEXT_KEY] = request.user_id
    key = idempotency_key(request)
    if key is not None:
        data[IDEMPOTENCY_CONTEXT_KEY] = key
    return data


def _value_of(request: Request, passed: PassedValue) -> str | None:
    return request.cookie(passed.name) if passed.source == "cookie" else request.header(passed.name)
