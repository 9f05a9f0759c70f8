"""Bad input gets a clear 4xx: JSON under /api, HTML pages elsewhere; never a bare 500."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def error_of(response: TestResponse) -> dict[str, str]:
    body = response.get_json()
    assert set(body) == {"error"}
    error: dict[str, str] = body["error"]
    return error


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_unknown_api_url(client: FlaskClient) -> None:
    for path in ("/api/nope", "/api", "/api/catalog/products/abc"):
        response = client.get(path)
        assert response.status_code == 404
        assert error_of(response) == {"code": "not_found", "message": f"no such endpoint: {path}"}


def test_unknown_page_is_html(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Error 404" in response.data


def test_wrong_method_is_405_json_with_allow(client: FlaskClient) -> None:
    response = client.post("/api/catalog/categories", json={})
    assert response.status_code == 405
    assert error_of(response) == {
        "code": "method_not_allowed",
        "message": "method POST is not allowed on /api/catalog/categories; allowed: GET, HEAD,"
        " OPTIONS",
    }
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_malformed_json(client: FlaskClient) -> None:
    response = client.post("/api/cart/items", data="{not json", content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert error["message"].startswith("malformed JSON body: ")


def test_json_must_be_an_object(client: FlaskClient) -> None:
    response = client.post("/api/cart/items", json=[1, 2])
    assert error_of(response) == {"code": "bad_request", "message": "JSON body must be an object"}


def test_body_without_json_content_type_is_415(client: FlaskClient) -> None:
    response = client.post("/api/cart/items", data="product_id=1")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_wrong_types_and_missing_fields(client: FlaskClient) -> None:
    cases = [
        ({}, "missing field: product_id"),
        ({"product_id": "3"}, "product_id must be an integer"),
        ({"product_id": True}, "product_id must be an integer"),
        ({"product_id": 1.5}, "product_id must be an integer"),
        ({"product_id": 0}, "product_id must be between 1 and 2147483647"),
        ({"product_id": 3, "quantity": 100}, "quantity must be between 1 and 99"),
    ]
    for body, message in cases:
        response = client.post("/api/cart/items", json=body)
        assert response.status_code == 400, body
        assert error_of(response) == {"code": "bad_request", "message": message}


def test_oversized_body_is_413(client: FlaskClient, app: Flask) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/api/cart/items", data="x" * (limit + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert error_of(response) == {
        "code": "payload_too_large",
        "message": f"request body is too large; the limit is {limit} bytes",
    }


def test_unexpected_exception_is_500_json_or_html(app: Flask) -> None:
    def explode() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/api/explode", "api_explode", explode)
    app.add_url_rule("/explode", "page_explode", explode)
    client = app.test_client()
    response = client.get("/api/explode")
    assert response.status_code == 500
    assert error_of(response) == {"code": "internal_error", "message": "internal server error"}
    page = client.get("/explode")
    assert (page.status_code, page.mimetype) == (500, "text/html")
    assert b"boom" not in page.data


def test_unknown_ids_are_404_not_500(client: FlaskClient, admin: FlaskClient) -> None:
    assert error_of(client.get("/api/inventory/stock/99999")) == {
        "code": "not_found",
        "message": "product 99999 not found",
    }
    assert error_of(admin.get(f"/api/orders/{10**30}")) == {
        "code": "not_found",
        "message": f"order {10**30} not found",
    }
    assert admin.get("/api/shipping/shipments/4242").status_code == 404
    assert admin.get("/api/payments/4242").status_code == 404
