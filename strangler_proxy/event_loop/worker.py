"""The event-loop gunicorn worker: one uvloop serves every connection of the worker
(`http1.py`); the proxy's plain forwards to the monolith are made on it too
(`loop_first.py`), everything else of the WSGI app runs on `--threads` threads
(`wsgi_bridge.py`).

As gunicorn's workers do, it tells the arbiter it is alive (`notify`) every
HEARTBEAT seconds and stops when its parent changes. SIGTERM stops it
gracefully: it accepts no more connections, closes idle ones, and waits up to
`graceful_timeout` for the requests being handled (each answer then closes its
connection). SIGQUIT and SIGINT stop it at once. After `max_requests`
requests it stops gracefully, as gunicorn's threaded worker does. A worker
whose app fails to load exits as gunicorn's do (its `init_process`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket

import uvloop
from gunicorn.workers.base import Worker

from strangler_proxy.app import ProxyApp
from strangler_proxy.event_loop.http1 import Exchange, Handler, Http1Server
from strangler_proxy.event_loop.loop_first import LoopFirst
from strangler_proxy.event_loop.wsgi_bridge import WsgiBridge
from strangler_proxy.server_worker import error_shape_of
from strangler_proxy.slow_clients import SlowClientSettings

HEARTBEAT = 1.0  # seconds between the worker's signs of life (and checks of its parent)
DRAIN_POLL = 0.1  # seconds between looks at the requests a graceful stop waits for


def worker_class(settings: SlowClientSettings) -> type[EventLoopWorker]:
    """The worker class gunicorn starts, bound to these settings (`worker_class` setting)."""
    return type("EventLoopWorker", (EventLoopWorker,), {"settings": settings})


class EventLoopWorker(Worker):
    """A gunicorn worker serving HTTP/1 on a uvloop, the app on a pool of threads."""

    settings = SlowClientSettings()

    def run(self) -> None:
        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(loop))
        finally:
            loop.close()

    async def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        bridge = WsgiBridge(
            self.wsgi,
            self.cfg,
            self.log,
            self.settings,
            lambda: error_shape_of(self.wsgi),
            self.cfg.threads,
        )
        # the proxy's own plain forwards stay on the loop; anything else (another app) is
        # all the bridge's
        first = LoopFirst(self.wsgi, bridge, self.cfg) if isinstance(self.wsgi, ProxyApp) else None
        server = Http1Server(
            loop,
            self._counted(bridge if first is None else first),
            self.cfg,
            self.settings,
            float(self.cfg.keepalive),
            lambda: error_shape_of(self.wsgi),
        )
        self._server = server
        self._wake = asyncio.Event()
        self._at_once = False
        listeners = []
        for listener in self.sockets:
            sock: socket.socket = listener.sock
            sock.setblocking(False)
            listeners.append(
                await loop.create_server(server.connection, sock=sock, backlog=self.cfg.backlog)
            )
        loop.add_signal_handler(signal.SIGTERM, self._stop)
        loop.add_signal_handler(signal.SIGQUIT, self._quit)
        loop.add_signal_handler(signal.SIGINT, self._quit)
        loop.add_signal_handler(signal.SIGUSR1, self.log.reopen_files)
        try:
            await self._beat_while_alive()
            for listening in listeners:
                listening.close()
            server.drain()
            deadline = loop.time() + self.cfg.graceful_timeout
            while server.busy and not self._at_once and loop.time() < deadline:
                self.notify()
                await asyncio.sleep(DRAIN_POLL)
        finally:
            bridge.shutdown()
            if first is not None:
                first.close()
            for connection in list(server.connections):
                connection.drain()

    async def _beat_while_alive(self) -> None:
        while self.alive:
            self.notify()
            if self.ppid != os.getppid():
                self.log.info("Parent changed, shutting down: %s", self)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), HEARTBEAT)

    def _counted(self, handler: Handler) -> Handler:
        """`handler`, stopping the worker gracefully after `max_requests` requests."""

        def counted(exchange: Exchange) -> None:
            self.nr += 1
            if self.nr >= self.max_requests and self.alive:
                self.log.info("Autorestarting worker after current request.")
                self._server.draining = True  # this request's answer closes its connection
                self._stop()
            handler(exchange)

        return counted

    def _stop(self) -> None:
        """SIGTERM: stop gracefully."""
        self.alive = False
        self._wake.set()

    def _quit(self) -> None:
        """SIGQUIT, SIGINT: stop at once."""
        self.cfg.worker_int(self)
        self._at_once = True
        self._stop()
