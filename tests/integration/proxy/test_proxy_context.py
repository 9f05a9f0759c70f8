"""The request context reaches a real Nameko service through the real proxy.

The service (`proxy_context_service.py`) reads its context with nameko's own
`contextdata` providers, as any service would; the proxy runs under gunicorn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import urllib3
from proxy_stack import delete_queues, start_monolith, start_proxy, start_service

from strangler.processes import ProcessGroup

pytestmark = pytest.mark.rabbitmq

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"

[[route]]
path = "/ctx"
methods = ["GET", "POST"]
target = "proxy_context.seen"
mode = "service"
context = ["header:X-Tenant-Id", "cookie:cart"]

[[route]]
path = "/plain"
methods = ["GET", "POST"]
target = "proxy_context.seen"
mode = "service"

[[route]]
path = "/api/account"
methods = ["GET", "POST"]
target = "proxy_context.seen"
mode = "service"
auth = "monolith:/auth/check"
auth_user = "header:X-User-Id"

[[route]]
path = "/api/me"
target = "proxy_context.seen"
mode = "service"
auth = "monolith:/auth/me"
auth_user = "json:user.id"
"""
CLIENT_HEADERS = {
    "Authorization": "Bearer t0k3n",
    "Accept-Language": "fr-CH, fr;q=0.9",
    "User-Agent": "context-test/1.0",
    "X-Tenant-Id": "acme",
    "Cookie": "other=1; cart=c-42",
}


@dataclass(frozen=True)
class Stack:
    proxy: str
    monolith: str


@pytest.fixture(scope="module")
def stack(amqp_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("proxy-context")
    with ProcessGroup(logs) as group:
        monolith = start_monolith(group)
        start_service(
            group, amqp_uri, "ProxyContextService", "proxy_context", "proxy_context_service"
        )
        routes = logs / "routes.toml"
        routes.write_text(ROUTES.format(monolith=monolith, amqp_uri=amqp_uri))
        proxy, _ = start_proxy(group, routes)
        yield Stack(proxy, monolith)
    delete_queues(amqp_uri, "rpc-proxy_context")


http = urllib3.PoolManager(retries=False)


def seen(stack: Stack, path: str, method: str = "GET", **kwargs: Any) -> urllib3.BaseHTTPResponse:
    return http.request(method, stack.proxy + path, timeout=10.0, **kwargs)


def direct(stack: Stack, path: str, method: str = "GET", **kwargs: Any) -> urllib3.BaseHTTPResponse:
    return http.request(method, stack.monolith + path, timeout=10.0, **kwargs)


def test_the_standard_context_and_the_routes_extras_reach_the_service(stack: Stack) -> None:
    response = seen(stack, "/ctx", headers={**CLIENT_HEADERS, "X-Request-Id": "ctx-1"})
    assert response.status == 200, response.data
    got = response.json()
    [proxy_call, service_call] = got.pop("call_id_stack")
    assert proxy_call == "strangler-proxy.ctx-1"
    assert service_call.startswith("proxy_context.seen.")
    assert got == {
        "auth_token": "Bearer t0k3n",
        "language": "fr-CH, fr;q=0.9",
        "user_agent": "context-test/1.0",
        "user_id": None,  # only the proxy's auth step may set it, never a client
        "tenant": "acme",
        "cart": "c-42",
        "body": None,
    }


def test_extra_headers_and_cookies_pass_only_where_the_route_lists_them(stack: Stack) -> None:
    got = seen(stack, "/plain", headers=CLIENT_HEADERS).json()
    assert (got["tenant"], got["cart"]) == (None, None)
    assert got["auth_token"] == "Bearer t0k3n"


def test_a_request_without_those_headers_sends_no_context_keys(stack: Stack) -> None:
    got = seen(stack, "/ctx", headers={"User-Agent": ""}).json()
    assert [got[key] for key in ("auth_token", "language", "tenant", "cart")] == [None] * 4


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{oops", "the request body is not valid JSON"),
        (b'{"price": NaN}', "the request body is not valid JSON"),
        (nested(65), "the request body's JSON is nested deeper than 64 levels"),
        (nested(200_000), "the request body's JSON is nested deeper than 64 levels"),
    ],
)
def test_a_malformed_or_too_deep_json_body_is_a_400_in_the_error_shape(
    stack: Stack, body: bytes, message: str
) -> None:
    response = seen(stack, "/ctx", "POST", body=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith(message)
    assert response.headers["X-Strangler-Backend"] == "service"


def test_json_nested_to_the_limit_reaches_the_service(stack: Stack) -> None:
    response = seen(stack, "/ctx", "POST", body=nested(64))
    assert response.status == 200
    assert json.dumps(response.json()["body"], separators=(",", ":")).encode() == nested(64)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "headers",
    [{}, {"Cookie": "session=guess"}, {"Cookie": "session=guess", "X-User-Id": "u-7"}],
    ids=["anonymous", "bad-session", "forged-user"],
)
def test_moving_a_protected_endpoint_to_a_service_never_makes_it_public(
    stack: Stack, method: str, headers: dict[str, str]
) -> None:
    monoliths = direct(stack, "/api/account", method, headers=headers)
    proxied = seen(stack, "/api/account", method, headers=headers)
    assert monoliths.status == 401
    assert (proxied.status, proxied.data) == (monoliths.status, monoliths.data)
    assert proxied.headers["WWW-Authenticate"] == monoliths.headers["WWW-Authenticate"]
    assert proxied.headers["X-Strangler-Backend"] == "monolith; fallback=auth"


def test_a_client_the_monolith_lets_in_reaches_the_service_as_its_user(stack: Stack) -> None:
    account = seen(stack, "/api/account", headers={"Cookie": "session=s3cret"})
    assert account.headers["X-Strangler-Backend"] == "service"
    assert account.json()["user_id"] == "u-7"  # from the monolith's X-User-Id answer
    me = seen(stack, "/api/me", headers={"Cookie": "session=s3cret", "X-User-Id": "u-1"})
    assert me.headers["X-Strangler-Backend"] == "service"
    assert me.json()["user_id"] == "7"  # from its JSON answer, never the client's header
