"""The pool reads an answer's head fields as http.client does, without the email package
for a plain head: the same fields, in order, for plain and odd heads alike."""

from __future__ import annotations

import http.client
import io

import pytest

from strangler_proxy.backends.http_pool import _Fields, _read_fields

HEADS = [
    b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\n",
    b"Set-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\nX-Spaces:  \t v a l  \r\n\r\n",
    b"Server: x\nContent-Length: 0\n\n",  # bare LF line ends
    b"X-Latin: caf\xe9\r\nX-Odd-Name!#$%&'*+.^_`|~: 1\r\n\r\n",
    b"X-Folded: one\r\n two\r\nX-After: 3\r\n\r\n",  # obs-fold: the email package's reading
    b"X-Cr: a\rb\r\nX-Next: 1\r\n\r\n",  # a bare CR inside a value
    b"Bad Name: 1\r\nX-Kept: 2\r\n\r\n",  # not a field line
    b"NoColon\r\nX-Kept: 2\r\n\r\n",
    b"\r\n",  # no fields at all
    b"Content-Length: 3\r\n",  # the head ends with the connection
]


@pytest.mark.parametrize("head", HEADS)
def test_fields_are_what_http_client_reads(head: bytes) -> None:
    expected = http.client.parse_headers(io.BytesIO(head))
    fields = _read_fields(io.BytesIO(head))
    assert list(fields.items()) == list(expected.items())
    for name in ("content-length", "SET-COOKIE", "x-kept", "x-missing"):
        assert fields.get(name) == expected.get(name)
        assert fields.get_all(name) == expected.get_all(name)


def test_a_plain_head_skips_the_email_package() -> None:
    assert isinstance(_read_fields(io.BytesIO(HEADS[1])), _Fields)
    assert not isinstance(_read_fields(io.BytesIO(HEADS[4])), _Fields)


def test_too_many_or_too_long_lines_are_refused_as_http_client_refuses_them() -> None:
    with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
        _read_fields(io.BytesIO(b"X: 1\r\n" * 101 + b"\r\n"))
    with pytest.raises(http.client.LineTooLong):
        _read_fields(io.BytesIO(b"X: " + b"a" * 65536 + b"\r\n\r\n"))
