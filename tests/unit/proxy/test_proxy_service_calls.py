"""What a service call carries, with in-memory backends: context data, the JSON body rules,
and envelope (`protocol = "http"`) calls; plus the routes-file keys that set them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler.envelope import ResponseEnvelope
from strangler_proxy.errors import MalformedRequest, RoutesFileError
from strangler_proxy.http_types import Request, RouteMatch
from strangler_proxy.json_body import MAX_DEPTH, parse_json_body
from strangler_proxy.route_table import PassedValue
from strangler_proxy.routes_file import parse_routes
from strangler_proxy.rpc_context import context_data

ROUTES = """
[[route]]
path = "/with-extras"
methods = ["GET", "POST"]
target = "shop.seen"
mode = "service"
context = ["header:X-Tenant-Id", "cookie:cart"]

[[route]]
path = "/plain"
methods = ["GET", "POST"]
target = "shop.seen"
mode = "service"

[[route]]
path = "/page/<path:rest>"
methods = ["GET", "POST"]
target = "shop.http"
mode = "service"
protocol = "http"

[[route]]
path = "/forwarded"
methods = ["POST"]
mode = "monolith"
"""
CLIENT_HEADERS = {
    "Authorization": "Bearer secret",
    "Accept-Language": "de",
    "User-Agent": "ua/1",
    "X-Tenant-Id": "acme",
    "Cookie": "cart=c1; other=2",
}


def client_for(tmp_path: Path, monolith: MemoryMonolith, rpc: MemoryRpc) -> Client:
    # no cookie jar: the Cookie header goes as written
    return Client(memory_app(write_routes(tmp_path, ROUTES), monolith, rpc), use_cookies=False)


def test_the_standard_context_and_the_routes_extras_go_with_the_call(tmp_path: Path) -> None:
    rpc = MemoryRpc({"ok": True})
    client = client_for(tmp_path, MemoryMonolith(), rpc)
    client.get("/with-extras", headers=CLIENT_HEADERS)
    client.get("/plain", headers=CLIENT_HEADERS)
    standard = {"auth_token": "Bearer secret", "language": "de", "user_agent": "ua/1"}
    assert rpc.contexts == [{**standard, "x_tenant_id": "acme", "cart": "c1"}, standard]


def test_absent_headers_and_cookies_send_no_keys() -> None:
    match = RouteMatch("/a", "s", "m", context=(PassedValue("cookie", "cart"),))
    assert context_data(Request("GET", "/a", (("Cookie", "other=1"),), match=match)) == {}


def test_only_rpc_method_targets_parse_the_body(tmp_path: Path) -> None:
    monolith = MemoryMonolith()
    rpc = MemoryRpc(ResponseEnvelope(200, "OK", (), b"").to_wire())
    client = client_for(tmp_path, monolith, rpc)
    bad = client.post("/plain", data=b"{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_request"
    assert client.post("/page/x", data=b"{not json").status_code == 200
    assert client.post("/forwarded", data=b"{not json").status_code == 200
    [(_, method, kwargs, _)] = rpc.calls
    assert method == "http"
    assert base64.b64decode(kwargs["request"]["body"]) == b"{not json"
    assert monolith.bodies == [b"{not json"]


def test_an_envelope_route_returns_the_services_response_as_it_made_it(tmp_path: Path) -> None:
    made = ResponseEnvelope(
        202, "Taken", (("Set-Cookie", "a=1"), ("X-Mid", "m"), ("Set-Cookie", "b=2")), b"\xff"
    )
    rpc = MemoryRpc(made.to_wire())
    response = client_for(tmp_path, MemoryMonolith(), rpc).get(
        "/page/a%2Fb?q=1", headers={"X-Request-Id": "env-9", **CLIENT_HEADERS}
    )
    assert (response.status, response.data) == ("202 Taken", b"\xff")
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["X-Strangler-Backend"] == "service"
    [(service, method, kwargs, call_id)] = rpc.calls
    assert (service, method, call_id, set(kwargs)) == ("shop", "http", "env-9", {"request"})
    assert (kwargs["request"]["path"], kwargs["request"]["query_string"]) == ("/page/a%2Fb", "q=1")
    assert rpc.contexts[0]["auth_token"] == "Bearer secret"


def nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"[]" + b"}" * (depth - 1)


def test_json_nested_to_the_limit_is_read() -> None:
    value = parse_json_body(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH - 1):
        value = value["a"]
    assert value == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (nested(MAX_DEPTH + 1), "nested deeper than 64 levels"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (b"[NaN]", "not valid JSON: NaN is not JSON"),
        (b'{"a": -Infinity}', "not valid JSON: -Infinity is not JSON"),
        (b'{"a": 1', "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
    ],
)
def test_malformed_or_too_deep_json_is_a_malformed_request(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedRequest, match=reason):
        parse_json_body(body)


def route_with(lines: str) -> str:
    return (
        f'monolith = "http://m"\n[[route]]\npath = "/a"\ntarget = "s.m"\nmode = "service"\n{lines}'
    )


def test_protocol_and_context_are_read_from_the_routes_file() -> None:
    [route] = parse_routes(
        route_with('protocol = "http"\ncontext = ["header:X-Tenant-Id", "cookie:Cart-Id"]\n')
    ).routes
    assert route.protocol == "http"
    assert route.context == (PassedValue("header", "X-Tenant-Id"), PassedValue("cookie", "Cart-Id"))
    assert [value.context_key for value in route.context] == ["x_tenant_id", "cart_id"]
    assert route.describe()["context"] == ["header:X-Tenant-Id", "cookie:Cart-Id"]
    [default] = parse_routes(route_with("")).routes
    assert (default.protocol, default.context) == ("rpc", ())


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ('protocol = "soap"\n', "unknown protocol 'soap'; use one of: rpc, http"),
        ('context = "header:X-A"\n', "'context' must be a list of strings, got a string"),
        ('context = ["X-A"]\n', "bad context value 'X-A': use \"header:<name>\" or"),
        ('context = ["header:User-Agent"]\n', "would set nameko's own key 'user_agent'"),
        ('context = ["cookie:user_id"]\n', "would set nameko's own key 'user_id'"),
        ('context = ["cookie:call_id_stack"]\n', "would set nameko's own key 'call_id_stack'"),
        (
            'context = ["header:X-Cart", "cookie:x_cart"]\n',
            "context values 'header:X-Cart' and 'cookie:x_cart' both travel as 'x_cart'",
        ),
    ],
)
def test_a_bad_protocol_or_context_names_the_line_and_the_reason(lines: str, reason: str) -> None:
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(route_with(lines), source="routes.toml")
    assert caught.value.line == 6
    assert reason in caught.value.reason
