"""`strangler proxy` as a real gunicorn process between a real monolith and real Nameko services."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import urllib3
from click.testing import CliRunner
from proxy_stack import (
    SLOW_SECONDS,
    delete_queues,
    start_monolith,
    start_proxy,
    start_service,
)

from strangler.nameko_rpc import CONSUMER_CHECK_SECONDS
from strangler.processes import ProcessGroup, free_port
from strangler_cli import cli
from strangler_demo.stack import strangler_argv
from strangler_proxy.compare import run_comparison
from strangler_proxy.requests_file import parse_requests

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = 0.7

[[route]]
path = "/api/items/<int:item_id>"
target = "proxy_echo.get_item"
mode = "service"

[[route]]
path = "/api/items"
methods = ["POST"]
mode = "monolith"

[[route]]
path = "/api/echo/<name>"
methods = ["GET", "POST"]
target = "proxy_echo.echo"
mode = "service"

[[route]]
path = "/api/slow/<key>"
methods = ["POST"]
target = "proxy_echo.slow_write"
mode = "service"

[[route]]
path = "/api/count/<key>"
target = "proxy_echo.call_count"
mode = "service"

[[route]]
path = "/api/ghost/<int:item_id>"
target = "proxy_ghost.get"
mode = "service"

[[route]]
path = "/api/spare/<int:item_id>"
target = "proxy_spare.get_item"
mode = "service"

[[route]]
path = "/api/spare"
methods = ["POST"]
target = "proxy_spare.create"
mode = "service"

[[route]]
path = "/api/spare/held"
methods = ["GET", "POST"]
target = "proxy_spare.create"
mode = "service"
write_fallback = false
"""


@dataclass(frozen=True)
class Stack:
    monolith: str
    proxy: str
    admin: str
    amqp_uri: str
    logs: Path


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-e2e")
    with ProcessGroup(logs) as group:
        monolith = start_monolith(group)
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        routes = logs / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        proxy, admin = start_proxy(group, routes)
        yield Stack(monolith, proxy, admin, amqp_uri, logs)
    delete_queues(amqp_uri, "rpc-proxy_echo", "rpc-proxy_spare")


http = urllib3.PoolManager(retries=False)


def call(url: str, method: str = "GET", **kwargs: Any) -> urllib3.BaseHTTPResponse:
    return http.request(method, url, redirect=False, timeout=10.0, **kwargs)


def test_a_service_route_is_answered_by_the_service(stack: Stack) -> None:
    response = call(stack.proxy + "/api/items/7", headers={"X-Request-Id": "e2e-1"})
    assert response.status == 200
    assert response.json() == {"id": 7, "source": "service"}
    assert response.headers["X-Strangler-Backend"] == "service"
    assert response.headers["X-Strangler-Route"] == "/api/items/<int:item_id>"
    assert response.headers["X-Request-Id"] == "e2e-1"
    missing = call(stack.proxy + "/api/items/404")
    assert missing.status == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "item 404 not found"}}


def test_query_path_params_and_json_body_reach_the_service(stack: Stack) -> None:
    response = call(stack.proxy + "/api/echo/lamp?color=red&color=blue", "POST", json={"qty": 2})
    assert response.json() == {"name": "lamp", "query": {"color": "red"}, "body": {"qty": 2}}
    bad = call(
        stack.proxy + "/api/echo/lamp",
        "POST",
        body=b"{oops",
        headers={"Content-Type": "application/json"},
    )
    assert bad.status == 400
    assert bad.json()["error"]["code"] == "bad_request"


def test_forwarded_routes_keep_status_headers_cookies_and_body(stack: Stack) -> None:
    created = call(stack.proxy + "/api/items", "POST", json={"name": "desk"})
    assert created.status == 201
    assert created.json() == {"created": {"name": "desk"}, "source": "monolith"}
    assert created.headers["Location"] == "/api/items/1"
    assert created.headers.getlist("Set-Cookie") == [
        "session=abc; Path=/",
        "theme=dark; Path=/",
    ]
    assert created.headers["X-Strangler-Backend"] == "monolith"
    assert created.headers["X-Strangler-Route"] == "/api/items"
    teapot = call(stack.proxy + "/teapot")
    assert (teapot.status, teapot.data, teapot.headers["X-Custom"]) == (
        418,
        b"short and stout",
        "yes",
    )
    assert "X-Strangler-Route" not in teapot.headers


def test_redirects_are_passed_back_not_followed(stack: Stack) -> None:
    response = call(stack.proxy + "/redirect")
    assert response.status == 302
    assert response.headers["Location"] == "/api/items/1"


def test_the_monolith_sees_forwarding_headers_and_no_hop_by_hop_ones(stack: Stack) -> None:
    response = call(
        stack.proxy + "/headers",
        headers={"X-Forwarded-For": "9.9.9.9", "Connection": "keep-alive, X-Drop", "X-Drop": "1"},
    )
    seen = response.json()
    assert seen["x-forwarded-for"] == "127.0.0.1"  # the client's own is not trusted
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == stack.proxy.removeprefix("http://")
    assert seen["x-request-id"] == response.headers["X-Request-Id"]
    assert "x-drop" not in seen


def test_a_write_that_times_out_is_a_504_and_was_applied_once(stack: Stack) -> None:
    key = uuid.uuid4().hex
    response = call(stack.proxy + f"/api/slow/{key}", "POST", json={"a": 1})
    assert response.status == 504
    assert response.json()["error"]["code"] == "gateway_timeout"
    assert response.headers["X-Strangler-Backend"] == "service"
    time.sleep(SLOW_SECONDS)
    counted = call(stack.proxy + f"/api/count/{key}")
    assert counted.json() == 1, (counted.headers, counted.data)


