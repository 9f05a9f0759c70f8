"""The HTTP envelope: a whole HTTP exchange carried over one Nameko RPC call.

The proxy (`strangler_proxy/http_envelope.py`) sends a route with
`protocol = "http"` as `<service>.<method>(request=RequestEnvelope.to_wire())`;
the service (`extracted_services/shared/envelope_wsgi.py`) runs it through a
WSGI app and returns `ResponseEnvelope.to_wire()`. Both sides use this module,
so the wire form is defined once. Bodies travel as base64 (any bytes, exactly);
headers as `[name, value]` pairs in order (repeats such as Set-Cookie kept).

Reading a wire dict checks everything a peer could get wrong, because what it
holds goes into a real HTTP exchange: header names are tokens, no value holds
CR, LF or NUL, the status is 100-599 and the body is valid base64.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, fields
from typing import Any

from strangler.errors import StranglerError

ENVELOPE_KWARG = "request"  # the one keyword argument an envelope method receives

Headers = tuple[tuple[str, str], ...]

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_FIELD_VALUE = re.compile(r"^[^\r\n\x00]*$")


class EnvelopeError(StranglerError):
    """A wire dict that is not a valid envelope; says which field and why."""


@dataclass(frozen=True)
class RequestEnvelope:
    """The request as the client sent it.

    `path` is the raw (still percent-encoded) path and `query_string` the raw
    query, without `?`; `remote_addr` and `scheme` are what the proxy saw.
    """

    method: str
    path: str
    query_string: str
    headers: Headers
    body: bytes
    remote_addr: str
    scheme: str

    def to_wire(self) -> dict[str, Any]:
        """A JSON-able dict (what the RPC call carries)."""
        return {
            "method": self.method,
            "path": self.path,
            "query_string": self.query_string,
            "headers": [list(pair) for pair in self.headers],
            "body": base64.b64encode(self.body).decode("ascii"),
            "remote_addr": self.remote_addr,
            "scheme": self.scheme,
        }

    @classmethod
    def from_wire(cls, data: object) -> RequestEnvelope:
        """Read and check a dict made by `to_wire`; EnvelopeError if it is not one."""
        wire = _Wire(data, "request", tuple(f.name for f in fields(cls)))
        method = wire.string("method")
        if not _TOKEN.match(method):
            raise EnvelopeError(f"request.method is not an HTTP method: {method!r}")
        path = wire.field_value("path")
        if not path.startswith("/"):
            raise EnvelopeError(f"request.path must start with '/': {path!r}")
        return cls(
            method=method,
            path=path,
            query_string=wire.field_value("query_string"),
            headers=wire.headers(),
            body=wire.body(),
            remote_addr=wire.field_value("remote_addr"),
            scheme=wire.string("scheme"),
        )


@dataclass(frozen=True)
class ResponseEnvelope:
    """The response exactly as the service's app made it: status, reason phrase, headers, body."""

    status: int
    reason: str
    headers: Headers
    body: bytes

    def to_wire(self) -> dict[str, Any]:
        """A JSON-able dict (what the RPC call returns)."""
        return {
            "status": self.status,
            "reason": self.reason,
            "headers": [list(pair) for pair in self.headers],
            "body": base64.b64encode(self.body).decode("ascii"),
        }

    @classmethod
    def from_wire(cls, data: object) -> ResponseEnvelope:
        """Read and check a dict made by `to_wire`; EnvelopeError if it is not one."""
        wire = _Wire(data, "response", tuple(f.name for f in fields(cls)))
        status = wire.fields["status"]
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise EnvelopeError(f"response.status must be an integer 100-599, got {status!r}")
        return cls(
            status=status,
            reason=wire.field_value("reason"),
            headers=wire.headers(),
            body=wire.body(),
        )


class _Wire:
    """One wire dict being read: each getter checks its field and names it in the error."""

    def __init__(self, data: object, what: str, keys: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise EnvelopeError(f"the {what} envelope must be an object, not {type(data).__name__}")
        missing = [key for key in keys if key not in data]
        if missing:
            raise EnvelopeError(f"the {what} envelope lacks {', '.join(missing)}")
        self.fields: dict[str, Any] = data
        self._what = what

    def string(self, key: str) -> str:
        value = self.fields[key]
        if not isinstance(value, str):
            raise EnvelopeError(f"{self._what}.{key} must be a string, got {value!r}")
        return value

    def field_value(self, key: str) -> str:
        """A string that may go into an HTTP message: no CR, LF or NUL."""
        value = self.string(key)
        if not _FIELD_VALUE.match(value):
            raise EnvelopeError(f"{self._what}.{key} holds CR, LF or NUL")
        return value

    def headers(self) -> Headers:
        where = f"{self._what}.headers"
        value = self.fields["headers"]
        if not isinstance(value, list):
            raise EnvelopeError(f"{where} must be a list of [name, value] pairs")
        pairs = []
        for item in value:
            if not (isinstance(item, list | tuple) and len(item) == 2):
                raise EnvelopeError(f"{where} must hold [name, value] pairs, got {item!r}")
            name, text = item
            if not isinstance(name, str) or not _TOKEN.match(name):
                raise EnvelopeError(f"{where}: {name!r} is not a header name")
            if not isinstance(text, str) or not _FIELD_VALUE.match(text):
                raise EnvelopeError(f"{where}: the value of {name} is not text without CR/LF/NUL")
            pairs.append((name, text))
        return tuple(pairs)

    def body(self) -> bytes:
        try:
            return base64.b64decode(self.string("body"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EnvelopeError(f"{self._what}.body is not base64: {exc}") from None
