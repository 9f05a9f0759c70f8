"""The real proxy never shows an internal address, a file path or a password: not in the error
bodies it makes, not in its admin views, not in its log. Its admin endpoints answer on the
loopback admin port, and on the public port to the bearer of the token only."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import urllib3
from recording_server import Recorder, Reply, raw_exchange, recording_server

from strangler.processes import ManagedProcess, ProcessGroup, free_port, http_ok
from strangler_demo.stack import strangler_argv

MONOLITH_PASSWORD = "monopw-1234"
BROKER_PASSWORD = "brokerpw-5678"
TOKEN = "admin-token-for-the-tests"
ROUTES = f"""
monolith = "http://operator:{MONOLITH_PASSWORD}@127.0.0.1:{{port}}"
amqp_uri = "{{amqp_uri}}"
monolith_timeout = 0.5
rpc_timeout = 0.5

[[route]]
path = "/api/orders"
methods = ["POST"]
target = "orders.create"
mode = "service"
"""
GOOD_AMQP_URI = f"amqp://guest:{BROKER_PASSWORD}@nohost.invalid:5672/"  # nothing answers there
MISTYPED_AMQP_URI = f"amqq://guest:{BROKER_PASSWORD}@nohost.invalid:5672/"


@dataclass(frozen=True)
class Stack:
    proxy: str
    admin: str
    monolith_port: int
    recorder: Recorder
    routes: Path
    process: ManagedProcess

    def secrets(self) -> list[str]:
        """What must never show: passwords, where the files are, where the monolith is."""
        address = f"127.0.0.1:{self.monolith_port}"
        return [MONOLITH_PASSWORD, BROKER_PASSWORD, str(self.routes.parent), address]


def write_routes(path: Path, port: int, amqp_uri: str) -> None:
    staged = path.with_suffix(".new")
    staged.write_text(ROUTES.format(port=port, amqp_uri=amqp_uri))
    os.replace(staged, path)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-leaks")
    with recording_server() as (monolith, recorder), ProcessGroup(logs) as group:
        monolith_port = int(monolith.rsplit(":", 1)[1])
        routes = logs / "routes.toml"
        write_routes(routes, monolith_port, GOOD_AMQP_URI)
        port, admin_port = free_port(), free_port()
        argv = ["proxy", "--routes", str(routes), "--port", str(port), "--workers", "1"]
        process = group.start(
            "proxy",
            strangler_argv(*argv, "--admin-port", str(admin_port)),
            env={"STRANGLER_ADMIN_TOKEN": TOKEN},
        )
        admin = f"http://127.0.0.1:{admin_port}"
        process.wait_ready(http_ok(admin + "/_strangler/stats"), timeout=30)
        yield Stack(f"http://127.0.0.1:{port}", admin, monolith_port, recorder, routes, process)


@pytest.fixture
def recorder(stack: Stack) -> Iterator[Recorder]:
    yield stack.recorder
    stack.recorder.reply = lambda received: Reply()


BIG = 10 * 1024 * 1024 + 1
SCENARIOS: dict[str, tuple[Reply, bytes, int, str, str]] = {
    "monolith too slow": (
        Reply(delay=1.5),
        b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n",
        504,
        "gateway_timeout",
        "the monolith did not answer in time",
    ),
    "monolith hangs up": (
        Reply(hang_up=True),
        b"GET /broken HTTP/1.1\r\nHost: h\r\n\r\n",
        502,
        "bad_gateway",
        "the monolith sent no valid response",
    ),
    "body too large": (
        Reply(),
        # refused by its length before the body is read: a client that waits to be told
        # (curl does, for a large body) never sends it
        b"POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n"
        b"Expect: 100-continue\r\n\r\n" % BIG,
        413,
        "payload_too_large",
        f"request body is too large; the limit is {BIG - 1} bytes",
    ),
    "not a path": (
        Reply(),
        b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
        400,
        "bad_request",
        "the request target must be a path or an absolute http(s) URL without user info",
    ),
    "bad JSON for a service": (
        Reply(),
        b"POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n{bad",
        400,
        "bad_request",
        "the request body is not valid JSON: Expecting property name enclosed in double quotes:"
        " line 1 column 2 (char 1)",
    ),
}


def run_scenario(stack: Stack, recorder: Recorder, name: str) -> dict[str, Any]:
    reply, request, status, code, message = SCENARIOS[name]
    recorder.reply = lambda received: reply
    answer = raw_exchange(stack.proxy, request)
    body: dict[str, Any] = json.loads(answer.body)
    assert (answer.status, body) == (status, {"error": {"code": code, "message": message}})
    return body


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_an_error_the_proxy_makes_is_one_json_shape_and_names_nothing_internal(
    stack: Stack, recorder: Recorder, name: str
) -> None:
    body = json.dumps(run_scenario(stack, recorder, name))
    assert [secret for secret in stack.secrets() if secret in body] == []


def test_the_monolith_out_of_reach_is_a_503_naming_nothing_internal(
    stack: Stack, recorder: Recorder
) -> None:
    write_routes(stack.routes, free_port(), GOOD_AMQP_URI)  # nothing listens there
    try:
        assert_admin_shows(stack, lambda view: str(stack.monolith_port) not in view["monolith"])
        answer = raw_exchange(stack.proxy, b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n")
        assert (answer.status, json.loads(answer.body)) == (
            503,
            {"error": {"code": "service_unavailable", "message": "the monolith is unavailable"}},
        )
    finally:
        write_routes(stack.routes, stack.monolith_port, GOOD_AMQP_URI)
        assert_admin_shows(stack, lambda view: str(stack.monolith_port) in view["monolith"])


def admin_get(stack: Stack, view: str) -> Any:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = urllib3.request("GET", f"{stack.admin}/_strangler/{view}", headers=headers)
    assert answer.status == 200, answer.data
    return json.loads(answer.data)


def assert_admin_shows(stack: Stack, shows: Callable[[dict[str, Any]], bool]) -> None:
    """Ask the routes view until it shows what the test wrote (the proxy looks once a second)."""
    deadline = time.monotonic() + 10
    while not shows(view := admin_get(stack, "routes")):
        assert time.monotonic() < deadline, view
        time.sleep(0.1)


def test_the_admin_views_hide_passwords_and_paths(stack: Stack) -> None:
    routes, health = admin_get(stack, "routes"), admin_get(stack, "health")
    assert routes["monolith"] == f"http://operator:***@127.0.0.1:{stack.monolith_port}"
    assert routes["amqp_uri"] == "amqp://guest:***@nohost.invalid:5672/"
    assert (health["monolith"]["url"], health["broker"]["uri"]) == (
        routes["monolith"],
        routes["amqp_uri"],
    )
    shown = json.dumps([routes, health])
    assert [s for s in (MONOLITH_PASSWORD, BROKER_PASSWORD, str(stack.routes)) if s in shown] == []


def test_a_mistyped_amqp_uri_is_reported_without_its_password_or_the_files_path(
    stack: Stack,
) -> None:
    write_routes(stack.routes, stack.monolith_port, MISTYPED_AMQP_URI)
    try:
        assert_admin_shows(stack, lambda view: view["last_reload_error"] is not None)
        assert admin_get(stack, "routes")["last_reload_error"] == (
            "line 3: 'amqp_uri' must be an amqp:// or amqps:// URI,"
            " got 'amqq://guest:***@nohost.invalid:5672/'"
        )
    finally:
        write_routes(stack.routes, stack.monolith_port, GOOD_AMQP_URI)
        assert_admin_shows(stack, lambda view: view["last_reload_error"] is None)


def test_the_proxys_log_shows_no_password_path_or_monolith_address(
    stack: Stack, recorder: Recorder
) -> None:
    for name in SCENARIOS:
        run_scenario(stack, recorder, name)
    write_routes(stack.routes, stack.monolith_port, MISTYPED_AMQP_URI)
    try:
        assert_admin_shows(stack, lambda view: view["last_reload_error"] is not None)
    finally:
        write_routes(stack.routes, stack.monolith_port, GOOD_AMQP_URI)
        assert_admin_shows(stack, lambda view: view["last_reload_error"] is None)
    raw_exchange(
        stack.proxy, b"POST /api/orders HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
    )

    log = stack.process.log_tail(lines=100_000)
    assert "routes file not reloaded" in log and "the monolith did not answer in time" in log
    assert "falls back to the monolith" in log  # the broker was out of reach
    assert [secret for secret in stack.secrets() if secret in log] == []


@pytest.mark.parametrize(
    ("where", "authorization", "status"),
    [
        ("public", None, 401),
        ("public", "Bearer not-the-token-at-all", 401),
        ("public", f"Bearer {TOKEN}", 200),
        ("admin", None, 401),
        ("admin", f"Bearer {TOKEN}", 200),
    ],
)
def test_the_admin_endpoints_answer_the_bearer_of_the_token_only(
    stack: Stack, recorder: Recorder, where: str, authorization: str | None, status: int
) -> None:
    recorder.received.clear()
    base = stack.proxy if where == "public" else stack.admin
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = urllib3.request("GET", base + "/_strangler/stats", headers=headers)
    assert answer.status == status
    if status == 401:
        assert json.loads(answer.data)["error"]["code"] == "unauthorized"
    assert recorder.received == []
