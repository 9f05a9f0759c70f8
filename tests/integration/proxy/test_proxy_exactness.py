"""The real proxy (gunicorn) between a client and a monolith-like server that records every request.

Each request is sent byte for byte, to the server directly and through the
proxy; what the server received, and what the client got back, must differ
only by what the proxy documents: hop-by-hop headers, X-Forwarded-For/-Proto/
-Host, an X-Request-Id when there was none, X-Strangler-Backend/-Route.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import urllib3
from proxy_stack import delete_queues, start_service
from recording_server import Answer, Received, Recorder, Reply, raw_exchange, recording_server

from strangler.processes import ProcessGroup, free_port, http_ok
from strangler_demo.stack import strangler_argv

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = 5.0
{extra}
[[route]]
path = "/admin/<name>"
methods = ["GET", "POST"]
target = "proxy_echo.echo"
mode = "service"
"""
DATE = "Mon, 01 Jan 2001 00:00:00 GMT"
APP_HEADERS = (("Server", "EchoServer/1.0"), ("Date", DATE))
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
HOP_BY_HOP_IN_ANSWERS = {"connection", "keep-alive", "transfer-encoding"}


@dataclass(frozen=True)
class Stack:
    proxy: str
    admin: str
    monolith: str
    recorder: Recorder
    routes: Path
    amqp_uri: str


def write_routes(stack_routes: Path, monolith: str, amqp_uri: str, extra: str = "") -> None:
    staged = stack_routes.with_suffix(".new")
    staged.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri, extra=extra))
    os.replace(staged, stack_routes)


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-exactness")
    with recording_server() as (monolith, recorder), ProcessGroup(logs) as group:
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        routes = logs / "routes.toml"
        write_routes(routes, monolith, amqp_uri)
        port, admin_port = free_port(), free_port()
        argv = ["proxy", "--routes", str(routes), "--port", str(port), "--workers", "1"]
        process = group.start("proxy", strangler_argv(*argv, "--admin-port", str(admin_port)))
        admin = f"http://127.0.0.1:{admin_port}"
        process.wait_ready(http_ok(admin + "/_strangler/health"), timeout=30)
        yield Stack(f"http://127.0.0.1:{port}", admin, monolith, recorder, routes, amqp_uri)
    delete_queues(amqp_uri, "rpc-proxy_echo")


@pytest.fixture
def recorder(stack: Stack) -> Iterator[Recorder]:
    """The server's recorder, emptied, answering the default reply; reset afterwards."""
    stack.recorder.received.clear()
    yield stack.recorder
    stack.recorder.reply = lambda received: Reply()


def through_both(stack: Stack, recorder: Recorder, request: bytes) -> tuple[Received, Received]:
    """What the server received from the client directly, then through the proxy."""
    raw_exchange(stack.monolith, request)
    proxied = raw_exchange(stack.proxy, request)
    assert proxied.values("X-Strangler-Backend") == ["monolith"], proxied
    direct, via_proxy = recorder.received
    return direct, via_proxy


# --- 1. the path the route was chosen on is the path forwarded ---------------------------------


@pytest.mark.parametrize(
    ("target", "forwarded"),
    [
        ("/api/catalog/products/../../admin/x", "/api/catalog/products/../../admin/x"),
        (
            "/api/catalog/products/%2e%2e/%2e%2e/admin/x",
            "/api/catalog/products/%2e%2e/%2e%2e/admin/x",
        ),
        ("/admin/./x", "/admin/./x"),
        ("/admin//x", "/admin//x"),
        ("/api%2F..%2Fadmin/x?a=%2F&b", "/api%2F..%2Fadmin/x?a=%2F&b"),
        ("http://elsewhere.example/api/../admin/x", "/api/../admin/x"),
    ],
)
def test_a_path_its_route_did_not_choose_reaches_the_monolith_byte_for_byte(
    stack: Stack, recorder: Recorder, target: str, forwarded: str
) -> None:
    answer = raw_exchange(stack.proxy, f"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    assert (answer.status, answer.body, answer.values("X-Strangler-Backend")) == (
        200,
        b"hello",
        ["monolith"],
    )
    assert [received.target for received in recorder.received] == [forwarded]


