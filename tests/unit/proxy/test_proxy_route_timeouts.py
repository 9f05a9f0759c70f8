"""A route's own `timeout` reaches the backend it is sent to; a bad one names its route."""

from __future__ import annotations

from pathlib import Path

import pytest
from proxy_fakes import MemoryMonolith, MemoryRpc, memory_app, write_routes
from werkzeug.test import Client

from strangler_proxy.errors import RoutesFileError
from strangler_proxy.http_types import Request, Response
from strangler_proxy.routes_file import parse_routes

ROUTES = """
[[route]]
path = "/slow/<int:n>"
target = "reports.slow"
mode = "service"
timeout = 30

[[route]]
path = "/quick/<int:n>"
target = "reports.quick"
mode = "service"
"""


class RecordingMonolith(MemoryMonolith):
    """Remembers the timeout each forwarded request carried."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[float | None] = []

    def handle(self, request: Request, *, stream: bool = False) -> Response:
        self.timeouts.append(request.timeout)
        return super().handle(request, stream=stream)


def test_the_service_call_and_the_monolith_get_the_routes_own_timeout(tmp_path: Path) -> None:
    rpc = MemoryRpc({"ok": True})
    monolith = RecordingMonolith()
    client = Client(memory_app(write_routes(tmp_path, ROUTES), monolith, rpc))
    assert client.get("/slow/1").status_code == 200
    assert client.get("/quick/1").status_code == 200
    assert rpc.timeouts == [30.0, None]  # None: the client's own, the top-level rpc_timeout
    assert client.get("/elsewhere").status_code == 200
    assert monolith.timeouts == [None]


@pytest.mark.parametrize("value", ["0", "-1", '"soon"', "true"])
def test_a_timeout_that_is_not_a_positive_number_is_refused_with_its_route(value: str) -> None:
    text = (
        'monolith = "http://m"\n[[route]]\npath = "/a"\ntarget = "s.m"\nmode = "service"\n'
        f"timeout = {value}\n"
    )
    with pytest.raises(RoutesFileError, match=r":6: route #1: .*'timeout' must be a positive"):
        parse_routes(text)
