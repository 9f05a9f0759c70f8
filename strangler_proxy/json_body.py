"""Read a request's JSON body for an RPC-method call, refusing what a service should never get.

Only RPC-method targets parse bodies (forwarded and envelope bodies pass as
bytes). Refused, as MalformedRequest (a 400): text that is not JSON, the
non-standard constants NaN and Infinity (they would not survive the trip to
the service as JSON) and values nested deeper than MAX_DEPTH, which would
otherwise cost the proxy and the service deep recursion.
"""

from __future__ import annotations

import json
from typing import Any

from strangler_proxy.errors import MalformedRequest

MAX_DEPTH = 64


def parse_json_body(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed body; MalformedRequest with the reason when it is not acceptable JSON."""
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest(f"the request body is not valid JSON: {exc}") from None
    if _depth(value) > max_depth:
        raise _too_deep(max_depth)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep(max_depth: int) -> MalformedRequest:
    return MalformedRequest(f"the request body's JSON is nested deeper than {max_depth} levels")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, level = pending.pop()
        deepest = max(deepest, level)
        children = container.values() if isinstance(container, dict) else container
        pending.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
