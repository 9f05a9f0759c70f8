"""The idempotency key's name on the wire, defined once for the proxy and the services.

Every service call that may write carries a key as the Nameko context data
`idempotency_key` (AMQP header `nameko.idempotency_key`): the proxy makes it
(`strangler_proxy/idempotency.py`), a service's `Idempotency` dependency
(`extracted_services/shared/idempotency.py`) applies each key at most once.
"""

from __future__ import annotations

IDEMPOTENCY_CONTEXT_KEY = "idempotency_key"
# the table in each service's own database that holds the keys it applied (its own, not a
# copy of the monolith's: backfills leave it alone)
IDEMPOTENCY_TABLE = "strangler_idempotency"
# methods that never write (RFC 9110 safe methods): their calls carry no key
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
