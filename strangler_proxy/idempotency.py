"""The idempotency key a service call carries: one per write, never the client's request id.

Pure. A request that may write (any method but GET/HEAD/OPTIONS) is sent with
the context data `idempotency_key` (`strangler/idempotency.py`), which a
service's `Idempotency` dependency applies at most once:

- the client's `Idempotency-Key` header, scoped by the matched route, the method
  and the user the proxy's auth check found (so two clients, or two endpoints,
  never share a key), hashed: `client:<sha256>`;
- otherwise `proxy:<nonce>`, the random nonce the proxy gave this request
  (`Request.nonce`), so a re-delivered call, or the proxy's own retry of it,
  is deduplicated. A client's `X-Request-Id` is never part of a key.
"""

from __future__ import annotations

import hashlib
import json

from strangler.idempotency import SAFE_METHODS
from strangler_proxy.http_types import Request

CLIENT_HEADER = "Idempotency-Key"


def idempotency_key(request: Request) -> str | None:
    """The key a call answering `request` carries; None for a method that does not write."""
    if request.method in SAFE_METHODS:
        return None
    client_key = (request.header(CLIENT_HEADER) or "").strip()
    if not client_key:
        return f"proxy:{request.nonce}"
    rule = request.match.rule if request.match else request.path
    scope = json.dumps([rule, request.method, request.user_id, client_key])
    return f"client:{hashlib.sha256(scope.encode()).hexdigest()}"
