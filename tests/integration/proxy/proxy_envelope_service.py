"""A Nameko service running a small Flask app behind the HTTP envelope, as a transplant would.

`create_shop_app` is also called directly by the tests: what the proxy returns
must be exactly what this app produces.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from nameko.rpc import rpc

from extracted_services.shared.envelope_wsgi import WsgiApp, serve_envelope


def create_shop_app(config: Mapping[str, Any]) -> Flask:
    app = Flask(__name__)

    @app.route("/shop/answer", methods=["GET", "POST"])
    def answer() -> Response:
        response = Response(b"\x00\xffnot utf-8\n", status="201 Made Here")
        response.headers["X-First"] = "1"
        response.set_cookie("a", "1")
        response.headers.add("X-Middle", "m")
        response.set_cookie("b", "2", httponly=True)
        response.headers.add("Vary", "Accept")
        response.headers.add("Vary", "Cookie")
        response.content_type = "application/octet-stream"
        return response

    @app.route("/shop/seen/<path:name>", methods=["GET", "POST", "PUT"])
    def seen(name: str) -> Response:
        return jsonify(
            {
                "method": request.method,
                "name": name,
                "raw_uri": request.environ["RAW_URI"],
                "args": request.args.to_dict(flat=False),
                "body": base64.b64encode(request.get_data()).decode(),
                "cookies": request.cookies.to_dict(),
                "headers": [[key, value] for key, value in request.headers.items()],
                "remote_addr": request.remote_addr,
                "scheme": request.scheme,
                "host": request.host,
            }
        )

    @app.get("/shop/broken")
    def broken() -> Response:
        raise RuntimeError("a bug in a transplanted view")

    return app


class ProxyEnvelopeService:
    name = "proxy_envelope"

    app = WsgiApp(create_shop_app)

    @rpc
    def http(self, request: dict[str, Any]) -> dict[str, Any]:
        return serve_envelope(self.app, request)

    @rpc
    def not_an_envelope(self, request: dict[str, Any]) -> dict[str, Any]:
        header = ["X-Evil", "a\r\nSet-Cookie: pwned=1"]
        return {"status": 200, "reason": "OK", "headers": [header], "body": ""}
