"""A tiny real HTTP monolith for the proxy's end-to-end tests, served by gunicorn."""

from __future__ import annotations

import sys

from flask import Flask, Response, jsonify, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

SESSION = "s3cret"  # the one valid session cookie of the auth endpoints


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/api/items/<int:item_id>")
    def get_item(item_id: int) -> Response:
        return jsonify({"id": item_id, "source": "monolith"})

    @app.post("/api/items")
    def create_item() -> tuple[Response, int, dict[str, str]]:
        response = jsonify({"created": request.get_json(), "source": "monolith"})
        response.set_cookie("session", "abc")
        response.set_cookie("theme", "dark")
        return response, 201, {"Location": "/api/items/1"}

    @app.post("/api/spare")
    def create_spare() -> Response:
        return jsonify({"created": request.get_json(), "source": "monolith"})

    @app.get("/api/spare/<int:item_id>")
    def get_spare(item_id: int) -> Response:
        return jsonify({"id": item_id, "source": "monolith"})

    @app.get("/redirect")
    def go_elsewhere() -> WerkzeugResponse:
        return redirect("/api/items/1", 302)

    @app.get("/headers")
    def headers() -> Response:
        return jsonify({key.lower(): value for key, value in request.headers.items()})

    @app.get("/teapot")
    def teapot() -> tuple[str, int, dict[str, str]]:
        return "short and stout", 418, {"Content-Type": "text/plain", "X-Custom": "yes"}

    @app.get("/auth/check")
    def auth_check() -> tuple[str, int, dict[str, str]]:
        if request.cookies.get("session") != SESSION:
            return "", 401, {}
        return "", 204, {"X-User-Id": "u-7"}

    @app.get("/auth/me")
    def auth_me() -> tuple[Response, int]:
        if request.cookies.get("session") != SESSION:
            return jsonify({"error": "login required"}), 401
        return jsonify({"user": {"id": 7}}), 200

    @app.route("/api/account", methods=["GET", "POST"])
    def account() -> tuple[Response, int, dict[str, str]]:
        if request.cookies.get("session") != SESSION:
            error = {"code": "unauthorized", "message": "login required"}
            return jsonify({"error": error}), 401, {"WWW-Authenticate": 'Cookie realm="shop"'}
        return jsonify({"account": "u-7", "source": "monolith"}), 200, {}

    return app


def main() -> None:
    from strangler.wsgi_server import serve

    serve(create_app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, threads=4)


if __name__ == "__main__":
    main()
