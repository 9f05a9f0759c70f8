"""A server that cannot listen says so at once, not after gunicorn's retries and "Can't connect"."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from strangler.processes import free_port
from strangler.wsgi_server import AddressUnavailable, check_address
from strangler_demo.stack import strangler_argv


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_a_free_port_passes_until_something_listens_on_it() -> None:
    port = free_port()
    check_address("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", port))  # the probe let go of the port
        server.listen()
        with pytest.raises(AddressUnavailable, match=f"port {port} on 127.0.0.1 is already in use"):
            check_address("127.0.0.1", port)


def test_a_port_in_use_names_the_port_and_what_to_do(busy_port: int) -> None:
    with pytest.raises(AddressUnavailable) as caught:
        check_address("127.0.0.1", busy_port)
    assert caught.value.message == f"port {busy_port} on 127.0.0.1 is already in use"
    assert caught.value.hint is not None and "--port" in caught.value.hint


def test_an_unknown_host_is_refused() -> None:
    with pytest.raises(AddressUnavailable, match=r"unknown host 'no-such-host\.invalid'"):
        check_address("no-such-host.invalid", free_port())


@pytest.mark.parametrize("server", ["monolith", "proxy"])
def test_a_server_on_a_busy_port_exits_at_once_without_traceback(
    busy_port: int, server: str, tmp_path: Path
) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://127.0.0.1:1"\n')
    arguments = {
        "monolith": ["monolith", "serve", "--database-url", "sqlite://"],
        "proxy": ["proxy", "--routes", str(routes)],
    }[server]
    completed = subprocess.run(
        strangler_argv(*arguments, "--port", str(busy_port)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 1
    assert f"error: port {busy_port} on 127.0.0.1 is already in use" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert "Can't connect" not in completed.stderr
    assert completed.stdout == ""  # no "listening on ..." banner before the refusal
