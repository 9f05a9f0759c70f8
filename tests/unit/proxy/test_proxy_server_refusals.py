"""What a client is told when gunicorn itself refuses its request: the proxy's error shape."""

from __future__ import annotations

import pytest
from gunicorn.http.errors import (
    ConfigurationProblem,
    InvalidHeader,
    InvalidRequestLine,
    InvalidResponseHeader,
    LimitRequestHeaders,
    LimitRequestLine,
    ObsoleteFolding,
    UnsupportedTransferCoding,
)

from strangler_proxy.server_worker import server_refusal


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InvalidRequestLine("GET <script> HTTP/1.1"), 400, "bad_request"),
        (InvalidHeader("CONTENT-LENGTH"), 400, "bad_request"),
        (ObsoleteFolding("X-Folded"), 400, "bad_request"),
        (LimitRequestLine(9000, 4094), 414, "uri_too_long"),
        (LimitRequestHeaders("X-Big: aaaa"), 431, "request_header_fields_too_large"),
        (UnsupportedTransferCoding("xchunked"), 501, "not_implemented"),
    ],
)
def test_a_refused_request_gets_a_fixed_answer_naming_nothing_it_sent(
    error: Exception, status: int, code: str
) -> None:
    refusal = server_refusal(error)
    assert refusal is not None
    assert (refusal.status, refusal.code) == (status, code)
    assert str(error.args[0]) not in refusal.message


@pytest.mark.parametrize(
    "error",
    [InvalidResponseHeader("X-Bad\n"), ConfigurationProblem("no"), ValueError("the app's")],
)
def test_what_is_not_the_clients_fault_is_left_to_gunicorn(error: Exception) -> None:
    assert server_refusal(error) is None
