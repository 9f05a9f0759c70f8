"""The proxy's own error classes and THE table mapping them to HTTP answers.

Foreign errors (pika, http.client, nameko replies) are translated into these
classes at the boundary; `http_error_for` is the one place that decides the
status code, the JSON error code and the message a client sees. An error's own
message may carry details for the log; the client's message never names an
address, a file or a credential.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from strangler import error_answer
from strangler.errors import StranglerError


class RoutesFileError(StranglerError):
    """The routes file cannot be used; says where and why."""

    exit_code = 2

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(
            f"{where}: {reason}",
            hint="fix the routes file; its format is in `strangler proxy --help`",
        )
        self.source = source
        self.line = line
        self.reason = reason

    @property
    def without_source(self) -> str:
        """`line N: <reason>`: the error without the file's path, fit for the admin view."""
        return self.reason if self.line is None else f"line {self.line}: {self.reason}"


class ProxyError(StranglerError):
    """A backend could not give the answer the proxy asked for."""


class ServiceUnavailable(ProxyError):
    """The request never reached the service (so it surely did not act)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"service {service!r} is unavailable: {reason}")
        self.service = service
        self.reason = reason


class ServiceAbsent(ServiceUnavailable):
    """No instance of the service consumes its queue (stopped, or never started), so the
    call was not sent: nothing waited on it, and the next call sees one that comes back."""


class ServiceTurnedAway(ServiceUnavailable):
    """The proxy kept the call: the service holds its share of the proxy's threads, or its
    circuit breaker is open (`isolation.py`). Ask again in `retry_after` seconds."""

    def __init__(self, service: str, reason: str, retry_after: int = 1) -> None:
        super().__init__(service, reason)
        self.retry_after = retry_after


class ServiceTimeout(ProxyError):
    """The request was sent but no answer came in time (the service may have acted)."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"service {service!r} did not answer: {detail}")
        self.service = service
        self.reason = "timeout"


class BrokerLinkLost(ServiceTimeout):
    """The proxy's own broker connection broke during the call (the broker closed it): the
    service may have acted, but it is not the service that failed; the next call reconnects."""


class RemoteError(ProxyError):
    """The service answered with an exception (nameko's `exc_type` and `value`)."""

    def __init__(self, exc_type: str, value: str) -> None:
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type
        self.value = value
        self.reason = f"remote error {exc_type}"


class AuthDenied(ProxyError):
    """The monolith's auth check did not let the request through to the service.

    Never shown to the client: the original request goes to the monolith instead,
    whose answer (a 401, a login redirect...) is exact by definition.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(f"the auth check did not pass: {detail}")
        self.reason = "auth"


class MalformedRequest(ProxyError):
    """The client's request cannot be turned into a service call (e.g. bad JSON body)."""


class PayloadTooLarge(ProxyError):
    """The client's request body is larger than the proxy accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body is too large; the limit is {limit} bytes")


class BodyIncomplete(ProxyError):
    """The client's body ended early or broke off (its details are for the log only)."""


class BodyTimeout(ProxyError):
    """The client's body stopped coming for longer than the proxy waits."""


class UpgradeNotSupported(ProxyError):
    """The client asked to switch to a protocol the proxy does not pass on this route."""


class MonolithUnavailable(ProxyError):
    """The monolith could not be reached."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"cannot reach the monolith: {detail}")


class MonolithTurnedAway(MonolithUnavailable):
    """The proxy kept the request, never sent: the monolith holds its share of the proxy's
    threads, or its circuit breaker is open (`isolation.py`). Ask again in `retry_after`
    seconds."""

    def __init__(self, reason: str, retry_after: int = 1) -> None:
        super().__init__(f"not sent ({reason})")
        self.reason = reason
        self.retry_after = retry_after


class MonolithTimeout(ProxyError):
    """The monolith did not answer in time."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the monolith did not answer in time: {detail}")


