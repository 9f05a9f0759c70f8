"""A request head the loop parsed, held and checked as gunicorn's own `Request` does.

httptools (llhttp) parses the bytes; what gunicorn then decides about a head
is gunicorn's code, run on what was parsed: its header policy (names with
`_` dropped, a repeated `Host` refused, `Expect`, no scheme header trusted),
its framing rules (`Content-Length`, `Transfer-Encoding`) and its HTTP
version check, raising its own errors (`server_worker.server_refusal` tells
the client). The object is then what gunicorn's `wsgi.create` and `Response`
take as the request, so the environ and the answer's framing are gunicorn's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from gunicorn.http.body import ChunkedReader, LengthReader
from gunicorn.http.errors import InvalidHTTPVersion, InvalidRequestLine
from gunicorn.http.message import Message, Request
from gunicorn.util import split_request_uri

from strangler_proxy.request_body import CHUNK_BYTES


class LoopRequest(Request):
    """One request's head: gunicorn's Request, filled from the loop's parse instead of
    reading a socket (so gunicorn's `__init__`, which reads, is not called)."""

    def __init__(
        self,
        cfg: Any,
        peer: tuple[str, int],
        method: str,
        uri: str,
        version: str,
        fields: Sequence[tuple[bytes, bytes]],
    ) -> None:
        self.cfg = cfg
        self.peer_addr = self.remote_addr = peer
        self.method = method
        self.uri = uri
        self.scheme = "http"
        self.must_close = False
        self._expected_100_continue = False
        self.proxy_protocol_info = None
        self.trailers: list[tuple[str, str]] = []
        self.unreader = None  # the body is the loop's: gunicorn's readers only check framing
        try:
            parts = split_request_uri(uri)
        except ValueError:
            raise InvalidRequestLine(uri) from None
        self.path, self.query, self.fragment = parts.path or "", parts.query or "", parts.fragment
        major, _, minor = version.partition(".")
        self.version = (int(major), int(minor))
        if not (1, 0) <= self.version < (2, 0):
            raise InvalidHTTPVersion(self.version)
        self.headers = self._kept(fields)
        self.set_body_reader()
        reader = self.body.reader
        self.chunked = isinstance(reader, ChunkedReader)
        self.content_length: int = reader.length if isinstance(reader, LengthReader) else 0

    def _kept(self, fields: Sequence[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
        """The fields gunicorn keeps, by upper-cased name, after its header policy."""
        kept = []
        scheme_state = [False]
        seen: set[str] = set()
        secure_scheme_headers, forwarder_headers = self._peer_trusted_for_forwarded()
        for name, value in fields:
            field = self._apply_header_policy(
                name.decode("latin-1").upper(),
                value.decode("latin-1"),
                scheme_state,
                seen,
                secure_scheme_headers,
                forwarder_headers,
            )
            if field is not None:
                kept.append(field)
        return kept

    set_body_reader = Message.set_body_reader  # framing checks only: not Request's EOF rule

    def _peer_is_trusted_proxy(self) -> bool:
        """gunicorn's answer, worked out once per peer address (it parses the allowed
        addresses and the peer's each time: every request would pay for it)."""
        return _peer_trusted(self.cfg, self.peer_addr)

    @property
    def expects_continue(self) -> bool:
        """Whether the client waits for `100 Continue` before it sends the body."""
        return bool(self._expected_100_continue)

    @property
    def has_body(self) -> bool:
        return self.chunked or self.content_length > 0

    def ready(self, received: int, complete: bool) -> bool:
        """Whether a thread may have the request, `received` bytes of its body having come
        (all of it when `complete`): as `slow_clients.request_ready` decides on raw bytes,
        the head with its body's first bytes (all of it, up to one read's worth), or at
        once when the client waits for `100 Continue`."""
        if complete or not self.has_body or self.expects_continue:
            return True
        if self.chunked:
            return received > 0
        return received >= min(self.content_length, CHUNK_BYTES)


@functools.lru_cache(maxsize=1024)
def _peer_trusted(cfg: Any, peer: Any) -> bool:
    """Whether `peer` may set forwarding and scheme headers, by gunicorn's own rule."""
    return bool(Message._peer_is_trusted_proxy(SimpleNamespace(cfg=cfg, peer_addr=peer)))
