"""What the client gets: framing as method and status allow, the reason phrase, our headers."""

from __future__ import annotations

import pytest

from strangler_proxy.client_answer import framed, status_line, with_proxy_headers
from strangler_proxy.http_types import Response, json_response


@pytest.mark.parametrize(
    ("method", "status", "headers", "body", "length", "sent_body"),
    [
        ("GET", 200, (), b"abc", "3", b"abc"),
        ("GET", 200, (("Content-Length", "99"),), b"abc", "3", b"abc"),
        ("GET", 304, (("ETag", '"v1"'),), b"", None, b""),
        ("GET", 304, (("Content-Length", "1234"),), b"", "1234", b""),
        ("HEAD", 200, (("Content-Length", "42"),), b"", "42", b""),
        ("HEAD", 200, (), b"", None, b""),
        ("GET", 204, (("Content-Length", "0"),), b"", None, b""),
        ("GET", 103, (), b"", None, b""),
    ],
)
def test_the_framing_is_what_the_method_and_status_allow(
    method: str,
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    length: str | None,
    sent_body: bytes,
) -> None:
    sent = framed(Response(status, headers, body, reason="X"), method)
    lengths = [value for key, value in sent.headers if key == "Content-Length"]
    assert lengths == ([] if length is None else [length])
    assert sent.body == sent_body


def test_a_head_answer_the_proxy_made_declares_the_length_of_its_body() -> None:
    sent = framed(json_response(200, {"id": 1}), "HEAD")
    assert (sent.header("Content-Length"), sent.body) == (str(len(b'{"id":1}\n')), b"")


@pytest.mark.parametrize(
    ("reason", "line"),
    [
        ("Fine Thanks", "299 Fine Thanks"),
        ("", "200 "),
        ("bad\r\nX-Injected: 1", "200 OK"),
        (None, "200 OK"),
    ],
)
def test_the_upstream_reason_phrase_is_kept_when_a_status_line_may_carry_it(
    reason: str | None, line: str
) -> None:
    status = 299 if reason == "Fine Thanks" else 200
    assert status_line(Response(status, reason=reason)) == line


def test_a_status_without_a_standard_phrase_gets_unknown() -> None:
    assert status_line(Response(599)) == "599 Unknown"


def test_the_proxy_headers_replace_the_apps_and_keep_its_request_id() -> None:
    app = Response(
        200,
        (("Server", "app/1"), ("X-Strangler-Backend", "forged"), ("X-Request-Id", "from-app")),
    )
    sent = with_proxy_headers(app, request_id="proxy-id", backend="monolith", rule="/a")
    assert sent.headers == (
        ("Server", "app/1"),
        ("X-Request-Id", "from-app"),
        ("X-Strangler-Backend", "monolith"),
        ("X-Strangler-Route", "/a"),
    )


def test_a_request_id_is_added_only_when_the_answer_has_none() -> None:
    sent = with_proxy_headers(Response(200), request_id="proxy-id", backend="service", rule=None)
    assert sent.headers == (("X-Strangler-Backend", "service"), ("X-Request-Id", "proxy-id"))


def test_backend_headers_off_adds_none_of_them_and_leaves_the_apps_alone() -> None:
    app = Response(200, (("X-Strangler-Route", "the app's own"),))
    sent = with_proxy_headers(app, request_id="proxy-id", backend=None, rule="/a")
    assert sent.headers == (("X-Strangler-Route", "the app's own"), ("X-Request-Id", "proxy-id"))