def test_an_unroutable_read_falls_back_to_the_monolith(stack: Stack) -> None:
    response = call(stack.proxy + "/api/ghost/1")
    assert response.status == 404  # the monolith's own answer: it has no such page
    assert response.headers["X-Strangler-Backend"] == "monolith; fallback=unroutable"


def test_reads_and_unsent_writes_fall_back_when_the_service_stops(
    stack: Stack, tmp_path: Path
) -> None:
    with ProcessGroup(tmp_path) as group:
        spare = start_service(group, stack.amqp_uri, "ProxySpareService", "proxy_spare")
        served = call(stack.proxy + "/api/spare/3")
        assert (served.json(), served.headers["X-Strangler-Backend"]) == (
            {"id": 3, "source": "service"},
            "service",
        )
        spare.stop()
    time.sleep(CONSUMER_CHECK_SECONDS)  # the proxy's last "it has consumers" holds this long
    read = call(stack.proxy + "/api/spare/3")
    assert read.json() == {"id": 3, "source": "monolith"}
    assert read.headers["X-Strangler-Backend"] == "monolith; fallback=no-consumers"
    write = call(stack.proxy + "/api/spare", "POST", json={"n": 1})
    assert write.json() == {"created": {"n": 1}, "source": "monolith"}
    assert write.headers["X-Strangler-Backend"] == "monolith; fallback=no-consumers"


def test_a_write_the_service_never_got_is_a_503_when_writes_may_not_fall_back(
    stack: Stack,
) -> None:
    """Once the service owns what the route writes, the monolith must not write it: no
    instance consumes proxy_spare here, so the POST is refused, not forwarded."""
    write = call(stack.proxy + "/api/spare/held", "POST", json={"n": 1})
    assert write.status == 503
    assert write.headers["X-Strangler-Backend"] == "service"
    assert write.json() == {
        "error": {"code": "service_unavailable", "message": "the service is unavailable"}
    }
    read = call(stack.proxy + "/api/spare/held")  # reads still fall back
    assert read.headers["X-Strangler-Backend"].startswith("monolith; fallback=")


def test_admin_endpoints_report_health_routes_and_stats(stack: Stack) -> None:
    call(stack.proxy + "/api/items/1")
    health = call(stack.admin + "/_strangler/health").json()
    assert health["status"] == "ok"
    assert health["broker"]["reachable"] and health["monolith"]["reachable"]
    routes = call(stack.admin + "/_strangler/routes").json()
    assert routes["routes"][0]["target"] == "proxy_echo.get_item"
    assert "guest:***@" in routes["amqp_uri"]
    stats = call(stack.admin + "/_strangler/stats").json()["routes"]["/api/items/<int:item_id>"]
    assert stats["backends"]["service"] >= 1


def test_compare_reports_differences_per_endpoint_and_field(stack: Stack) -> None:
    requests = parse_requests("GET /api/items/1\nGET /api/items/2\nGET /api/ghost/1\n")
    report = run_comparison(stack.monolith, stack.proxy, requests)
    items, ghost = report.endpoints
    assert (items.endpoint, items.compared, items.different) == ("/api/items/<int:item_id>", 2, 2)
    assert [(f.path, f.example) for f in items.fields] == [("source", "GET /api/items/1")]
    assert (ghost.endpoint, ghost.not_served) == ("/api/ghost/<int:item_id>", 1)
    assert not report.ok
    ignored = run_comparison(stack.monolith, stack.proxy, requests[:2], ignore=["source"])
    assert ignored.ok
    assert ignored.endpoints[0].ignored_fields == ("source",)


def test_the_compare_command_prints_the_report_and_sets_the_exit_code(
    stack: Stack, tmp_path: Path
) -> None:
    requests = tmp_path / "requests.txt"
    requests.write_text("# items\nGET /api/items/1\n")
    base = ["compare", "--monolith", stack.monolith, "--proxy", stack.proxy]
    base += ["--requests", str(requests)]
    differing = CliRunner().invoke(cli, base)
    assert differing.exit_code == 1
    assert "differs at source" in differing.output
    equal = CliRunner().invoke(cli, [*base, "--ignore", "source", "--format", "json"])
    assert equal.exit_code == 0, equal.output
    assert json.loads(equal.output)["ok"] is True
    unreachable = CliRunner().invoke(
        cli, ["compare", "--monolith", f"http://127.0.0.1:{free_port()}", *base[3:]]
    )
    assert "cannot reach the monolith" in str(unreachable.exception)


def test_the_proxy_refuses_a_bad_routes_file_and_every_process_stops(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('monolith = "http://127.0.0.1:1"\n[[route]]\npath = "/a"\nmode = "service"\n')
    refused = subprocess.run(
        strangler_argv("proxy", "--routes", str(bad)), capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert f"{bad}:2: route #1: missing key 'target'" in refused.stderr

    good = tmp_path / "good.toml"
    good.write_text('monolith = "http://127.0.0.1:1"\n')
    with ProcessGroup(tmp_path / "logs") as group:
        proxy, _ = start_proxy(group, good)
        assert "listening on" in group.processes[0].log_tail()
        unreachable = call(proxy + "/anything")
        assert unreachable.status == 503
        assert unreachable.json()["error"]["code"] == "service_unavailable"
        leader = group.processes[0].pid
    with pytest.raises(ProcessLookupError):
        os.killpg(leader, 0)
