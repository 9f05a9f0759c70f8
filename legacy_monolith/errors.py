"""Error handlers registered by create_app: JSON bodies under /api, HTML pages elsewhere."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge

from legacy_monolith.db import db
from legacy_monolith.helpers import ApiError, is_api_request

ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    500: "internal_error",
    503: "service_unavailable",
    504: "gateway_timeout",
}
INTERNAL_ERROR_MESSAGE = "internal server error"


def error_code(status: int) -> str:
    return ERROR_CODES.get(status, "bad_request" if status < 500 else "internal_error")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as {"error": {"code", "message"}} for /api, else the HTML error page."""
    _discard_unfinished_writes()
    if is_api_request():
        response = jsonify(error={"code": error_code(status), "message": message})
    else:
        response = make_response(render_template("error.html", status=status, message=message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _discard_unfinished_writes() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        current_app.logger.exception("rollback after an error failed")


def handle_api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.message)


def _http_message(exc: HTTPException) -> str:
    if isinstance(exc, NotFound) and request.url_rule is None:
        return f"no such endpoint: {request.path}"
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or ()))
        return f"method {request.method} is not allowed on {request.path}; allowed: {allowed}"
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return f"request body is too large; the limit is {limit} bytes"
    return exc.description or exc.name


def handle_http_exception(exc: HTTPException) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return error_response(exc.code or 500, _http_message(exc), headers)


def handle_unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, INTERNAL_ERROR_MESSAGE)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
