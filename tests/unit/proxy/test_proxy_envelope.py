"""The HTTP envelope, without sockets: the wire form, what the proxy sends and accepts back,
and the service side running an envelope through a Flask app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask, Response, request

from extracted_services.shared.envelope_wsgi import call_wsgi, serve_envelope, wsgi_environ
from strangler.envelope import EnvelopeError, RequestEnvelope, ResponseEnvelope
from strangler_proxy.errors import RemoteError
from strangler_proxy.http_envelope import request_envelope, response_from_envelope
from strangler_proxy.http_types import Request

ENVELOPE = RequestEnvelope(
    method="POST",
    path="/shop/a%2Fb/%C3%A9",
    query_string="x=1&x=2",
    headers=(("Host", "shop.test:8443"), ("Cookie", "a=1"), ("Cookie", "b=2"), ("X-A", "1")),
    body=b"\x00\xff{raw",
    remote_addr="10.1.2.3",
    scheme="https",
)
ANSWER = ResponseEnvelope(
    201, "Made Here", (("Set-Cookie", "a=1"), ("X-B", "2"), ("Set-Cookie", "b=2")), b"\x00\xff"
)


def test_both_envelopes_survive_the_wire_exactly() -> None:
    assert RequestEnvelope.from_wire(ENVELOPE.to_wire()) == ENVELOPE
    assert ResponseEnvelope.from_wire(ANSWER.to_wire()) == ANSWER
    assert ANSWER.to_wire()["body"] == "AP8="  # base64: any bytes travel in JSON


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": 99}, "response.status must be an integer 100-599"),
        ({"status": True}, "response.status must be an integer 100-599"),
        ({"reason": "OK\r\nX-Evil: 1"}, "response.reason holds CR, LF or NUL"),
        ({"headers": [["X-A", "1\r\nSet-Cookie: x=1"]]}, "the value of X-A is not text"),
        ({"headers": [["Bad Name", "1"]]}, "'Bad Name' is not a header name"),
        ({"headers": [["X-A"]]}, "must hold [name, value] pairs"),
        ({"headers": {"X-A": "1"}}, "must be a list of [name, value] pairs"),
        ({"body": "not base64!"}, "response.body is not base64"),
        ({"body": None}, "response.body must be a string"),
    ],
)
def test_a_bad_response_envelope_is_refused_with_the_reason(
    change: dict[str, Any], reason: str
) -> None:
    with pytest.raises(EnvelopeError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        ResponseEnvelope.from_wire({**ANSWER.to_wire(), **change})


def test_a_missing_field_or_a_non_object_is_refused() -> None:
    wire = ENVELOPE.to_wire()
    del wire["scheme"], wire["body"]
    with pytest.raises(EnvelopeError, match="the request envelope lacks body, scheme"):
        RequestEnvelope.from_wire(wire)
    with pytest.raises(EnvelopeError, match="must be an object, not list"):
        ResponseEnvelope.from_wire([])
    with pytest.raises(EnvelopeError, match=r"request\.path must start with '/'"):
        RequestEnvelope.from_wire({**ENVELOPE.to_wire(), "path": "http://elsewhere/"})


def test_the_proxy_sends_the_request_as_the_monolith_would_get_it() -> None:
    incoming = Request(
        method="PUT",
        target="/a%20b?q=1",
        headers=(
            ("Host", "h"),
            ("Connection", "keep-alive"),
            ("X-Forwarded-For", "6.6.6.6"),
            ("X-A", "1"),
        ),
        body=b"{not json",
        remote_addr="10.0.0.9",
        scheme="http",
        request_id="r-1",
    )
    envelope = request_envelope(incoming)
    assert (envelope.method, envelope.path, envelope.query_string) == ("PUT", "/a%20b", "q=1")
    assert (envelope.body, envelope.remote_addr, envelope.scheme) == (
        b"{not json",
        "10.0.0.9",
        "http",
    )
    assert envelope.headers == (
        ("Host", "h"),
        ("X-A", "1"),
        ("Content-Length", "9"),
        ("X-Forwarded-For", "10.0.0.9"),  # the client's own is not trusted
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "h"),
        ("X-Request-Id", "r-1"),
    )


def test_the_services_answer_comes_back_as_made_less_hop_by_hop_headers() -> None:
    wire = ResponseEnvelope(
        418,
        "Short",
        (("X-Z", "z"), ("Set-Cookie", "a=1"), ("Connection", "close"), ("Set-Cookie", "b=2")),
        b"t",
    ).to_wire()
    response = response_from_envelope(wire)
    assert (response.status, response.reason, response.body) == (418, "Short", b"t")
    assert response.headers == (("X-Z", "z"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"))


def test_an_answer_that_is_no_envelope_is_a_malformed_reply() -> None:
    with pytest.raises(RemoteError) as caught:
        response_from_envelope({"status": 200})
    assert caught.value.exc_type == "MalformedReply"


def echo_app() -> Flask:
    app = Flask(__name__)

    @app.post("/shop/<path:name>")
    def shop(name: str) -> Response:
        seen = {
            "name": name,
            "args": request.args.to_dict(flat=False),
            "cookies": request.cookies.to_dict(),
            "raw_uri": request.environ["RAW_URI"],
            "host_url": request.host_url,
            "remote_addr": request.remote_addr,
            "body": request.get_data().hex(),
        }
        response = Response(json.dumps(seen), status="202 Taken")
        response.set_cookie("x", "1")
        response.set_cookie("y", "2")
        return response

    return app


def test_the_service_side_runs_the_envelope_through_the_wsgi_app() -> None:
    answer = call_wsgi(echo_app(), ENVELOPE)
    assert (answer.status, answer.reason) == (202, "Taken")
    assert [value for name, value in answer.headers if name == "Set-Cookie"] == [
        "x=1; Path=/",
        "y=2; Path=/",
    ]
    assert json.loads(answer.body) == {
        "name": "a/b/é",
        "args": {"x": ["1", "2"]},
        "cookies": {"a": "1", "b": "2"},
        "raw_uri": "/shop/a%2Fb/%C3%A9?x=1&x=2",
        "host_url": "https://shop.test:8443/",
        "remote_addr": "10.1.2.3",
        "body": "00ff7b726177",
    }
    assert serve_envelope(echo_app(), ENVELOPE.to_wire()) == answer.to_wire()


def test_the_environ_is_a_servers_raw_uri_and_drops_underscored_header_names() -> None:
    environ = wsgi_environ(
        RequestEnvelope(
            "GET", "/p", "", (("X_Spoof", "1"), ("X-Real", "2"), ("Cookie", "a=1")), b"", "", "http"
        )
    )
    assert environ["RAW_URI"] == "/p"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("localhost", "80")
    assert environ["HTTP_X_REAL"] == "2" and environ["HTTP_COOKIE"] == "a=1"
    assert "HTTP_X_SPOOF" not in environ
