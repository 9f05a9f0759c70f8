"""Fuzzing the real proxy (gunicorn) over a socket: malformed request lines, huge headers,
smuggling attempts, absolute-form and CONNECT, odd paths.

Behind it: a monolith that records every request as it arrived, a second such server
("elsewhere") that nothing may ever reach, and an echo service over RabbitMQ for the
moved routes. For every request, whatever its bytes: no 5xx; the proxy's own refusals
are in its JSON error shape; the monolith got the request exactly when the route chose
it, for exactly the target its routing (`route_oracle.py`) picks no moved route for;
the service got it exactly when the route chose the service, with the parameters of
the path sent. `/admin/smuggled` is a moved route: should it ever reach the monolith,
a request was hidden from the proxy's routing inside another one.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fuzzing import fuzz_settings, targets_under
from hypothesis import given
from hypothesis import strategies as st
from proxy_stack import delete_queues, start_service
from recording_server import Recorder, recording_server
from route_oracle import MonolithRouter

from strangler.processes import ProcessGroup, free_port, http_ok
from strangler_demo.stack import strangler_argv
from strangler_proxy.request_target import parse_request_target
from strangler_proxy.routes_file import parse_routes

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"

[[route]]
path = "/admin/<name>"
methods = ["GET", "POST"]
target = "proxy_echo.echo"
mode = "service"

[[route]]
path = "/api/items/<int:item_id>"
methods = ["GET", "DELETE"]
target = "proxy_echo.echo"
mode = "service"

[[route]]
path = "/files/<path:rest>"
target = "proxy_echo.echo"
mode = "service"
"""
ROUTE_PREFIXES = ("/admin/", "/api/items/", "/files/", "/admin%2F", "//admin/", "/api/./items/")
SMUGGLED = b"GET /admin/smuggled HTTP/1.1\r\nHost: h\r\n\r\n"


@dataclass(frozen=True)
class Stack:
    proxy: tuple[str, int]
    monolith: Recorder
    elsewhere: Recorder
    elsewhere_port: int
    router: MonolithRouter


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-fuzz")
    with (
        recording_server() as (monolith, recorder),
        recording_server() as (elsewhere, elsewhere_recorder),
        ProcessGroup(logs) as group,
    ):
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        routes = ROUTES.format(monolith=monolith, amqp_uri=amqp_uri)
        (logs / "routes.toml").write_text(routes)
        port, admin_port = free_port(), free_port()
        argv = ["proxy", "--routes", str(logs / "routes.toml"), "--port", str(port)]
        process = group.start("proxy", strangler_argv(*argv, "--admin-port", str(admin_port)))
        process.wait_ready(http_ok(f"http://127.0.0.1:{admin_port}/_strangler/health"), 30)
        yield Stack(
            ("127.0.0.1", port),
            recorder,
            elsewhere_recorder,
            int(elsewhere.rsplit(":", 1)[1]),
            MonolithRouter(parse_routes(routes)),
        )
    delete_queues(amqp_uri, "rpc-proxy_echo")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def exchange(address: tuple[str, int], request: bytes) -> Answer | None:
    """Send the bytes on a new connection and end it (so a short body is seen short at
    once); the first answer, or None when it closed first."""
    with socket.create_connection(address, timeout=15) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except ConnectionError:
            pass  # it refused early; its answer is read below
        response = http.client.HTTPResponse(sock, method=request.split(b" ", 1)[0].decode())
        try:
            response.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None
        return Answer(response.status, response.msg, response.read())


# --- what the fuzzer sends ----------------------------------------------------------------


def target_strategy(elsewhere_port: int) -> st.SearchStrategy[str]:
    elsewhere = f"127.0.0.1:{elsewhere_port}"
    origin = targets_under(ROUTE_PREFIXES)
    return st.one_of(
        origin,
        origin.map(lambda target: f"http://{elsewhere}{target}"),
        st.sampled_from([elsewhere, "*", f"http://user@{elsewhere}/admin/x", "admin/x", ""]),
    )


