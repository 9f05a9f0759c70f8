"""The error answer's wire form: what a service's error carries to the proxy, and what the
proxy refuses to take from it."""

from __future__ import annotations

import json

import pytest

from strangler.error_answer import WireErrorAnswer, decode, encode, kept_headers


def test_an_answer_with_its_challenge_survives_the_wire() -> None:
    answer = WireErrorAnswer(401, {"error": "login"}, (("WWW-Authenticate", 'Basic realm="x"'),))

    assert decode(encode(answer)) == answer


def test_an_answer_without_headers_is_the_older_wire_form() -> None:
    assert json.loads(encode(WireErrorAnswer(404, {"e": 1}))) == {"status": 404, "body": {"e": 1}}
    assert decode('{"status": 404, "body": null}') == WireErrorAnswer(404, None)


def test_only_the_headers_of_an_error_are_kept_spelled_one_way() -> None:
    headers = [
        ("www-authenticate", "Bearer"),
        ("Set-Cookie", "session=stolen"),
        ("Location", "http://elsewhere/"),
        ("ALLOW", "GET, HEAD"),
        ("Retry-After", "5\r\nX-Injected: 1"),
    ]

    assert kept_headers(headers) == (("WWW-Authenticate", "Bearer"), ("Allow", "GET, HEAD"))


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "[1, 2]",
        '{"status": 200, "body": {}}',
        '{"status": true, "body": {}}',
        '{"status": 401}',
        '{"status": 401, "body": {}, "headers": [["WWW-Authenticate"]]}',
        '{"status": 401, "body": {}, "headers": [["WWW-Authenticate", 1]]}',
        '{"status": 401, "body": {}, "headers": {"WWW-Authenticate": "Basic"}}',
    ],
)
def test_a_value_that_is_no_error_answer_is_refused(value: str) -> None:
    assert decode(value) is None
