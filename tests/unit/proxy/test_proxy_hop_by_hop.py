"""The forwarded answer's one-pass hop-by-hop filter drops exactly what
`http_types.end_to_end_headers` drops, in the same order."""

from __future__ import annotations

import pytest

from strangler_proxy.forwarded import end_to_end
from strangler_proxy.http_types import Headers, end_to_end_headers

CASES: list[Headers] = [
    (),
    (("Content-Type", "text/plain"), ("Content-Length", "3")),
    (("Server", "gunicorn"), ("Connection", "keep-alive"), ("Content-Length", "3")),
    (("connection", "close, X-Secret , x-other"), ("X-Secret", "1"), ("X-OTHER", "2"), ("A", "b")),
    (("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Upgrade", "h2c"), ("Trailer", "x")),
    (("Transfer-Encoding", "chunked"), ("Proxy-Connection", "keep-alive"), ("Set-Cookie", "a")),
    (("Connection", ""), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")),
]


@pytest.mark.parametrize("headers", CASES)
def test_the_same_headers_are_dropped_as_by_end_to_end_headers(headers: Headers) -> None:
    assert end_to_end(headers) == end_to_end_headers(headers)
