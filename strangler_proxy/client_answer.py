"""The answer as the client gets it: framed as method and status allow, plus the proxy's headers.

Pure. A forwarded answer keeps everything the monolith sent (its reason
phrase, `Server`, `Date`, `X-Request-Id`, a 304's or a HEAD answer's
`Content-Length`) but hop-by-hop headers, which the backend already dropped.
The proxy adds `X-Strangler-Backend` and `X-Strangler-Route` (unless the
routes file turns them off) and `X-Request-Id` when the answer has none.
"""

from __future__ import annotations

import re
from dataclasses import replace
from http import HTTPStatus

from strangler_proxy.http_types import Response, without_headers

BACKEND_HEADER = "X-Strangler-Backend"
ROUTE_HEADER = "X-Strangler-Route"
REQUEST_ID_HEADER = "X-Request-Id"
_REASON = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")  # what a status line may carry (RFC 9112)


def with_proxy_headers(
    response: Response, *, request_id: str, backend: str | None, rule: str | None
) -> Response:
    """Add the proxy's headers; `backend` None leaves X-Strangler-* alone (they are off)."""
    headers = response.headers
    if backend is not None:
        headers = without_headers(headers, BACKEND_HEADER, ROUTE_HEADER)
        headers += ((BACKEND_HEADER, backend),) + (((ROUTE_HEADER, rule),) if rule else ())
    if request_id and response.header(REQUEST_ID_HEADER) is None:
        headers += ((REQUEST_ID_HEADER, request_id),)
    return replace(response, headers=headers)


def framed(response: Response, method: str) -> Response:
    """The body and Content-Length the client may get for this method and status.

    1xx and 204 carry neither; a 304 and a HEAD answer carry no body but keep
    the Content-Length they declared (a HEAD answer the proxy made declares its
    body's); a streamed answer keeps the length its upstream declared, if any
    (without one the server frames it in chunks); any other answer is sent whole
    with its exact length.
    """
    if response.stream is not None:
        return response
    declared = response.header("Content-Length")
    headers = without_headers(response.headers, "Content-Length")
    if response.status < 200 or response.status == 204:
        length = None
    elif response.status == 304:
        length = declared
    elif method == "HEAD":
        length = declared or (str(len(response.body)) if response.body else None)
    else:
        return replace(response, headers=(*headers, ("Content-Length", str(len(response.body)))))
    extra = () if length is None else (("Content-Length", length),)
    return replace(response, headers=headers + extra, body=b"")


def status_line(response: Response) -> str:
    """`<status> <reason>`: the upstream's reason phrase if usable, else the standard one."""
    if response.reason is not None and _REASON.fullmatch(response.reason):
        return f"{response.status} {response.reason}"
    try:
        return f"{response.status} {HTTPStatus(response.status).phrase}"
    except ValueError:
        return f"{response.status} Unknown"


def response_head(response: Response) -> bytes:
    """The status line and headers as an HTTP/1.1 server writes them (a 101 the proxy relays)."""
    lines = [f"HTTP/1.1 {status_line(response)}", *(f"{k}: {v}" for k, v in response.headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
