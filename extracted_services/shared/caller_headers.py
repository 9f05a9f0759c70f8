"""The caller's request headers, rebuilt from the Nameko context data the proxy passed.

The proxy sends, with every call, the Authorization, Accept-Language and User-Agent
headers as nameko's standard context keys, and each header a route's `context` names
(`header:X-Api-Key`) as the key `x_api_key` (`strangler/context_keys.py`). A
generated RPC method (`json_view`) rebuilds those headers in the request context it runs
the view in, so a guard that reads only headers checks the caller as the monolith does.
Cookies are never rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nameko.extensions import DependencyProvider

from strangler.context_keys import STANDARD_HEADERS, context_key

CONTEXT_DATA = "context_data"  # the service's attribute that holds `ContextData()`


class ContextData(DependencyProvider):
    """The call's context data (`worker_ctx.data`): what the proxy passed of the request."""

    def get_dependency(self, worker_ctx: Any) -> Mapping[str, Any]:
        return dict(worker_ctx.data)


def caller_headers(data: Mapping[str, Any], extra: Iterable[str]) -> dict[str, str]:
    """The standard headers and the `extra` ones the call's context data holds."""
    keys = {**STANDARD_HEADERS, **{header: context_key(header) for header in extra}}
    return {header: str(data[key]) for header, key in keys.items() if data.get(key) is not None}
