"""A running proxy whose routes file changes its settings closes the replaced RPC client's
broker connections at once: the next requests still answer from the service, and the
proxy's connections on the broker do not pile up with each change (needs rabbitmqctl)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import urllib3
from proxy_stack import start_monolith, start_proxy, start_service

from strangler.processes import ProcessGroup
from strangler_proxy.rpc_client import CALLER_NAME

pytestmark = pytest.mark.rabbitmq  # and rabbitmqctl beside the broker, as make test has it

ROUTES = """
monolith = "{monolith}"
amqp_uri = "{amqp_uri}"
rpc_timeout = {rpc_timeout}

[[route]]
path = "/api/items/<int:item_id>"
target = "proxy_echo.get_item"
mode = "service"
"""
THREADS = 4  # start_proxy's threads per worker: at most one live connection each


def proxy_connections(vhost: str) -> set[str]:
    """The broker's names (client address -> broker address) of the proxy's connections."""
    listing = subprocess.run(
        [
            "rabbitmqctl",
            "-q",
            "list_connections",
            "--no-table-headers",
            "name",
            "vhost",
            "client_properties",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split("\t", 2) for line in listing.splitlines() if line.count("\t") >= 2]
    marker = f'{{"connection_name","{CALLER_NAME} pid='
    return {name for name, on, properties in rows if on == vhost and marker in properties}


def answered_by_service(proxy: str) -> bool:
    response = urllib3.request("GET", proxy + "/api/items/1")
    return response.status == 200 and response.headers["X-Strangler-Backend"] == "service"


def write_settings(routes: Path, monolith: str, amqp_uri: str, rpc_timeout: float) -> None:
    text = ROUTES.format(monolith=monolith, amqp_uri=amqp_uri, rpc_timeout=rpc_timeout)
    routes.with_suffix(".new").write_text(text)
    routes.with_suffix(".new").replace(routes)


def test_changed_settings_close_the_old_clients_broker_connections(
    amqp_uri: str, tmp_path: Path
) -> None:
    vhost = unquote(urlsplit(amqp_uri).path[1:])
    routes = tmp_path / "routes.toml"
    with ProcessGroup(tmp_path / "logs") as group:
        monolith = start_monolith(group)
        start_service(group, amqp_uri, "ProxyEchoService", "proxy_echo")
        write_settings(routes, monolith, amqp_uri, 2.0)
        proxy, _ = start_proxy(group, routes)
        assert all(answered_by_service(proxy) for _ in range(8))
        old = proxy_connections(vhost)
        assert old
        for rpc_timeout in (3.0, 4.0, 5.0):
            write_settings(routes, monolith, amqp_uri, rpc_timeout)
            deadline = time.monotonic() + 10.0
            while (now := proxy_connections(vhost)) & old:
                assert time.monotonic() < deadline, f"still open: {now & old}"
                assert answered_by_service(proxy)
                time.sleep(0.3)
            assert all(answered_by_service(proxy) for _ in range(8))
            old = proxy_connections(vhost)
            assert 1 <= len(old) <= THREADS, old
        log = group.processes[-1].log_tail(400)
        assert "Traceback" not in log, log
