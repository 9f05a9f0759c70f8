"""The sample monolith with the routes whose writes moved to a service held, as
docs/moving-writes.md has them held (a maintenance answer in front of the app).

Run as a script: `python held_monolith.py PORT DATABASE_URL PREFIX...` serves the monolith
with gunicorn (one worker), answering 503 to any write (not GET/HEAD/OPTIONS) whose path
starts with one of the PREFIXes before the app sees it: the proxy falls a write back to
the monolith when the service never got it (no consumers, broker down), and a held route
turns that into an error instead of a write to a table the service owns.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

HELD_STATUS = "503 Service Unavailable"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def holding(app: WsgiApp, prefixes: tuple[str, ...]) -> WsgiApp:
    """`app`, answering 503 to the writes under `prefixes` without running them."""

    def held_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] in READ_METHODS or not path.startswith(prefixes):
            return app(environ, start_response)
        body = json.dumps(
            {"error": {"code": "held", "message": f"{path}: its writes moved to a service"}}
        ).encode()
        start_response(
            HELD_STATUS,
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return held_app


def main(port: int, database_url: str, prefixes: tuple[str, ...]) -> None:
    from legacy_monolith.app import create_app
    from strangler.wsgi_server import serve

    def load_app() -> WsgiApp:
        return holding(create_app({"DATABASE_URL": database_url}), prefixes)

    serve(load_app, host="127.0.0.1", port=port, workers=1, name="held-monolith")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], tuple(sys.argv[3:]))
