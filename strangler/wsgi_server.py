"""Serve a WSGI app with gunicorn, in-process, from a CLI command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

WsgiApp = Callable[..., Any]


class _GunicornApp(BaseApplication):
    def __init__(self, load_app: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._load_app()


def serve(
    load_app: Callable[[], WsgiApp],
    *,
    host: str,
    port: int,
    workers: int = 2,
    threads: int = 8,
    name: str = "strangler",
    access_log: bool = False,
) -> None:
    """Run gunicorn until it is told to stop; `load_app` runs once in each worker."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "proc_name": name,
        "graceful_timeout": 5,
        "timeout": 60,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _GunicornApp(load_app, options).run()
