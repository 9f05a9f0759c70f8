"""How request headers travel to a Nameko service as context data: one rule, both sides.

The proxy sends each call the Authorization, Accept-Language and User-Agent headers
under nameko's own standard context keys, and each header or cookie a route's `context`
names under `context_key(name)` (docs/contracts.md, "Context data"); a generated service
rebuilds the headers from the same two rules, so the sides cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping

from nameko.constants import AUTH_TOKEN_CONTEXT_KEY, LANGUAGE_CONTEXT_KEY, USER_AGENT_CONTEXT_KEY

# the request header -> nameko's standard context key it travels as
STANDARD_HEADERS: Mapping[str, str] = {
    "Authorization": AUTH_TOKEN_CONTEXT_KEY,
    "Accept-Language": LANGUAGE_CONTEXT_KEY,
    "User-Agent": USER_AGENT_CONTEXT_KEY,
}


def context_key(name: str) -> str:
    """The key a route's `header:<name>` or `cookie:<name>` travels as: lower-cased, `-`
    written `_` (`header:X-Tenant-Id` -> `x_tenant_id`)."""
    return name.lower().replace("-", "_")