METHOD = st.sampled_from(["GET", "GET", "POST", "HEAD", "DELETE", "CONNECT", "get", "G(T"])
VERSION = st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 x", ""])
CHUNKED_SMUGGLING = b"0\r\n\r\n" + SMUGGLED
FRAMINGS: list[tuple[list[str], bytes]] = [
    ([], b""),
    (["Content-Length: 5"], b"hello"),
    (["Content-Length: 0"], SMUGGLED),
    (["Transfer-Encoding: chunked"], CHUNKED_SMUGGLING),
    (["Content-Length: 5", "Transfer-Encoding: chunked"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding: chunked", "Content-Length: 48"], CHUNKED_SMUGGLING),
    (["Content-Length: 5", "Content-Length: 48"], b"hello" + SMUGGLED),
    (["Content-Length: 5", "Content-Length: 5"], b"hello"),
    (["Content-Length: 5, 5"], b"hello"),
    (["Content-Length: +5"], b"hello"),
    (["Transfer-Encoding: Chunked"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding:  chunked"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding: chunked, identity"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding: identity, chunked"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding: xchunked"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding: chunked", "Transfer-Encoding: identity"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding:\x0bchunked"], CHUNKED_SMUGGLING),
    (["Transfer-Encoding", " chunked"], CHUNKED_SMUGGLING),  # obs-fold
    (["Transfer-Encoding: chunked"], b"5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"),
    (["Transfer-Encoding: chunked"], b"zz\r\nhello\r\n0\r\n\r\n"),
    (["Content-Length: 100"], b"short"),
]
EXTRA_HEADERS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "X-A: 1",
                "X-Folded: a\r\n b",  # obs-fold
                "Bad Name: 1",
                "X-Nul: a\x00b",
                ": empty name",
                "Host: second.example",
                "Expect: 100-continue",
                "Upgrade: h2c",
            ]
        ),
        st.sampled_from([100, 9000, 70_000]).map(lambda size: "X-Big: " + "a" * size),
    ),
    max_size=3,
)


@st.composite
def malformed_requests(draw: st.DrawFn, elsewhere_port: int) -> tuple[str, str, bytes]:
    """(method, target, the request's bytes): odd request lines, framings and headers."""
    method, target, version = draw(METHOD), draw(target_strategy(elsewhere_port)), draw(VERSION)
    framing, body = draw(st.sampled_from(FRAMINGS))
    host = draw(st.sampled_from([["Host: shop.example"], [], ["Host: a", "Host: b"]]))
    lines = [f"{method} {target} {version}".rstrip(" "), *host, *framing, *draw(EXTRA_HEADERS)]
    return method, target, "\r\n".join([*lines, "", ""]).encode("latin-1") + body


@st.composite
def routed_requests(draw: st.DrawFn, elsewhere_port: int) -> tuple[str, str, bytes]:
    """(method, target, the request's bytes): well-formed, to odd paths near the routes."""
    method = draw(st.sampled_from(["GET", "HEAD", "POST", "DELETE"]))
    target = draw(target_strategy(elsewhere_port))
    request = f"{method} {target} HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 0\r\n\r\n"
    return method, target, request.encode("latin-1")


# --- the properties -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "requests", [routed_requests, malformed_requests], ids=["routed", "malformed"]
)
def test_the_proxy_routes_every_request_or_refuses_it_in_its_shape(
    stack: Stack, requests: Callable[[int], st.SearchStrategy[tuple[str, str, bytes]]]
) -> None:
    @fuzz_settings(100)
    @given(request=requests(stack.elsewhere_port))
    def check(request: tuple[str, str, bytes]) -> None:
        method, target, raw = request
        before = len(stack.monolith.received)
        answer = exchange(stack.proxy, raw)
        assert answer is not None, raw  # every request gets an answer
        backend = answer.headers.get("X-Strangler-Backend")
        reached = [f"{r.method} {r.target}" for r in stack.monolith.received[before:]]
        assert stack.elsewhere.received == []  # never an open proxy
        if backend is None:  # the proxy's own refusal: nothing went anywhere
            assert answer.status in (*range(400, 500), 501), (raw, answer)
            assert answer.headers["Content-Type"] == "application/json", raw
            if method != "HEAD":
                assert set(json.loads(answer.body)["error"]) == {"code", "message"}, raw
            assert reached == [], raw
            return
        forwarded = parse_request_target(target).target
        picked = stack.router.picks(method, forwarded)
        if backend == "proxy":  # refused once routed: its body broke off mid-way
            assert answer.status in range(400, 500), (raw, answer)
            assert set(json.loads(answer.body)["error"]) == {"code", "message"}, raw
            # the monolith may have had the head of the body it was streamed, nothing else
            assert picked is None and reached in ([], [f"{method} {forwarded}"]), raw
            return
        if backend == "service":
            assert picked is not None and picked[0].mode == "service", raw
            assert answer.status < 500 and reached == [], (raw, answer)
            if answer.status == 200 and method != "HEAD":  # else refused: a body not JSON
                echoed = json.loads(answer.body)
                params = {k: v for k, v in echoed.items() if k not in ("query", "body")}
                assert params == picked[1], raw
            return
        # the monolith's answer (a 501 to CONNECT is its own), for a path no moved route has
        assert backend == "monolith", (raw, backend)
        assert picked is None, raw
        assert reached == [f"{method} {forwarded}"], raw

    check()
    sentinel = exchange(stack.proxy, b"GET /last HTTP/1.1\r\nHost: h\r\n\r\n")
    assert sentinel is not None and sentinel.status == 200
    assert "/admin/smuggled" not in [r.target for r in stack.monolith.received]
