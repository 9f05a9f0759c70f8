"""Serve a WSGI app with gunicorn, in-process, from a CLI command."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from strangler.errors import StranglerError

WsgiApp = Callable[..., Any]


class AddressUnavailable(StranglerError):
    """The server cannot listen on the host and port it was given."""


def check_address(host: str, port: int) -> None:
    """Fail fast with a clear message when `host:port` cannot be listened on.

    gunicorn would retry for five seconds and then log "Can't connect".
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise AddressUnavailable(
            f"cannot listen on {host}:{port}: unknown host {host!r} ({exc.strerror})",
            hint="use --host with an address of this machine, e.g. 127.0.0.1 or 0.0.0.0",
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AddressUnavailable(
                    f"port {port} on {host} is already in use",
                    hint=f"stop what listens there (`ss -ltnp 'sport = :{port}'` shows it)"
                    " or choose another --port",
                ) from None
            raise AddressUnavailable(
                f"cannot listen on {host}:{port}: {exc.strerror}",
                hint="use --host with an address of this machine and a --port above 1023",
            ) from None


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
    check_address(host, port)
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
