"""The real proxy (one gunicorn worker) in front of a monolith made of a stdlib HTTP handler,
for tests that watch the proxy's worker process (its memory) while bodies stream through."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from process_memory import child_pids
from proxy_stack import start_proxy

from strangler.processes import ProcessGroup


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    worker: int  # the one gunicorn worker's pid


@contextmanager
def proxy_in_front(
    handler: type[BaseHTTPRequestHandler],
    workdir: Path,
    routes: str = "",
    options: tuple[str, ...] = (),
) -> Iterator[Proxy]:
    """`handler` served on a free port as the monolith, the proxy before it with `routes`
    (the routes file's entries after its `monolith`); both stopped when the block ends."""
    monolith = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    monolith.daemon_threads = True
    threading.Thread(target=monolith.serve_forever, daemon=True).start()
    routes_file = workdir / "routes.toml"
    routes_file.write_text(f'monolith = "http://127.0.0.1:{monolith.server_port}"\n{routes}')
    try:
        with ProcessGroup(workdir / "logs") as group:
            public, _admin = start_proxy(group, routes_file, options=options)
            [worker] = child_pids(group.processes[-1].pid)
            host, port = public.removeprefix("http://").split(":")
            yield Proxy(host, int(port), worker)
    finally:
        monolith.shutdown()
