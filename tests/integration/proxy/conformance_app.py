"""A Flask app doing what real sites do over HTTP, served by gunicorn: the pass-through
conformance suite sends it the same requests directly and through the proxy.

Streaming endpoints wait on gates the test opens (`POST /gates/<name>`), so a test
checks what arrived before a gate opened, not how long anything took. Gates and
long-poll messages live in this process: it runs one gunicorn worker.
"""

from __future__ import annotations

import hashlib
import io
import socket
import sys
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, redirect, request, send_file
from websocket_echo import CLOSE, accept_key, encode_frame, read_frame
from werkzeug.wrappers import Response as WerkzeugResponse

BLOCK = bytes(range(256)) * 256  # 64 KiB
DOWNLOAD = BLOCK * 320  # 20 MiB
GATE_SECONDS = 20.0  # a gate nobody opens lets the stream end anyway
MODIFIED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

_gates: defaultdict[str, threading.Event] = defaultdict(threading.Event)
_messages: dict[str, str] = {}
_polling: set[str] = set()


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/gates/<name>")
    def open_gate(name: str) -> tuple[str, int]:
        _gates[name].set()
        return "", 204

    @app.get("/events/<gate>")
    def events(gate: str) -> Response:
        def stream() -> Iterator[str]:
            yield "id: 1\ndata: first\n\n"
            _gates[gate].wait(GATE_SECONDS)
            yield "id: 2\ndata: second\n\n"
            yield "event: end\ndata: bye\n\n"

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return Response(stream(), mimetype="text/event-stream", headers=headers)

    @app.get("/poll/<channel>")
    def poll(channel: str) -> Response:
        _polling.add(channel)
        try:
            _gates[f"poll-{channel}"].wait(GATE_SECONDS)
        finally:
            _polling.discard(channel)
        return jsonify({"channel": channel, "message": _messages.get(channel)})

    @app.get("/polling/<channel>")
    def polling(channel: str) -> tuple[str, int]:
        """204 while a long poll of the channel waits, else 404."""
        return "", 204 if channel in _polling else 404

    @app.post("/messages/<channel>")
    def post_message(channel: str) -> tuple[str, int]:
        _messages[channel] = request.get_data(as_text=True)
        _gates[f"poll-{channel}"].set()
        return "", 202

    @app.get("/download")
    def download() -> Response:
        """Chunked: no Content-Length, the body as it is made."""
        return Response((BLOCK for _ in range(len(DOWNLOAD) // len(BLOCK))), mimetype="x/bytes")

    @app.get("/file")
    def file() -> Response:
        """With its length, a validator pair and ranges (send_file's conditional answers)."""
        return send_file(
            io.BytesIO(DOWNLOAD),
            mimetype="application/octet-stream",
            download_name="big.bin",
            as_attachment=True,
            etag="big-v1",
            last_modified=MODIFIED,
            conditional=True,
        )

    @app.route("/upload", methods=["POST", "PUT"])
    def upload() -> Response:
        digest, size = hashlib.sha256(), 0
        while chunk := request.stream.read(256 * 1024):
            digest.update(chunk)
            size += len(chunk)
        return jsonify({"bytes": size, "sha256": digest.hexdigest()})

    @app.get("/conditional")
    def conditional() -> WerkzeugResponse:
        response = Response("versioned body\n", mimetype="text/plain")
        response.set_etag("rev-7")
        response.last_modified = MODIFIED
        response.cache_control.max_age = 60
        return response.make_conditional(request)

    @app.get("/redirect/<int:code>")
    def go(code: int) -> WerkzeugResponse:
        where = request.args.get("to", "/conditional?from=redirect")
        return redirect(where, code)

    @app.get("/cookies")
    def cookies() -> Response:
        response = Response("cookies\n", mimetype="text/plain")
        response.set_cookie("session", "abc", httponly=True, samesite="Lax", path="/")
        response.set_cookie("theme", "dark", expires=datetime(2031, 1, 2, tzinfo=UTC))
        response.delete_cookie("old")
        return response

    @app.route("/ws", websocket=True)  # werkzeug matches upgrades to such rules only
    def websocket() -> Response:
        """Echo frames on the connection gunicorn gives up (`gunicorn.socket`)."""
        client: socket.socket = request.environ["gunicorn.socket"]
        key = request.headers["Sec-WebSocket-Key"]
        client.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n".encode()
        )
        try:
            while True:
                opcode, payload = read_frame(client)
                client.sendall(encode_frame(opcode, payload, masked=False))
                if opcode == CLOSE:
                    break
        except (ConnectionError, OSError):
            pass
        client.shutdown(socket.SHUT_RDWR)  # what gunicorn writes next fails quietly
        return Response(status=101)

    @app.route("/", defaults={"anything": ""}, methods=["GET", "HEAD", "OPTIONS", "DELETE"])
    @app.route("/<path:anything>", methods=["GET", "HEAD", "OPTIONS", "DELETE"])
    def where(anything: str) -> Response:
        """What the app was asked for, as its WSGI server handed it over."""
        environ = request.environ
        keys = ("REQUEST_METHOD", "RAW_URI", "PATH_INFO", "QUERY_STRING")
        return jsonify({**{key: environ.get(key) for key in keys}, "path": request.path})

    return app


def main() -> None:
    from strangler.wsgi_server import serve

    serve(create_app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, threads=8)


if __name__ == "__main__":
    main()
