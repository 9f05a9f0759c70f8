"""Serve a WSGI app with gunicorn, in-process, from a CLI command."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gunicorn.http.wsgi
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


class _AppServerAndDate(gunicorn.http.wsgi.Response):
    """gunicorn's response, sending the app's own `Server` and `Date` when it gives them.

    gunicorn drops an app's two (it lists them as hop-by-hop) and writes its
    own; a proxy passing on its backend's answer must send the backend's.
    """

    _OWN = frozenset({"server", "date"})

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._app_own: list[tuple[str, str]] = []

    def process_headers(self, headers: list[tuple[str, str]]) -> None:
        super().process_headers(headers)  # validates every header, then drops these two
        self._app_own = [(name, value) for name, value in headers if name.lower() in self._OWN]

    def default_headers(self) -> list[str]:
        given = {name.lower() for name, _ in self._app_own}
        lines: list[str] = super().default_headers()
        kept = [line for line in lines if line.split(":", 1)[0].lower() not in given]
        return kept + [f"{name}: {value.strip()}\r\n" for name, value in self._app_own]


class _GunicornApp(BaseApplication):
    def __init__(
        self, load_app: Callable[[], WsgiApp], options: dict[str, Any], *, transparent: bool
    ) -> None:
        self._load_app = load_app
        self._options = options
        self._transparent = transparent
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        if self._transparent:  # in the worker; gthread's wsgi.create() builds this class
            gunicorn.http.wsgi.Response = _AppServerAndDate
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
    also_bind: Sequence[tuple[str, int]] = (),
    transparent: bool = False,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Run gunicorn until it is told to stop; `load_app` runs once in each worker.

    `also_bind`: more addresses the same app listens on (it tells them apart by
    SERVER_PORT, the listener's own port). `transparent`, for a proxy: no
    client is trusted to set the scheme (X-Forwarded-Proto and the like), and
    the app's `Server` and `Date` are sent instead of gunicorn's. `settings`:
    more gunicorn settings, over these (e.g. a `worker_class` of the caller's).
    """
    addresses = [(host, port), *also_bind]
    for address in addresses:
        check_address(*address)
    options: dict[str, Any] = {
        "bind": [f"{bind_host}:{bind_port}" for bind_host, bind_port in addresses],
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
    if transparent:
        options["forwarded_allow_ips"] = ""
    options.update(settings or {})
    _GunicornApp(load_app, options, transparent=transparent).run()