class MonolithBadResponse(ProxyError):
    """The monolith took the request but broke off or sent something that is not HTTP."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the monolith sent no valid response: {detail}")


@dataclass(frozen=True)
class HttpError:
    """What the client sees for an error: status, JSON error code and message."""

    status: int
    code: str
    message: str
    retry_after: int | None = None  # seconds, sent as `Retry-After`
    body: Any = None  # a whole JSON body to send as it is (a service's ErrorAnswer)
    headers: tuple[tuple[str, str], ...] = ()  # an ErrorAnswer's own (WWW-Authenticate, ...)


INTERNAL_ERROR = HttpError(500, "internal_error", "internal server error")

# Remote exception class names (nameko `exc_type`) the services may raise on purpose.
REMOTE_ERROR_STATUS: dict[str, tuple[int, str]] = {
    "NotFound": (404, "not_found"),
    "BadRequest": (400, "bad_request"),
    "Conflict": (409, "conflict"),
    "Forbidden": (403, "forbidden"),
    "RequestInProgress": (409, "conflict"),
}
# Remote errors that mean "ask again later": how many seconds the answer's Retry-After says.
REMOTE_RETRY_AFTER: dict[str, int] = {"RequestInProgress": 1}


def is_expected_remote_error(error: RemoteError) -> bool:
    """True for the exceptions a service raises on purpose (they are real answers)."""
    return error.exc_type in REMOTE_ERROR_STATUS or error.exc_type == error_answer.EXC_TYPE


def _error_answer(value: str) -> HttpError:
    """A remote ErrorAnswer (the monolith's own error answer, made by its code inside an
    RPC-method service) sent as it is; one that is not an error answer is the service's
    fault (500)."""
    answer = error_answer.decode(value)
    if answer is None:
        return INTERNAL_ERROR
    return HttpError(answer.status, "", "", body=answer.body, headers=answer.headers)


# Errors answered the same whatever their details (those go to the log only).
FIXED_ANSWERS: tuple[tuple[type[ProxyError], HttpError], ...] = (
    (ServiceTimeout, HttpError(504, "gateway_timeout", "the service did not answer in time")),
    (ServiceUnavailable, HttpError(503, "service_unavailable", "the service is unavailable")),
    (MonolithTimeout, HttpError(504, "gateway_timeout", "the monolith did not answer in time")),
    (MonolithUnavailable, HttpError(503, "service_unavailable", "the monolith is unavailable")),
    (MonolithBadResponse, HttpError(502, "bad_gateway", "the monolith sent no valid response")),
    (BodyIncomplete, HttpError(400, "bad_request", "the request body was incomplete")),
    (BodyTimeout, HttpError(408, "request_timeout", "the request did not arrive in time")),
)


def http_error_for(error: ProxyError) -> HttpError:
    """THE mapping from a proxy error to the HTTP error the client gets."""
    if isinstance(error, RemoteError):
        if error.exc_type == error_answer.EXC_TYPE:
            return _error_answer(error.value)
        mapped = REMOTE_ERROR_STATUS.get(error.exc_type)
        if mapped is None:
            return INTERNAL_ERROR
        return HttpError(mapped[0], mapped[1], error.value, REMOTE_RETRY_AFTER.get(error.exc_type))
    # these describe the client's own request, so their message is shown
    if isinstance(error, MalformedRequest):
        return HttpError(400, "bad_request", error.message)
    if isinstance(error, PayloadTooLarge):
        return HttpError(413, "payload_too_large", error.message)
    if isinstance(error, UpgradeNotSupported):
        return HttpError(501, "not_implemented", error.message)
    answer = next(
        (answer for kind, answer in FIXED_ANSWERS if isinstance(error, kind)), INTERNAL_ERROR
    )
    if isinstance(error, ServiceTurnedAway | MonolithTurnedAway):
        return replace(answer, retry_after=error.retry_after)
    return answer
