"""Accounts: JSON API under /api/accounts, the login/logout/account pages, and the
before_request hook that loads the logged-in user (and writes last_seen_at) on every request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from legacy_monolith.cart.views import cart_token
from legacy_monolith.db import db
from legacy_monolith.helpers import (
    ApiError,
    abort_json,
    as_iso,
    current_user,
    format_money,
    insert_returning_id,
    json_body,
    login_required,
    now_utc,
    record_audit,
    require_str,
    user_id_required,
)
from legacy_monolith.notifications.views import notify

bp = Blueprint("accounts", __name__)

USER_COLUMNS = "id, email, name, is_admin, created_at, last_seen_at"
MIN_PASSWORD_LENGTH = 8


@bp.before_app_request
def load_logged_in_user() -> None:
    """Load the session's user with SQL and stamp users.last_seen_at (every request)."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    row = (
        db.session.execute(
            text(f"SELECT {USER_COLUMNS} FROM users WHERE id = :id"), {"id": user_id}
        )
        .mappings()
        .first()
    )
    if row is None:
        session.clear()
        return
    now = now_utc()
    db.session.execute(
        text("UPDATE users SET last_seen_at = :now WHERE id = :id"), {"now": now, "id": user_id}
    )
    db.session.commit()
    g.user = {**row, "is_admin": bool(row["is_admin"]), "last_seen_at": now}


def user_json(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "email": user["email"],
        "name": user["name"],
        "is_admin": bool(user["is_admin"]),
        "created_at": as_iso(user["created_at"]),
    }


def _log_in(user_id: int) -> None:
    """Start a session and adopt the browser's anonymous cart (writes the carts table)."""
    session.clear()
    session["user_id"] = user_id
    token = cart_token()
    if token:
        db.session.execute(
            text("UPDATE carts SET user_id = :user_id WHERE token = :token"),
            {"user_id": user_id, "token": token},
        )
    row = (
        db.session.execute(
            text(f"SELECT {USER_COLUMNS} FROM users WHERE id = :id"), {"id": user_id}
        )
        .mappings()
        .one()
    )
    g.user = dict(row)


def authenticate(email: str, password: str) -> int:
    """The id of the user with these credentials, or 401."""
    row = db.session.execute(
        text("SELECT id, password_hash FROM users WHERE email = :email"),
        {"email": email.strip().lower()},
    ).first()
    if row is None or not check_password_hash(row.password_hash, password):
        abort_json(401, "invalid email or password")
    return int(row.id)


def _valid_email(data: dict[str, Any]) -> str:
    email = require_str(data, "email", max_length=254).lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        abort_json(400, "email must look like name@example.com")
    return email


@bp.post("/api/accounts/register")
def register() -> ResponseReturnValue:
    body = json_body()
    email = _valid_email(body)
    password = body.get("password")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        abort_json(400, f"password must be a string of at least {MIN_PASSWORD_LENGTH} characters")
    name = require_str(body, "name", max_length=120)
    try:
        user_id = insert_returning_id(
            "INSERT INTO users (email, password_hash, name, is_admin, created_at)"
            " VALUES (:email, :hash, :name, :is_admin, :now)",
            {
                "email": email,
                "hash": generate_password_hash(password),
                "name": name,
                "is_admin": False,
                "now": now_utc(),
            },
        )
    except IntegrityError:
        abort_json(409, f"email {email} is already registered")
    notify(user_id, "welcome", f"Welcome to the shop, {name}!")
    record_audit("accounts", "user.registered", "user", user_id, email)
    _log_in(user_id)
    db.session.commit()
    return jsonify(user_json(g.user)), 201


@bp.post("/api/accounts/login")
def login() -> ResponseReturnValue:
    body = json_body()
    email = require_str(body, "email", max_length=254)
    password = body.get("password")
    if not isinstance(password, str):
        abort_json(400, "password must be a string")
    user_id = authenticate(email, password)
    _log_in(user_id)
    record_audit("accounts", "user.login", "user", user_id, "api")
    db.session.commit()
    return jsonify(user_json(g.user))


@bp.post("/api/accounts/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return jsonify(status="logged out")


@bp.get("/api/accounts/me")
@login_required
def me() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    return jsonify(user_json(user))


@bp.patch("/api/accounts/me")
@login_required
def update_me() -> ResponseReturnValue:
    name = require_str(json_body(), "name", max_length=120)
    user_id = user_id_required()
    db.session.execute(
        text("UPDATE users SET name = :name WHERE id = :id"), {"name": name, "id": user_id}
    )
    record_audit("accounts", "user.renamed", "user", user_id, name)
    db.session.commit()
    user = current_user()
    assert user is not None
    return jsonify(user_json({**user, "name": name}))


def list_addresses(user_id: int) -> list[dict[str, Any]]:
    rows = db.session.execute(
        text(
            "SELECT id, line1, city, postal_code, country FROM addresses"
            " WHERE user_id = :user_id ORDER BY id"
        ),
        {"user_id": user_id},
    ).mappings()
    return [dict(row) for row in rows]


def parse_address(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """line1, city, postal_code, country (2 letters) from a JSON object or a form."""
    address = {
        name: require_str(data, name, max_length=limit, label=prefix + name)
        for name, limit in (("line1", 200), ("city", 100), ("postal_code", 20), ("country", 2))
    }
    if len(address["country"]) != 2 or not address["country"].isalpha():
        abort_json(400, f"{prefix}country must be a 2-letter country code")
    address["country"] = address["country"].upper()
    return address


def insert_address(user_id: int, address: dict[str, str]) -> int:
    return insert_returning_id(
        "INSERT INTO addresses (user_id, line1, city, postal_code, country)"
        " VALUES (:user_id, :line1, :city, :postal_code, :country)",
        {"user_id": user_id, **address},
    )


@bp.get("/api/accounts/me/addresses")
@login_required
def get_addresses() -> ResponseReturnValue:
    return jsonify(items=list_addresses(user_id_required()))


@bp.post("/api/accounts/me/addresses")
@login_required
def add_address() -> ResponseReturnValue:
    address = parse_address(json_body())
    address_id = insert_address(user_id_required(), address)
    db.session.commit()
    return jsonify(id=address_id, **address), 201


# -- pages ---------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("storefront.home")


@bp.route("/login", methods=["GET", "POST"])
def login_page() -> ResponseReturnValue:
    next_url = request.values.get("next")
    if request.method == "GET":
        return render_template("login.html", next=next_url, error=None, email="")
    email = request.form.get("email", "")
    try:
        user_id = authenticate(email, request.form.get("password", ""))
    except ApiError as exc:
        page = render_template("login.html", next=next_url, error=exc.message, email=email)
        return page, exc.status
    _log_in(user_id)
    record_audit("accounts", "user.login", "user", user_id, "form")
    db.session.commit()
    return redirect(_safe_next(next_url))


@bp.post("/logout")
def logout_page() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("storefront.home"))


@bp.get("/account")
@login_required
def account_page() -> ResponseReturnValue:
    user_id = user_id_required()
    orders = db.session.execute(
        text(
            "SELECT id, status, total_cents, created_at FROM orders"
            " WHERE user_id = :user_id ORDER BY created_at DESC, id DESC LIMIT 20"
        ),
        {"user_id": user_id},
    ).mappings()
    return render_template(
        "account.html",
        user=current_user(),
        orders=[{**row, "total": format_money(row["total_cents"])} for row in orders],
        addresses=list_addresses(user_id),
    )
