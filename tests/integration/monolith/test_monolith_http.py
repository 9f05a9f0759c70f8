"""`strangler monolith serve` as a real gunicorn child process, spoken to over HTTP."""

from __future__ import annotations

import json
import socket
from contextlib import closing
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from legacy_monolith.seed import seed_database
from strangler.processes import ProcessGroup, free_port, http_ok
from strangler_demo.stack import strangler_argv


def port_open(port: int) -> bool:
    with closing(socket.socket()) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serve_answers_over_http_and_stops(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/served.sqlite3"
    seed_database(database_url, products=50, users=3, orders=5)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = strangler_argv(
        "monolith", "serve", "--port", str(port), "--database-url", database_url, "--workers", "1"
    )
    with ProcessGroup(tmp_path / "logs") as group:
        server = group.start("monolith", argv)
        server.wait_ready(http_ok(f"{base}/healthz"), timeout=30)
        with urlopen(f"{base}/healthz", timeout=5) as response:
            assert json.load(response) == {"status": "ok"}
        with urlopen(f"{base}/api/catalog/products?per_page=3&sort=price", timeout=5) as response:
            body = json.load(response)
        assert len(body["items"]) == 3
        assert body["total"] > 0
        with pytest.raises(HTTPError) as missing:
            urlopen(f"{base}/api/nope", timeout=5)
        assert missing.value.code == 404
        assert json.load(missing.value)["error"]["code"] == "not_found"
    assert not server.running()
    assert not port_open(port)
