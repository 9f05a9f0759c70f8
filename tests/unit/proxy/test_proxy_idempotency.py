"""The idempotency key each write carries, and the 409 + Retry-After a running one gets.

In memory: the pure key (`strangler_proxy/idempotency.py`), the context data it
travels in, the routes file keeping the key for the proxy, and the error table.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.errors import RemoteError, RoutesFileError, http_error_for
from strangler_proxy.http_types import Request, RouteMatch
from strangler_proxy.idempotency import idempotency_key
from strangler_proxy.routes_file import parse_routes
from strangler_proxy.routing import may_fall_back
from strangler_proxy.rpc_context import context_data

ORDERS = RouteMatch("/orders", "shop", "place_order")
CARTS = RouteMatch("/carts", "shop", "fill_cart")


def write(method: str = "POST", *, key: str | None = None, **fields: Any) -> Request:
    headers = (("Idempotency-Key", key),) if key is not None else ()
    return Request(method, "/orders", headers, match=ORDERS, **fields)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_method_that_does_not_write_carries_no_key(method: str) -> None:
    assert idempotency_key(write(method, key="k-1")) is None
    assert "idempotency_key" not in context_data(write(method, key="k-1"))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_carries_a_key_in_its_context_data(method: str) -> None:
    request = write(method)
    assert context_data(request)["idempotency_key"] == f"proxy:{request.nonce}"


def test_without_a_client_key_each_request_gets_its_own_that_its_retries_keep() -> None:
    first, second = write(request_id="same-id"), write(request_id="same-id")
    assert idempotency_key(first) != idempotency_key(second)  # never the client's X-Request-Id
    assert "same-id" not in (idempotency_key(first) or "")
    routed_again = replace(first, match=ORDERS)  # what the app passes to the backend
    assert idempotency_key(routed_again) == idempotency_key(first)


def test_a_client_key_is_the_same_for_the_same_route_method_and_user() -> None:
    key = idempotency_key(write(key="k-1", user_id="7"))
    assert key is not None and key.startswith("client:")
    assert idempotency_key(write(key=" k-1 ", user_id="7")) == key
    assert "k-1" not in key  # hashed: the client's text never reaches a table as it is


@pytest.mark.parametrize(
    "other",
    [
        write(key="k-2", user_id="7"),
        write(key="k-1", user_id="8"),
        write(key="k-1"),
        write("PUT", key="k-1", user_id="7"),
        replace(write(key="k-1", user_id="7"), match=CARTS),
    ],
    ids=["other key", "other user", "no user", "other method", "other route"],
)
def test_a_client_key_is_scoped_by_route_method_and_user(other: Request) -> None:
    assert idempotency_key(other) != idempotency_key(write(key="k-1", user_id="7"))


def test_a_blank_client_key_counts_as_none() -> None:
    request = write(key="  ")
    assert idempotency_key(request) == f"proxy:{request.nonce}"


def test_a_route_cannot_send_its_own_idempotency_key() -> None:
    text = 'monolith = "http://m"\n[[route]]\npath = "/a"\ntarget = "s.m"\nmode = "service"\n'
    with pytest.raises(RoutesFileError, match="nameko's own key 'idempotency_key'"):
        parse_routes(text + 'context = ["header:Idempotency-Key"]\n')


def test_a_call_still_running_is_a_409_with_retry_after_never_a_fallback() -> None:
    running = RemoteError("RequestInProgress", "a request with this idempotency key is running")
    error = http_error_for(running)
    assert (error.status, error.code, error.retry_after) == (409, "conflict", 1)
    assert not may_fall_back("POST", running) and not may_fall_back("GET", running)
    assert http_error_for(RemoteError("Conflict", "taken")).retry_after is None


def test_the_client_gets_the_retry_after_header(tmp_path: Path) -> None:
    routes = '[[route]]\npath = "/orders"\nmethods = ["POST"]\ntarget = "shop.place_order"\n'
    running = RemoteError("RequestInProgress", "a request with this idempotency key is running")
    monolith = MemoryMonolith()
    app = memory_app(
        write_routes(tmp_path, routes + 'mode = "service"\n'), monolith, MemoryRpc(running)
    )
    response = Client(app).post("/orders", json={"n": 1}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 409
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["message"] == running.value
    assert monolith.requests == []
