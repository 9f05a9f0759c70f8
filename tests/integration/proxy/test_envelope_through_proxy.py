"""`protocol = "http"` routes: a real Nameko service runs a Flask app behind the HTTP envelope.

The proxy (gunicorn) sends the whole request as one envelope; what comes back
must be exactly what the Flask app produces when called directly: status,
reason phrase, headers in order (repeated Set-Cookie too) and body bytes.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from proxy_envelope_service import create_shop_app
from proxy_stack import delete_queues, start_monolith, start_proxy, start_service
from recording_server import Answer, raw_exchange
from werkzeug.test import Client

from strangler.processes import ProcessGroup

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"

[[route]]
path = "/shop/<path:rest>"
methods = ["GET", "POST", "PUT"]
target = "proxy_envelope.http"
mode = "service"
protocol = "http"

[[route]]
path = "/evil"
methods = ["GET", "POST"]
target = "proxy_envelope.not_an_envelope"
mode = "service"
protocol = "http"
"""
# what gunicorn and the proxy add to every answer (docs/contracts.md), and the one header the
# proxy moves: it frames the body itself, so Content-Length comes last
ADDED = {"server", "date", "connection", "x-strangler-backend", "x-strangler-route", "x-request-id"}


@dataclass(frozen=True)
class Stack:
    proxy: str


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-envelope")
    with ProcessGroup(logs) as group:
        monolith = start_monolith(group)
        start_service(
            group, amqp_uri, "ProxyEnvelopeService", "proxy_envelope", "proxy_envelope_service"
        )
        routes = logs / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        proxy, _ = start_proxy(group, routes)
        yield Stack(proxy)
    delete_queues(amqp_uri, "rpc-proxy_envelope")


def without(answer: Answer, names: set[str]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in answer.headers if name.lower() not in names]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/shop/answer"), ("POST", "/shop/answer"), ("GET", "/shop/broken")]
)
def test_the_client_gets_exactly_what_the_flask_app_produced(
    stack: Stack, method: str, path: str
) -> None:
    direct = Client(create_shop_app({})).open(path, method=method)
    proxied = raw_exchange(stack.proxy, f"{method} {path} HTTP/1.1\r\nHost: h\r\n\r\n".encode())

    assert (proxied.status, proxied.reason) == (direct.status_code, direct.status.split(" ", 1)[1])
    assert proxied.body == direct.data
    direct_headers = Answer(0, "", tuple(direct.headers.to_wsgi_list()), b"")
    assert without(proxied, ADDED | {"content-length"}) == without(
        direct_headers, {"content-length"}
    )
    assert proxied.values("Content-Length") == [str(len(direct.data))]
    assert proxied.values("X-Strangler-Backend") == ["service"]


def test_repeated_set_cookie_keeps_its_order_among_the_other_headers(stack: Stack) -> None:
    proxied = raw_exchange(stack.proxy, b"GET /shop/answer HTTP/1.1\r\nHost: h\r\n\r\n")
    names = [name for name, _ in without(proxied, ADDED | {"content-length", "content-type"})]
    assert names == ["X-First", "Set-Cookie", "X-Middle", "Set-Cookie", "Vary", "Vary"]
    assert proxied.values("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly; Path=/"]


def test_the_app_sees_the_whole_request_as_the_client_sent_it(stack: Stack) -> None:
    body = b"\x00\x01raw{not json"
    request = (
        b"PUT /shop/seen/a%2Fb/%C3%A9?x=1&x=2&y= HTTP/1.1\r\nHost: h\r\nX-B: 2\r\nX-A: 1\r\n"
        b"Cookie: s=1; t=2\r\nContent-Type: application/json\r\nX-Request-Id: env-1\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    answer = raw_exchange(stack.proxy, request)
    assert answer.status == 200, answer.body
    seen = json.loads(answer.body)
    assert seen.pop("headers") == [
        ["Host", "h"],
        ["X-B", "2"],
        ["X-A", "1"],
        ["Cookie", "s=1; t=2"],
        ["Content-Type", "application/json"],
        ["X-Request-Id", "env-1"],
        ["Content-Length", str(len(body))],
        ["X-Forwarded-For", "127.0.0.1"],
        ["X-Forwarded-Proto", "http"],
        ["X-Forwarded-Host", "h"],
    ]
    assert seen == {
        "method": "PUT",
        "name": "a/b/é",
        "raw_uri": "/shop/seen/a%2Fb/%C3%A9?x=1&x=2&y=",
        "args": {"x": ["1", "2"], "y": [""]},
        "body": base64.b64encode(body).decode(),  # bytes, never parsed as JSON
        "cookies": {"s": "1", "t": "2"},
        "remote_addr": "127.0.0.1",
        "scheme": "http",
        "host": "h",
    }


def test_an_answer_that_is_no_envelope_never_reaches_the_client(stack: Stack) -> None:
    # a read falls back to the monolith (which has no such page); a write gets the proxy's 500
    read = raw_exchange(stack.proxy, b"GET /evil HTTP/1.1\r\nHost: h\r\n\r\n")
    assert (read.status, read.values("X-Strangler-Backend")) == (
        404,
        ["monolith; fallback=remote-error"],
    )
    write = raw_exchange(
        stack.proxy, b"POST /evil HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
    )
    assert write.status == 500
    assert write.body == b'{"error":{"code":"internal_error","message":"internal server error"}}\n'
    assert write.values("Set-Cookie") == [] and write.values("X-Evil") == []