@pytest.mark.parametrize(
    "target", ["/admin/x", "//admin/x", "/admin%2Fx", "http://elsewhere.example/admin/x?k=v"]
)
def test_a_path_that_is_the_moved_route_reaches_the_service_and_never_the_monolith(
    stack: Stack, recorder: Recorder, target: str
) -> None:
    answer = raw_exchange(stack.proxy, f"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    assert answer.values("X-Strangler-Backend") == ["service"]
    query = {"k": "v"} if "?" in target else {}
    assert json.loads(answer.body) == {"name": "x", "query": query}
    assert recorder.received == []


# --- 2. what the monolith receives: the client's request, plus forwarding headers -------------


def forwarding(host: str | None) -> list[tuple[str, str]]:
    added = [("x-forwarded-for", "127.0.0.1"), ("x-forwarded-proto", "http")]
    return added + ([("x-forwarded-host", host)] if host else [])


@pytest.mark.parametrize(
    ("request_bytes", "dropped", "host"),
    [
        (
            b"GET /page?a=1 HTTP/1.1\r\nHost: shop.example\r\nAccept: */*\r\n"
            b"Cookie: sid=1\r\nX-Custom: Kept As Is\r\n\r\n",
            set(),
            "shop.example",
        ),
        (b"POST /form HTTP/1.1\r\nHost: shop.example\r\n\r\n", set(), "shop.example"),
        (b"GET /old HTTP/1.0\r\n\r\n", set(), None),
        (
            b"PUT /doc HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 4\r\n\r\nbody",
            set(),
            "h",
        ),
        (
            b"GET /hop HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
            b"Keep-Alive: timeout=5\r\nTE: trailers\r\n\r\n",
            {"connection", "x-drop", "keep-alive", "te"},
            "h",
        ),
    ],
)
def test_the_monolith_gets_the_clients_request_plus_the_forwarding_headers_only(
    stack: Stack, recorder: Recorder, request_bytes: bytes, dropped: set[str], host: str | None
) -> None:
    direct, via_proxy = through_both(stack, recorder, request_bytes)

    (request_id,) = [value for name, value in via_proxy.fields() if name == "x-request-id"]
    assert GENERATED_ID.match(request_id)
    kept = [(name, value) for name, value in direct.fields() if name not in dropped]
    assert via_proxy.fields() == sorted([*kept, *forwarding(host), ("x-request-id", request_id)])
    assert (via_proxy.method, via_proxy.target, via_proxy.body) == (
        direct.method,
        direct.target,
        direct.body,
    )


def test_forwarding_headers_a_client_made_up_are_replaced_and_its_request_id_kept(
    stack: Stack, recorder: Recorder
) -> None:
    request = (
        b"GET /spoof HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\n"
        b"X-Forwarded-Proto: https\r\nX-Forwarded-Host: bank.example\r\n"
        b"X-Request-Id: client-1\r\n\r\n"
    )
    _, via_proxy = through_both(stack, recorder, request)
    assert via_proxy.fields() == sorted(
        [("host", "h"), ("x-request-id", "client-1"), *forwarding("h")]
    )


def test_a_chunked_body_is_streamed_to_the_monolith_chunked(
    stack: Stack, recorder: Recorder
) -> None:
    request = (
        b"POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    raw_exchange(stack.proxy, request)
    (via_proxy,) = recorder.received
    assert via_proxy.body == b"abcde"
    fields = dict(via_proxy.fields())
    assert fields["transfer-encoding"] == "chunked"
    assert "content-length" not in fields


def test_a_trusted_proxys_forwarding_chain_is_extended(stack: Stack, recorder: Recorder) -> None:
    write_routes(stack.routes, stack.monolith, stack.amqp_uri, 'trusted_proxies = ["127.0.0.1"]')
    try:
        assert_reloaded(stack, lambda view: view["trusted_proxies"] == ["127.0.0.1/32"])
        request = (
            b"GET /relayed HTTP/1.1\r\nHost: internal\r\nX-Forwarded-For: 6.6.6.6\r\n"
            b"X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n\r\n"
        )
        raw_exchange(stack.proxy, request)
        fields = dict(recorder.received[-1].fields())
        assert (fields["x-forwarded-for"], fields["x-forwarded-proto"]) == (
            "6.6.6.6, 127.0.0.1",
            "https",
        )
        assert fields["x-forwarded-host"] == "shop.example"
    finally:
        write_routes(stack.routes, stack.monolith, stack.amqp_uri)
        assert_reloaded(stack, lambda view: view["trusted_proxies"] == [])


def assert_reloaded(stack: Stack, shows: Callable[[dict[str, Any]], bool]) -> None:
    """Ask the admin view until the proxy shows the new table (it looks once a second)."""
    deadline = time.monotonic() + 10
    while True:
        view = json.loads(urllib3.request("GET", stack.admin + "/_strangler/routes").data)
        if shows(view):
            return
        assert time.monotonic() < deadline, view
        time.sleep(0.1)


# --- 2. what the client gets back: the monolith's answer as it was -----------------------------


@pytest.mark.parametrize(
    ("method", "reply"),
    [
        ("GET", Reply(304, "Not Modified", (("ETag", '"v1"'), *APP_HEADERS), b"")),
        ("GET", Reply(304, "Not Modified", (("Content-Length", "1234"), *APP_HEADERS), b"")),
        ("HEAD", Reply(200, "OK", (("Content-Length", "42"), *APP_HEADERS), b"")),
        ("HEAD", Reply(200, "OK", APP_HEADERS, b"")),
        ("GET", Reply(204, "No Content", APP_HEADERS, b"")),
        ("GET", Reply(299, "Fine Thanks", (("Content-Length", "2"), *APP_HEADERS), b"ok")),
        (
            "GET",
            Reply(
                200,
                "OK",
                (("Content-Length", "2"), ("X-Request-Id", "from-the-app"), *APP_HEADERS),
                b"ok",
            ),
        ),
        (
            "GET",
            Reply(
                201,
                "Created",
                (
                    ("Set-Cookie", "a=1"),
                    ("Set-Cookie", "b=2"),
                    ("Content-Length", "0"),
                    *APP_HEADERS,
                ),
                b"",
            ),
        ),
    ],
)
def test_the_client_gets_the_monolith_answer_as_it_was_sent(
    stack: Stack, recorder: Recorder, method: str, reply: Reply
) -> None:
    recorder.reply = lambda received: reply
    request = f"{method} /answer HTTP/1.1\r\nHost: h\r\n\r\n".encode()
    direct = raw_exchange(stack.monolith, request)
    proxied = raw_exchange(stack.proxy, request)

    assert (proxied.status, proxied.reason, proxied.body) == (
        direct.status,
        direct.reason,
        direct.body,
    )
    assert proxied.values("X-Strangler-Backend") == ["monolith"]
    [request_id] = proxied.values("X-Request-Id")
    if direct.values("X-Request-Id"):
        assert request_id == "from-the-app"
    else:
        assert GENERATED_ID.match(request_id)
    proxy_own = {"x-strangler-backend", "x-request-id"} - {
        name.lower() for name, _ in direct.headers
    }
    assert fields_of(proxied, HOP_BY_HOP_IN_ANSWERS | proxy_own) == fields_of(direct, set())


def fields_of(answer: Answer, dropped: set[str]) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in answer.headers if k.lower() not in dropped)


# --- 4. nothing of the public port is reserved for the admin endpoints -------------------------


@pytest.mark.parametrize("host", ["h", "127.0.0.1:{admin_port}"])
def test_the_admin_paths_on_the_public_port_are_the_monolith_s(
    stack: Stack, recorder: Recorder, host: str
) -> None:
    host = host.format(admin_port=stack.admin.rsplit(":", 1)[1])
    request = f"GET /_strangler/routes?x=1 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    answer = raw_exchange(stack.proxy, request)
    assert (answer.body, answer.values("X-Strangler-Backend")) == (b"hello", ["monolith"])
    assert [received.target for received in recorder.received] == ["/_strangler/routes?x=1"]


def test_the_admin_port_shows_the_table_without_secrets_or_paths(stack: Stack) -> None:
    view = json.loads(urllib3.request("GET", stack.admin + "/_strangler/routes").data)
    assert view["amqp_uri"] == stack.amqp_uri.replace("guest:guest@", "guest:***@")
    assert view["monolith"] == stack.monolith
    assert str(stack.routes.parent) not in json.dumps(view)
    assert [route["path"] for route in view["routes"]] == ["/admin/<name>"]
