"""Accounts: register/login sessions, the user-loading hook, profile, addresses, pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient


def test_register_logs_in_and_notifies(client: FlaskClient, sql: Callable[..., list[Any]]) -> None:
    response = client.post(
        "/api/accounts/register",
        json={"email": "New@Example.com", "password": "longenough", "name": " Newbie "},
    )
    assert response.status_code == 201
    user = response.get_json()
    assert (user["email"], user["name"], user["is_admin"]) == ("new@example.com", "Newbie", False)
    assert client.get("/api/accounts/me").get_json()["id"] == user["id"]
    kinds = sql("SELECT kind FROM notifications WHERE user_id = :id", id=user["id"])
    assert [row.kind for row in kinds] == ["welcome"]
    audit = sql(
        "SELECT action FROM audit_log WHERE entity_id = :id AND area = 'accounts'", id=user["id"]
    )
    assert [row.action for row in audit] == ["user.registered"]


def test_register_rejects_bad_input(client: FlaskClient) -> None:
    cases = [
        ({"email": "user1@example.com", "password": "longenough", "name": "x"}, 409),
        ({"email": "not-an-email", "password": "longenough", "name": "x"}, 400),
        ({"email": "a@example.com", "password": "short", "name": "x"}, 400),
        ({"email": "a@example.com", "password": "longenough"}, 400),
    ]
    for body, status in cases:
        response = client.post("/api/accounts/register", json=body)
        assert response.status_code == status, body
    duplicate = client.post(
        "/api/accounts/register",
        json={"email": "user1@example.com", "password": "longenough", "name": "x"},
    )
    assert duplicate.get_json()["error"] == {
        "code": "conflict",
        "message": "email user1@example.com is already registered",
    }


def test_login_logout_and_me(client: FlaskClient) -> None:
    assert client.get("/api/accounts/me").get_json()["error"] == {
        "code": "unauthorized",
        "message": "login required",
    }
    bad = client.post("/api/accounts/login", json={"email": "user1@example.com", "password": "x"})
    assert bad.status_code == 401
    ok = client.post(
        "/api/accounts/login", json={"email": "USER1@example.com", "password": "password1"}
    )
    assert ok.status_code == 200
    assert ok.get_json()["email"] == "user1@example.com"
    assert "session=" in ok.headers["Set-Cookie"]
    assert client.get("/api/accounts/me").status_code == 200
    assert client.post("/api/accounts/logout").get_json() == {"status": "logged out"}
    assert client.get("/api/accounts/me").status_code == 401


def test_before_request_hook_stamps_last_seen(
    customer: FlaskClient, sql: Callable[..., list[Any]]
) -> None:
    sql("UPDATE users SET last_seen_at = NULL WHERE email = 'user1@example.com'")
    customer.get("/api/catalog/categories")
    seen = sql("SELECT last_seen_at FROM users WHERE email = 'user1@example.com'")
    assert seen[0].last_seen_at is not None


def test_deleted_user_session_is_dropped(
    customer: FlaskClient, sql: Callable[..., list[Any]]
) -> None:
    sql("UPDATE users SET email = 'gone@example.com', id = 9999 WHERE email = 'user1@example.com'")
    assert customer.get("/api/accounts/me").status_code == 401


def test_profile_and_addresses(customer: FlaskClient) -> None:
    renamed = customer.patch("/api/accounts/me", json={"name": "Renamed"})
    assert renamed.get_json()["name"] == "Renamed"
    assert customer.get("/api/accounts/me").get_json()["name"] == "Renamed"
    before = customer.get("/api/accounts/me/addresses").get_json()["items"]
    added = customer.post(
        "/api/accounts/me/addresses",
        json={"line1": "1 Main St", "city": "Oslo", "postal_code": "0150", "country": "no"},
    )
    assert added.status_code == 201
    assert added.get_json()["country"] == "NO"
    after = customer.get("/api/accounts/me/addresses").get_json()["items"]
    assert len(after) == len(before) + 1
    missing = customer.post("/api/accounts/me/addresses", json={"line1": "x"})
    assert missing.get_json()["error"]["message"] == "missing field: city"
    bad_country = customer.post(
        "/api/accounts/me/addresses",
        json={"line1": "x", "city": "y", "postal_code": "z", "country": "1x"},
    )
    assert bad_country.get_json()["error"]["message"] == "country must be a 2-letter country code"


def test_login_page_form_and_redirects(client: FlaskClient) -> None:
    assert b'name="password"' in client.get("/login").data
    wrong = client.post("/login", data={"email": "user1@example.com", "password": "nope"})
    assert wrong.status_code == 401
    assert b"invalid email or password" in wrong.data
    ok = client.post(
        "/login", data={"email": "user1@example.com", "password": "password1", "next": "/account"}
    )
    assert (ok.status_code, ok.headers["Location"]) == (302, "/account")
    offsite = client.post(
        "/login",
        data={"email": "user1@example.com", "password": "password1", "next": "//evil.example"},
    )
    assert offsite.headers["Location"] == "/"
    account = client.get("/account")
    assert account.status_code == 200
    assert b"user1@example.com" in account.data
    logout = client.post("/logout")
    assert logout.status_code == 302
    anonymous = client.get("/account")
    assert (anonymous.status_code, anonymous.headers["Location"]) == (302, "/login?next=/account")
