"""The proxy's side of the HTTP envelope (`strangler/envelope.py`): Request in, Response out.

Pure. The service gets the request as the monolith would (`forwarded.py`: the
client's headers in order less hop-by-hop ones, X-Forwarded-*, X-Request-Id,
the body as bytes with its Content-Length), plus the raw path and query, the
client's address and the scheme. Its answer comes back as its app made it:
status, reason phrase, headers in order (repeated Set-Cookie kept) and body,
less hop-by-hop headers. An answer that is not a response envelope is the
service's fault: a RemoteError("MalformedReply"), as for any unreadable reply.
"""

from __future__ import annotations

from typing import Any

from strangler.envelope import EnvelopeError, RequestEnvelope, ResponseEnvelope
from strangler_proxy.errors import RemoteError
from strangler_proxy.forwarded import forwarded_headers
from strangler_proxy.http_types import Request, Response, end_to_end_headers
from strangler_proxy.route_table import Network


def request_envelope(request: Request, trusted: tuple[Network, ...] = ()) -> RequestEnvelope:
    """The envelope a `protocol = "http"` target receives for `request`."""
    return RequestEnvelope(
        method=request.method,
        path=request.raw_path,
        query_string=request.query_string,
        headers=forwarded_headers(request, trusted),
        body=request.body,
        remote_addr=request.remote_addr,
        scheme=request.scheme,
    )


def response_from_envelope(result: Any) -> Response:
    """The client's answer from what the service returned."""
    try:
        envelope = ResponseEnvelope.from_wire(result)
    except EnvelopeError as exc:
        detail = f"the service sent no response envelope: {exc}"
        raise RemoteError("MalformedReply", detail) from exc
    return Response(
        envelope.status,
        end_to_end_headers(envelope.headers),
        envelope.body,
        envelope.reason,
    )
