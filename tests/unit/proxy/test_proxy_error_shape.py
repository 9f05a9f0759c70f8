"""The routes file's `error_body`: the proxy's error bodies read as the monolith's do."""

from __future__ import annotations

from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE, ErrorShape
from strangler_proxy.errors import HttpError, RemoteError, RoutesFileError, ServiceTimeout
from strangler_proxy.routes_file import parse_routes

SHAPED = """
error_body = { message = "{message}", status = "{status}", detail = { kind = "{code}" } }

[[route]]
path = "/items/<int:item_id>"
methods = ["GET", "POST"]
target = "shop.item"
mode = "service"
"""


def client_for(tmp_path: Path, rpc: MemoryRpc) -> Client:
    return Client(memory_app(write_routes(tmp_path, SHAPED), MemoryMonolith(), rpc))


def test_a_services_error_takes_the_configured_shape(tmp_path: Path) -> None:
    response = client_for(tmp_path, MemoryRpc(RemoteError("NotFound", "no item 7"))).get("/items/7")
    assert response.status_code == 404
    assert response.get_json() == {
        "message": "no item 7",
        "status": 404,
        "detail": {"kind": "not_found"},
    }


@pytest.mark.parametrize(
    ("outcome", "body", "status"),
    [
        (ServiceTimeout("shop", "no reply within 5s"), b"{}", 504),
        ({"ok": True}, b"{not json", 400),
    ],
    ids=["timeout", "bad-json"],
)
def test_the_proxys_own_errors_on_a_route_take_the_shape_too(
    tmp_path: Path, outcome: object, body: bytes, status: int
) -> None:
    response = client_for(tmp_path, MemoryRpc(outcome)).post("/items/7", data=body)
    assert response.status_code == status
    shaped = response.get_json()
    assert (set(shaped), shaped["status"]) == ({"message", "status", "detail"}, status)


def test_without_error_body_errors_keep_the_monoliths_api_shape() -> None:
    assert parse_routes('monolith = "http://m"\n').settings.error_shape == DEFAULT_ERROR_SHAPE
    error = HttpError(404, "not_found", "gone")
    assert DEFAULT_ERROR_SHAPE.body(error) == {"error": {"code": "not_found", "message": "gone"}}


def test_placeholders_inside_longer_strings_and_lists_are_filled() -> None:
    shape = ErrorShape.of({"errors": ["{status}", "HTTP {status}: {message} ({code})", 1, True]})
    assert shape.body(HttpError(409, "conflict", "taken")) == {
        "errors": [409, "HTTP 409: taken (conflict)", 1, True]
    }


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('"oops"', "'error_body' must be a non-empty table"),
        ("{}", "'error_body' must be a non-empty table"),
        ('{ message = "{mesage}" }', "unknown placeholder {mesage}; use {code}, {message}"),
        ("{ at = 1979-05-27 }", "holds date"),
    ],
)
def test_a_bad_error_body_names_the_line_and_the_reason(value: str, reason: str) -> None:
    with pytest.raises(RoutesFileError) as caught:
        parse_routes(f'monolith = "http://m"\nerror_body = {value}\n', source="routes.toml")
    assert caught.value.line == 2
    assert reason in caught.value.reason
