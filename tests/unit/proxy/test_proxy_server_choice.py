"""`strangler proxy --server` (or STRANGLER_PROXY_SERVER) picks the gunicorn worker class,
bound to the slow-client options either way; `event-loop` is the default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import strangler.wsgi_server
from strangler.processes import free_port
from strangler_cli import cli
from strangler_proxy.event_loop.worker import EventLoopWorker
from strangler_proxy.server_worker import SlowClientsWorker


@pytest.mark.parametrize(
    ("args", "env", "worker"),
    [
        ([], {"STRANGLER_PROXY_SERVER": None}, EventLoopWorker),  # unset: the default
        (["--server", "threads"], {"STRANGLER_PROXY_SERVER": "event-loop"}, SlowClientsWorker),
        (["--server", "event-loop"], {"STRANGLER_PROXY_SERVER": "threads"}, EventLoopWorker),
        ([], {"STRANGLER_PROXY_SERVER": "threads"}, SlowClientsWorker),
    ],
)
def test_the_server_option_picks_the_worker_class(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str | None],
    worker: type,
) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(strangler.wsgi_server, "serve", lambda *_, **kw: served.append(kw))
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://127.0.0.1:1"\n')
    argv = ["proxy", "--routes", str(routes), "--port", str(free_port()), "--header-timeout", "3"]
    result = CliRunner().invoke(cli, [*argv, *args], env=env)
    assert result.exception is None, result.output
    chosen = served[0]["settings"]["worker_class"]
    assert issubclass(chosen, worker)
    assert chosen.settings.header_timeout == 3


def test_an_unknown_server_is_refused(tmp_path: Path) -> None:
    routes = tmp_path / "routes.toml"
    routes.write_text('monolith = "http://127.0.0.1:1"\n')
    result = CliRunner().invoke(cli, ["proxy", "--routes", str(routes), "--server", "async"])
    assert result.exit_code == 2
    assert "'threads', 'event-loop'" in result.output
