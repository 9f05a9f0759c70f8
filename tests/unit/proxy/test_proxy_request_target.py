"""The request target: the one path the proxy matches and forwards, never normalised."""

from __future__ import annotations

import pytest

from strangler_proxy.errors import MalformedRequest
from strangler_proxy.http_types import Request
from strangler_proxy.request_target import RequestTarget, parse_request_target


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("/a/x/../y?q=%2F", RequestTarget("/a/x/../y?q=%2F")),
        ("/a/%2e%2e/y", RequestTarget("/a/%2e%2e/y")),
        ("//admin/x", RequestTarget("//admin/x")),
        ("/a?", RequestTarget("/a?")),
        ("/a#fragment", RequestTarget("/a")),
        ("http://shop.example:8080/p/../q?z", RequestTarget("/p/../q?z", "shop.example:8080")),
        ("HTTPS://shop.example", RequestTarget("/", "shop.example")),
        ("http://shop.example?x=1", RequestTarget("/?x=1", "shop.example")),
    ],
)
def test_targets_are_kept_byte_for_byte(raw: str, parsed: RequestTarget) -> None:
    assert parse_request_target(raw) == parsed


@pytest.mark.parametrize(
    "raw", ["*", "shop.example:443", "ftp://h/x", "http:///x", "http://u:p@h/x", ""]
)
def test_a_target_that_is_not_a_path_is_refused(raw: str) -> None:
    with pytest.raises(MalformedRequest, match="must be a path or an absolute http"):
        parse_request_target(raw)


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/a%2Fb/%2e%2e/c?x=%2F", "/a/b/../c", "x=%2F"),
        ("/caf%C3%A9", "/café", ""),
        ("/bad%FF", "/bad\ufffd", ""),
    ],
)
def test_the_matched_path_is_the_target_decoded_as_the_monolith_decodes_it(
    target: str, path: str, query: str
) -> None:
    request = Request("GET", target)
    assert (request.path, request.query_string, request.raw_path) == (
        path,
        query,
        target.split("?")[0],
    )
