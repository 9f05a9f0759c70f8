"""A real monolith (gunicorn) that records every write it applies, for the fault tests.

Each write appends one row to the SQLite table `applied` (its id and path): one row per
application, no unique constraint, so a write applied twice shows as two rows. It serves
the forwarded routes (`/ledger`) and answers the service routes (`/orders`) as the
fallback the proxy may send them to.

    python ledger_monolith.py PORT DATABASE_FILE
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, jsonify, request

SCHEMA = "CREATE TABLE IF NOT EXISTS applied (write_id TEXT NOT NULL, path TEXT NOT NULL)"


def create_app(database: Path) -> Flask:
    app = Flask(__name__)
    _execute(database, "PRAGMA journal_mode=WAL")
    _execute(database, SCHEMA)

    def record(path: str) -> str:
        write_id = str(request.get_json()["id"])
        _execute(database, "INSERT INTO applied VALUES (?, ?)", (write_id, path))
        return write_id

    def read(item_id: int) -> Response:
        return jsonify({"id": item_id, "source": "monolith"})

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.post("/ledger")
    def add_entry() -> tuple[Response, int]:
        return jsonify({"id": record("/ledger"), "source": "monolith"}), 201

    @app.post("/orders")
    def place_order() -> Response:
        return jsonify({"id": record("/orders"), "source": "monolith"})

    view: Callable[[int], Response] = read
    app.add_url_rule("/ledger/<int:item_id>", "ledger_entry", view)
    app.add_url_rule("/orders/<int:item_id>", "order", view)
    return app


def _execute(database: Path, statement: str, parameters: tuple[str, ...] = ()) -> None:
    """Run one statement in a transaction of its own, committed before this returns."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        with connection:
            connection.execute(statement, parameters)
    finally:
        connection.close()


def main() -> None:
    from strangler.wsgi_server import serve

    port, database = int(sys.argv[1]), Path(sys.argv[2])
    serve(lambda: create_app(database), host="127.0.0.1", port=port, workers=1, threads=4)


if __name__ == "__main__":
    main()
