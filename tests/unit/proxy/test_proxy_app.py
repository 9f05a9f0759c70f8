"""The WSGI app with in-memory backends: routing, fallback rules, shadowing, headers, admin."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, memory_backends, write_routes
from werkzeug.test import Client, TestResponse

from strangler_proxy.admin import AdminAccess
from strangler_proxy.app import ProxyApp, create_app, read_request
from strangler_proxy.errors import (
    RemoteError,
    ServiceTimeout,
    ServiceUnavailable,
)
from strangler_proxy.http_types import Request, Response
from strangler_proxy.route_table import DEFAULT_SERVICE_MAX_BODY
from strangler_proxy.routes_file import RoutesFile, load_routes

ROUTES = """
[[route]]
path = "/items/<int:item_id>"
methods = ["GET", "POST"]
target = "shop.item"
mode = "service"

[[route]]
path = "/shadowed"
methods = ["GET", "POST"]
target = "shop.shadowed"
mode = "shadow"

[[route]]
path = "/canary"
target = "shop.canary"
mode = "canary"
percent = 50
"""


@pytest.fixture
def monolith() -> MemoryMonolith:
    return MemoryMonolith()


def client_for(
    tmp_path: Path, monolith: MemoryMonolith, rpc: MemoryRpc, **kwargs: object
) -> Client:
    app = memory_app(write_routes(tmp_path, ROUTES), monolith, rpc, **kwargs)
    return Client(app)


def test_a_service_route_calls_the_service_with_the_rpc_convention(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc({"id": 7, "name": "lamp"})
    response = client_for(tmp_path, monolith, rpc).get(
        "/items/7?color=red&color=blue", headers={"X-Request-Id": "req-1"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"id": 7, "name": "lamp"}
    assert response.headers["X-Strangler-Backend"] == "service"
    assert response.headers["X-Strangler-Route"] == "/items/<int:item_id>"
    assert response.headers["X-Request-Id"] == "req-1"
    assert rpc.calls == [("shop", "item", {"item_id": 7, "query": {"color": "red"}}, "req-1")]
    assert monolith.requests == []


def test_a_write_passes_the_json_body(tmp_path: Path, monolith: MemoryMonolith) -> None:
    rpc = MemoryRpc({"ok": True})
    response = client_for(tmp_path, monolith, rpc).post("/items/3", json={"qty": 2})
    assert response.status_code == 200
    assert rpc.calls[0][2] == {"item_id": 3, "query": {}, "body": {"qty": 2}}


def test_a_bad_json_body_is_a_400_without_calling_anyone(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc({})
    response = client_for(tmp_path, monolith, rpc).post(
        "/items/3", data=b"{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert rpc.calls == [] and monolith.requests == []


def test_a_body_over_a_services_limit_is_a_413_without_calling_anyone(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc({})
    response = client_for(tmp_path, monolith, rpc).post(
        "/items/3", data=b"x" * (DEFAULT_SERVICE_MAX_BODY + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json() == {
        "error": {
            "code": "payload_too_large",
            "message": f"request body is too large; the limit is {DEFAULT_SERVICE_MAX_BODY} bytes",
        }
    }
    assert rpc.calls == [] and monolith.requests == []


def test_a_body_forwarded_to_the_monolith_has_no_limit_by_default(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    body = b"x" * (DEFAULT_SERVICE_MAX_BODY + 1)
    response = client_for(tmp_path, monolith, MemoryRpc({})).post("/orders", data=body)
    assert response.status_code == 200
    assert monolith.bodies == [body]


def test_unmatched_paths_go_to_the_monolith_untouched(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    response = client_for(tmp_path, monolith, MemoryRpc()).get("/orders?x=1")
    assert response.status_code == 200
    assert response.headers["X-Strangler-Backend"] == "monolith"
    assert "X-Strangler-Route" not in response.headers
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert len(response.headers["X-Request-Id"]) == 32
    assert monolith.requests[0].target == "/orders?x=1"


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ServiceUnavailable("shop", "no consumers"), "no-consumers"),
        (ServiceUnavailable("shop", "broker down"), "broker-down"),
        (ServiceTimeout("shop", "no reply"), "timeout"),
        (RemoteError("KeyError", "x"), "remote-error"),
    ],
)
def test_reads_fall_back_to_the_monolith_on_any_service_failure(
    tmp_path: Path, monolith: MemoryMonolith, error: Exception, reason: str
) -> None:
    app = memory_app(write_routes(tmp_path, ROUTES), monolith, MemoryRpc(error))
    response = Client(app).get("/items/1")
    assert response.status_code == 200
    assert response.get_json() == {"source": "monolith"}
    assert response.headers["X-Strangler-Backend"] == f"monolith; fallback={reason}"
    stats = app.stats.snapshot()["routes"]["/items/<int:item_id>"]
    assert stats["fallbacks"] == {reason: 1}
    assert stats["backends"] == {"monolith": 1}


def test_a_write_falls_back_when_the_call_was_never_delivered(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc(ServiceUnavailable("shop", "unroutable"))
    response = client_for(tmp_path, monolith, rpc).post("/items/1", json={})
    assert response.headers["X-Strangler-Backend"] == "monolith; fallback=unroutable"
    assert [r.method for r in monolith.requests] == ["POST"]


def test_a_write_that_timed_out_is_a_504_and_never_reaches_the_monolith(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc(ServiceTimeout("shop", "no reply within 1s"))
    response = client_for(tmp_path, monolith, rpc).post("/items/1", json={"qty": 1})
    assert response.status_code == 504
    assert response.get_json()["error"]["code"] == "gateway_timeout"
    assert response.headers["X-Strangler-Backend"] == "service"
    assert monolith.requests == []
    assert len(rpc.calls) == 1


@pytest.mark.parametrize(
    ("exc_type", "status", "code", "message"),
    [
        ("NotFound", 404, "not_found", "item 9 not found"),
        ("BadRequest", 400, "bad_request", "item 9 not found"),
        ("Conflict", 409, "conflict", "item 9 not found"),
        ("Forbidden", 403, "forbidden", "item 9 not found"),
        ("ValueError", 500, "internal_error", "internal server error"),
    ],
)
def test_remote_errors_map_through_the_one_table(
    tmp_path: Path, monolith: MemoryMonolith, exc_type: str, status: int, code: str, message: str
) -> None:
    rpc = MemoryRpc(RemoteError(exc_type, "item 9 not found"))
    response = client_for(tmp_path, monolith, rpc).post("/items/9", json={})
    assert response.status_code == status
    assert response.get_json() == {"error": {"code": code, "message": message}}
    assert monolith.requests == []


def test_an_expected_remote_error_on_a_read_is_an_answer_not_a_fallback(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc(RemoteError("NotFound", "item 9 not found"))
    response = client_for(tmp_path, monolith, rpc).get("/items/9")
    assert response.status_code == 404
    assert response.headers["X-Strangler-Backend"] == "service"
    assert monolith.requests == []


def wait_for_shadow(app: ProxyApp, rule: str, outcome: str) -> None:
    deadline = time.monotonic() + 5
    while app.stats.snapshot()["routes"].get(rule, {}).get("shadow", {}).get(outcome, 0) == 0:
        assert time.monotonic() < deadline, app.stats.snapshot()
        time.sleep(0.01)


def test_shadow_answers_from_the_monolith_and_compares_reads(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc({"source": "service"})
    app = memory_app(write_routes(tmp_path, ROUTES), monolith, rpc)
    response = Client(app).get("/shadowed")
    assert response.get_json() == {"source": "monolith"}
    assert response.headers["X-Strangler-Backend"] == "monolith"
    wait_for_shadow(app, "/shadowed", "different")
    stats = app.stats.snapshot()["routes"]["/shadowed"]
    assert stats["shadow_differing_fields"] == {"source": 1}
    rpc.outcome = {"source": "monolith"}
    Client(app).get("/shadowed")
    wait_for_shadow(app, "/shadowed", "equal")


def test_shadow_never_shadows_a_write(tmp_path: Path, monolith: MemoryMonolith) -> None:
    rpc = MemoryRpc({"source": "monolith"})
    app = memory_app(write_routes(tmp_path, ROUTES), monolith, rpc)
    response = Client(app).post("/shadowed", json={"a": 1})
    assert response.headers["X-Strangler-Backend"] == "monolith"
    time.sleep(0.2)
    assert rpc.calls == []
    assert app.stats.snapshot()["routes"]["/shadowed"]["shadow"] == {}


def test_canary_uses_the_draw(tmp_path: Path, monolith: MemoryMonolith) -> None:
    rpc = MemoryRpc({"source": "service"})
    low = client_for(tmp_path, monolith, rpc, draw=lambda: 0.1).get("/canary")
    high = client_for(tmp_path, monolith, rpc, draw=lambda: 0.9).get("/canary")
    assert low.headers["X-Strangler-Backend"] == "service"
    assert high.headers["X-Strangler-Backend"] == "monolith"


def test_head_on_a_service_route_has_length_but_no_body(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    response = client_for(tmp_path, monolith, MemoryRpc({"id": 1})).head("/items/1")
    assert response.status_code == 200
    assert response.data == b""
    assert int(response.headers["Content-Length"]) == len(b'{"id":1}\n')


ADMIN_PORT = "9090"
TOKEN = "a-token-of-16-chars-or-more"


def on_admin_port(client: Client, path: str, **kwargs: Any) -> TestResponse:
    """GET `path` as if it came in on the admin listener (SERVER_PORT is the listener's port)."""
    return client.get(path, environ_overrides={"SERVER_PORT": ADMIN_PORT}, **kwargs)


def test_the_admin_port_shows_health_routes_and_stats(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    client = client_for(
        tmp_path, monolith, MemoryRpc({"x": 1}), admin=AdminAccess(port=int(ADMIN_PORT))
    )
    client.get("/items/1")
    health = on_admin_port(client, "/_strangler/health")
    assert health.status_code == 200
    assert health.get_json()["broker"]["reachable"] is False
    assert health.get_json()["monolith"]["reachable"] is True
    assert health.get_json()["status"] == "degraded"
    routes = on_admin_port(client, "/_strangler/routes").get_json()
    assert [(r["path"], r["mode"], r["percent"]) for r in routes["routes"]] == [
        ("/items/<int:item_id>", "service", None),
        ("/shadowed", "shadow", None),
        ("/canary", "canary", 50),
    ]
    stats = on_admin_port(client, "/_strangler/stats").get_json()
    assert stats["routes"]["/items/<int:item_id>"]["backends"] == {"service": 1}
    assert on_admin_port(client, "/_strangler/nope").status_code == 404
    posted = client.post("/_strangler/stats", environ_overrides={"SERVER_PORT": ADMIN_PORT})
    assert (posted.status_code, posted.headers["Allow"]) == (405, "GET, HEAD")


def test_the_admin_port_answers_nothing_but_the_admin_endpoints(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    rpc = MemoryRpc({"x": 1})
    client = client_for(tmp_path, monolith, rpc, admin=AdminAccess(port=int(ADMIN_PORT)))
    answer = on_admin_port(client, "/items/1")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"
    assert monolith.requests == [] and rpc.calls == []


@pytest.mark.parametrize("admin", [AdminAccess(), AdminAccess(port=int(ADMIN_PORT))])
def test_without_a_token_the_admin_paths_on_the_public_port_go_to_the_monolith(
    tmp_path: Path, monolith: MemoryMonolith, admin: AdminAccess
) -> None:
    client = client_for(tmp_path, monolith, MemoryRpc(), admin=admin)
    answer = client.get("/_strangler/health?x=1")
    assert answer.get_json() == {"source": "monolith"}
    assert answer.headers["X-Strangler-Backend"] == "monolith"
    assert [request.target for request in monolith.requests] == ["/_strangler/health?x=1"]


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong-token-wrong-token", 401),
        (f"Basic {TOKEN}", 401),
        (f"Bearer {TOKEN}", 200),
        (f"bearer  {TOKEN}", 200),
    ],
)
def test_with_a_token_the_public_port_serves_the_admin_endpoints_to_its_bearer_only(
    tmp_path: Path, monolith: MemoryMonolith, authorization: str | None, status: int
) -> None:
    client = client_for(tmp_path, monolith, MemoryRpc(), admin=AdminAccess(token=TOKEN))
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = client.get("/_strangler/stats", headers=headers)
    assert answer.status_code == status
    if status == 401:
        assert answer.get_json()["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert monolith.requests == []


def test_with_a_token_the_admin_port_needs_it_too(tmp_path: Path, monolith: MemoryMonolith) -> None:
    admin = AdminAccess(port=int(ADMIN_PORT), token=TOKEN)
    client = client_for(tmp_path, monolith, MemoryRpc(), admin=admin)
    assert on_admin_port(client, "/_strangler/stats").status_code == 401
    authorized = {"Authorization": f"Bearer {TOKEN}"}
    assert on_admin_port(client, "/_strangler/stats", headers=authorized).status_code == 200


def test_an_unexpected_crash_is_a_json_500_not_a_traceback(tmp_path: Path) -> None:
    class Exploding(MemoryMonolith):
        def handle(self, request: Request, *, stream: bool = False) -> Response:
            raise RuntimeError("bug")

    response = client_for(tmp_path, Exploding(), MemoryRpc()).get("/orders")
    assert response.status_code == 500
    assert json.loads(response.data) == {
        "error": {"code": "internal_error", "message": "internal server error"}
    }


def test_a_running_proxy_reloads_a_changed_file_and_keeps_the_last_good_table(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    now = [0.0]
    path = write_routes(tmp_path, ROUTES)
    app = memory_app(
        path, monolith, MemoryRpc({"x": 1}), clock=lambda: now[0], admin=AdminAccess(port=9090)
    )
    client = Client(app)
    assert client.get("/items/1").headers["X-Strangler-Backend"] == "service"

    path.write_text(path.read_text().replace('mode = "service"', 'mode = "monolith"'))
    assert client.get("/items/1").headers["X-Strangler-Backend"] == "service"  # not yet checked
    now[0] = 1.5
    assert client.get("/items/1").headers["X-Strangler-Backend"] == "monolith"

    path.write_text(path.read_text() + "\n[[route]]\npath = 3\n")
    now[0] = 3.0
    assert client.get("/items/1").headers["X-Strangler-Backend"] == "monolith"
    error = on_admin_port(client, "/_strangler/routes").get_json()["last_reload_error"]
    assert error == "line 22: route #4: 'path' must be a string, got an integer"

    write_routes(tmp_path, ROUTES)
    app.routes.request_reload()
    assert client.get("/items/1").headers["X-Strangler-Backend"] == "service"
    assert on_admin_port(client, "/_strangler/routes").get_json()["last_reload_error"] is None


def test_a_worker_started_on_a_bad_file_serves_the_fallback_table_and_says_why(
    tmp_path: Path, monolith: MemoryMonolith
) -> None:
    path = write_routes(tmp_path, ROUTES)
    good_table = load_routes(path)
    path.write_text(path.read_text().replace('mode = "service"', 'mdoe = "service"', 1))

    app = create_app(
        RoutesFile(path),
        fallback_table=good_table,
        admin=AdminAccess(port=int(ADMIN_PORT)),
        backend_factory=memory_backends(monolith),
    )
    client = Client(app)

    assert client.get("/items/1").headers["X-Strangler-Backend"] == "service"
    error = on_admin_port(client, "/_strangler/routes").get_json()["last_reload_error"]
    assert error.startswith("line 7: route #1: unknown key 'mdoe'")
    assert str(tmp_path) not in error
    assert "hint:" not in error


MOVED = """
[[route]]
path = "/admin/<name>"
target = "shop.admin"
mode = "service"
"""


def raw_get(client: Client, target: str, **environ: str) -> TestResponse:
    """GET with this exact request-line target, as gunicorn hands it over (RAW_URI)."""
    path, _, query = target.partition("?")
    overrides = {"RAW_URI": target, "PATH_INFO": unquote(path), "QUERY_STRING": query, **environ}
    return client.get("/", environ_overrides=overrides)


@pytest.mark.parametrize(
    ("target", "forwarded"),
    [
        ("/api/catalog/products/../../admin/x", "/api/catalog/products/../../admin/x"),
        (
            "/api/catalog/products/%2e%2e/%2E%2E/admin/x",
            "/api/catalog/products/%2e%2e/%2E%2E/admin/x",
        ),
        ("/admin//x", "/admin//x"),
        ("/admin/x/?a=%2F&b", "/admin/x/?a=%2F&b"),
        ("/api%2F..%2Fadmin/x", "/api%2F..%2Fadmin/x"),
        ("http://elsewhere.example/api/../admin/x?q", "/api/../admin/x?q"),
    ],
)
def test_a_path_the_route_did_not_choose_reaches_the_monolith_exactly_as_sent(
    tmp_path: Path, monolith: MemoryMonolith, target: str, forwarded: str
) -> None:
    rpc = MemoryRpc({"source": "service"})
    client = Client(memory_app(write_routes(tmp_path, MOVED), monolith, rpc))
    answer = raw_get(client, target)
    assert answer.headers["X-Strangler-Backend"] == "monolith"
    assert [request.target for request in monolith.requests] == [forwarded]
    assert rpc.calls == []


@pytest.mark.parametrize(
    "target", ["/admin/x", "//admin/x", "/admin%2Fx", "http://h.example/admin/x"]
)
def test_a_path_that_decodes_to_a_moved_route_reaches_the_service_only(
    tmp_path: Path, monolith: MemoryMonolith, target: str
) -> None:
    rpc = MemoryRpc({"source": "service"})
    client = Client(memory_app(write_routes(tmp_path, MOVED), monolith, rpc))
    answer = raw_get(client, target)
    assert answer.headers["X-Strangler-Backend"] == "service"
    assert [call[:3] for call in rpc.calls] == [("shop", "admin", {"name": "x", "query": {}})]
    assert monolith.requests == []


def test_an_absolute_form_target_names_the_host(tmp_path: Path, monolith: MemoryMonolith) -> None:
    client = Client(memory_app(write_routes(tmp_path, ROUTES), monolith, MemoryRpc()))
    raw_get(client, "http://elsewhere.example:8080/orders?x=1", HTTP_HOST="proxy.example")
    (request,) = monolith.requests
    assert (request.target, request.header("Host")) == ("/orders?x=1", "elsewhere.example:8080")
    assert [value for key, value in request.headers if key == "Host"] == ["elsewhere.example:8080"]


@pytest.mark.parametrize("target", ["*", "elsewhere.example:443", "http://user:pw@h.example/x"])
def test_a_target_that_is_not_a_path_is_a_400_and_reaches_nobody(
    tmp_path: Path, monolith: MemoryMonolith, target: str
) -> None:
    rpc = MemoryRpc()
    client = Client(memory_app(write_routes(tmp_path, ROUTES), monolith, rpc))
    answer = raw_get(client, target)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_request"
    assert monolith.requests == [] and rpc.calls == []


def test_a_server_without_the_raw_target_gets_the_decoded_path_quoted_again() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/a b/caf\u00c3\u00a9",  # WSGI strings are latin-1: these are UTF-8 bytes
        "QUERY_STRING": "x=1",
        "SERVER_NAME": "proxy",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    assert read_request(environ).target == "/a%20b/caf%C3%A9?x=1"


def test_backend_headers_can_be_turned_off(tmp_path: Path, monolith: MemoryMonolith) -> None:
    path = write_routes(tmp_path, "backend_headers = false\n" + ROUTES)
    answer = Client(memory_app(path, monolith, MemoryRpc({"id": 7}))).get("/items/7")
    assert answer.get_json() == {"id": 7}
    assert "X-Strangler-Backend" not in answer.headers
    assert "X-Strangler-Route" not in answer.headers
    assert len(answer.headers["X-Request-Id"]) == 32
