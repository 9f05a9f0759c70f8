"""Upgrade requests: which are asked for, which pass, and what the monolith gets.

The relay itself runs under gunicorn: tests/integration/proxy/test_proxy_websocket.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.forwarded import forwarded_headers
from strangler_proxy.http_types import Request
from strangler_proxy.upgrade import requested_upgrade

ROUTES = """
[[route]]
path = "/ws/moved"
target = "chat.join"
mode = "service"

[[route]]
path = "/ws/shadowed"
target = "chat.watch"
mode = "shadow"
"""
WEBSOCKET = {"Upgrade": "websocket", "Connection": "keep-alive, Upgrade"}


@pytest.mark.parametrize(
    ("headers", "protocol"),
    [
        ((("Upgrade", "WebSocket"), ("Connection", "Upgrade")), "websocket"),
        ((("Upgrade", "h2c, websocket"), ("Connection", "HTTP2-Settings, upgrade")), "h2c"),
        ((("Upgrade", "websocket"),), None),  # Connection does not name it: a plain header
        ((("Upgrade", "websocket"), ("Connection", "keep-alive")), None),
        ((("Connection", "Upgrade"),), None),
    ],
)
def test_an_upgrade_is_asked_for_with_upgrade_named_in_connection(
    headers: tuple[tuple[str, str], ...], protocol: str | None
) -> None:
    assert requested_upgrade(Request("GET", "/", headers)) == protocol


def test_the_monolith_gets_the_upgrade_and_no_other_hop_by_hop_header() -> None:
    request = Request(
        "GET",
        "/ws",
        (
            ("Host", "a.test"),
            ("Connection", "Upgrade, X-Secret"),
            ("Upgrade", "websocket"),
            ("X-Secret", "s"),
            ("Sec-WebSocket-Key", "k"),
        ),
        remote_addr="10.0.0.9",
    )
    assert forwarded_headers(request, upgrade=True) == (
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Host", "a.test"),
        ("Sec-WebSocket-Key", "k"),
        ("X-Forwarded-For", "10.0.0.9"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Host", "a.test"),
    )
    assert ("Upgrade", "websocket") not in forwarded_headers(request)


def client_for(tmp_path: Path, monolith: MemoryMonolith, rpc: MemoryRpc | None = None) -> Client:
    app = memory_app(write_routes(tmp_path, ROUTES), monolith, rpc or MemoryRpc({"x": 1}))
    return Client(app, use_cookies=False)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ws/chat", {"Upgrade": "h2c", "Connection": "Upgrade, HTTP2-Settings"}),
        ("/ws/moved", WEBSOCKET),
    ],
)
def test_other_upgrades_and_websockets_to_a_service_are_a_501_never_passed_on(
    tmp_path: Path, path: str, headers: dict[str, str]
) -> None:
    monolith = MemoryMonolith()
    response = client_for(tmp_path, monolith).get(path, headers=headers)
    assert response.status_code == 501
    assert response.get_json()["error"]["code"] == "not_implemented"
    assert monolith.requests == []


def test_a_server_that_gives_no_socket_gets_a_501_and_the_monoliths_connection_is_closed(
    tmp_path: Path,
) -> None:
    monolith = MemoryMonolith()
    response = client_for(tmp_path, monolith).get("/ws/chat", headers=WEBSOCKET)
    assert response.status_code == 501
    assert [request.target for request in monolith.requests] == ["/ws/chat"]
    assert monolith.upstream is not None
    assert monolith.upstream.recv(1) == b""  # the proxy's end was closed


def test_a_websocket_on_a_shadow_route_goes_to_the_monolith_and_is_never_shadowed(
    tmp_path: Path,
) -> None:
    monolith, rpc = MemoryMonolith(), MemoryRpc({"x": 1})
    client_for(tmp_path, monolith, rpc).get("/ws/shadowed", headers=WEBSOCKET)
    assert [request.target for request in monolith.requests] == ["/ws/shadowed"]
    assert monolith.upstream is not None  # it was asked to switch
    time.sleep(0.2)  # a shadow call would run in the background by now
    assert rpc.calls == []
