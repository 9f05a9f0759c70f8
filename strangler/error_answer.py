"""The error answer on the wire: an RPC-method service's HTTP error answer, as the monolith's
own code made it, carried in a Nameko remote error.

A service raises `extracted_services.shared.errors.ErrorAnswer`; nameko sends its class name
as `exc_type` and `str(exc)` as `value`, which is `encode(...)`: JSON with the status, the
JSON body and the answer's headers that belong to an error (`KEPT_HEADERS`: a 401's
challenge, a 405's methods, a 429's wait). The proxy reads it with `decode` and sends the
answer as it is. Both sides use this module, so the wire form is defined once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

EXC_TYPE = "ErrorAnswer"
# The headers of an error answer that carry meaning for the client; others (cookies,
# caching, framing) are the proxy's or the service's business, never a service error's.
KEPT_HEADERS = ("WWW-Authenticate", "Allow", "Retry-After")
_KEPT = {name.lower(): name for name in KEPT_HEADERS}
_FIELD_VALUE = re.compile(r"^[^\r\n\x00]*$")


@dataclass(frozen=True)
class WireErrorAnswer:
    status: int  # 400-599
    body: Any  # JSON
    headers: tuple[tuple[str, str], ...] = ()  # only KEPT_HEADERS, in the answer's order


def kept_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The pairs of `headers` an error answer carries, names spelled as KEPT_HEADERS."""
    return tuple(
        (_KEPT[name.lower()], value)
        for name, value in headers
        if name.lower() in _KEPT and _FIELD_VALUE.match(value)
    )


def encode(answer: WireErrorAnswer) -> str:
    """The remote error's value; `headers` only when there are some."""
    wire: dict[str, Any] = {"status": answer.status, "body": answer.body}
    if answer.headers:
        wire["headers"] = [list(pair) for pair in answer.headers]
    return json.dumps(wire, sort_keys=True)


def decode(value: str) -> WireErrorAnswer | None:
    """The answer a remote error's value holds; None when it is not one (a 2xx or 3xx status,
    a missing body, headers that are not `[name, value]` strings): the service's fault."""
    try:
        wire = json.loads(value)
        status, body = wire["status"], wire["body"]
        pairs = wire.get("headers", [])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        return None
    if not isinstance(pairs, list) or not all(_is_pair(pair) for pair in pairs):
        return None
    return WireErrorAnswer(status, body, kept_headers(tuple(pair) for pair in pairs))


def _is_pair(pair: object) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
