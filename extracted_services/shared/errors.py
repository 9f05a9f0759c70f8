"""Errors a service raises to give the HTTP caller a 4xx answer.

Nameko serializes a raised exception with `exc_type` = the class name and
`value` = str(exc). The strangler proxy maps these exact class names to HTTP
statuses in one table (NotFound -> 404, BadRequest -> 400, Conflict -> 409,
Forbidden -> 403, RequestInProgress -> 409 with Retry-After) and uses the
message as `error.message`; so never rename them, and subclass them only under
the same name. Any other exception becomes
a 500 "internal server error". `ErrorAnswer` carries a whole answer, status, JSON
body and the headers that belong to an error (`strangler/error_answer.py`), which the proxy
sends as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strangler.error_answer import WireErrorAnswer, encode, kept_headers


class ServiceError(Exception):
    """A failure the caller caused; its message is shown to the HTTP client."""


class NotFound(ServiceError):
    """The addressed thing does not exist (HTTP 404)."""


class BadRequest(ServiceError):
    """The request's parameters are invalid (HTTP 400)."""


class Conflict(ServiceError):
    """The request clashes with the current state (HTTP 409)."""


class Forbidden(ServiceError):
    """The caller may not do this (HTTP 403)."""


class RequestInProgress(ServiceError):
    """A call with this idempotency key is still running (HTTP 409 with Retry-After)."""


class ErrorAnswer(ServiceError):
    """An error answer as the monolith makes it: its HTTP status and JSON body, which the
    proxy sends as they are (an RPC method run through the monolith's own error handlers,
    `json_view.py`). On the wire its message is `strangler.error_answer.encode(...)`."""

    def __init__(self, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        answer = WireErrorAnswer(status, body, kept_headers(headers))
        super().__init__(encode(answer))
        self.status = status
        self.body = body
        self.headers = answer.headers
