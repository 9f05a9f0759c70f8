"""What a generated RPC method answers (`json_view`), and how the proxy turns its error
answer into the monolith's HTTP answer, on a small Flask app; a token-guarded view checks
the caller's headers rebuilt from the call's context data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask, abort, g, jsonify, request
from flask_httpauth import HTTPTokenAuth
from nameko.exceptions import serialize
from werkzeug.datastructures import MultiDict

from extracted_services.shared.errors import ErrorAnswer
from extracted_services.shared.json_view import NotJsonAnswer, json_view
from strangler_proxy.errors import RemoteError, http_error_for, is_expected_remote_error
from strangler_proxy.http_types import error_response

token_auth = HTTPTokenAuth(scheme="Bearer")


@token_auth.verify_token
def verify_token(token: str) -> str | None:
    return {"tok-ann": "ann"}.get(token)


@token_auth.error_handler
def auth_error(status: int) -> Any:
    return jsonify(error="unauthorized"), status


def _app() -> Flask:
    app = Flask("shop")

    @app.get("/me")
    @token_auth.login_required
    def me() -> Any:
        return jsonify({})

    @app.get("/items/<int:item_id>")
    def show(item_id: int) -> Any:
        return jsonify({})

    @app.get("/page")
    def page() -> Any:
        return "<p>hi</p>"

    @app.errorhandler(404)
    def not_found(exc: Exception) -> Any:
        return jsonify(error={"code": "not_found", "path": request.path}), 404

    return app


class Service:
    app = _app()

    def __init__(self, **context_data: str) -> None:
        self.context_data = context_data  # what the proxy passed of the request

    @json_view("GET", "show")
    def show(self, item_id: int, query: MultiDict[str, str]) -> Any:
        if item_id == 0:
            abort(404)
        return {"id": item_id, "lang": query.get("lang"), "at": datetime(2024, 1, 2, tzinfo=UTC)}

    @json_view("GET", "page")
    def page(self, query: MultiDict[str, str]) -> Any:
        abort(302)

    @json_view("GET", "me", headers=["X-Tenant"], guards=[token_auth.login_required])
    def me(self, query: MultiDict[str, str]) -> Any:
        return {
            "user": token_auth.current_user(),
            "tenant": request.headers.get("X-Tenant"),
            "lang": request.headers.get("Accept-Language"),
            "cookie": request.headers.get("Cookie"),
            "guarded": g.flask_httpauth_user,
        }


def test_the_result_is_what_the_app_s_json_provider_sends() -> None:
    assert Service().show(item_id=3, query={"lang": "fr"}) == {
        "id": 3,
        "lang": "fr",
        "at": "Tue, 02 Jan 2024 00:00:00 GMT",  # as jsonify writes a datetime
    }


def test_an_abort_is_the_app_s_own_error_answer_and_the_proxy_sends_it_as_is() -> None:
    with pytest.raises(ErrorAnswer) as raised:
        Service().show(item_id=0, query={})
    body = {"error": {"code": "not_found", "path": "/items/0"}}
    assert (raised.value.status, raised.value.body) == (404, body)

    wire = serialize(raised.value)  # as nameko replies
    error = RemoteError(wire["exc_type"], wire["value"])
    response = error_response(http_error_for(error))

    assert is_expected_remote_error(error)  # an answer: never a fallback
    assert response.status == 404
    assert json.loads(response.body) == body


def test_an_answer_an_rpc_reply_cannot_carry_is_refused() -> None:
    with pytest.raises(NotJsonAnswer):
        Service().page(query={})


def test_a_call_with_arguments_the_view_does_not_take_is_refused_as_nameko_does() -> None:
    with pytest.raises(Exception, match="unexpected keyword argument 'colour'"):
        Service().show(item_id=1, query={}, colour="red")


def test_a_malformed_error_answer_is_the_service_s_fault() -> None:
    answer = http_error_for(RemoteError("ErrorAnswer", json.dumps({"status": 200, "body": {}})))

    assert (answer.status, answer.code) == (500, "internal_error")


def test_a_token_guard_checks_the_caller_s_authorization_header() -> None:
    caller = Service(auth_token="Bearer tok-ann", language="fr", x_tenant="t1", cookie="s=1")

    assert caller.me(query={}) == {
        "user": "ann",
        "tenant": "t1",  # a header the route's `context` names
        "lang": "fr",
        "cookie": None,  # never rebuilt
        "guarded": "ann",
    }


@pytest.mark.parametrize(
    "context_data",
    [{}, {"auth_token": "Bearer tok-bob"}, {"auth_token": "Token tok-ann"}],
    ids=["no token", "unknown token", "another scheme"],
)
def test_the_guard_s_own_answer_is_the_app_s_error_answer(context_data: dict[str, str]) -> None:
    with pytest.raises(ErrorAnswer) as raised:
        Service(**context_data).me(query={})

    assert (raised.value.status, raised.value.body) == (401, {"error": "unauthorized"})


def test_the_guard_s_challenge_reaches_the_client_with_its_error_answer() -> None:
    expected = Service.app.test_client().get("/me").headers["WWW-Authenticate"]  # the app's
    assert expected.startswith("Bearer")

    with pytest.raises(ErrorAnswer) as raised:
        Service().me(query={})
    wire = serialize(raised.value)  # as nameko replies
    response = error_response(http_error_for(RemoteError(wire["exc_type"], wire["value"])))

    assert response.status == 401
    assert ("WWW-Authenticate", expected) in response.headers
