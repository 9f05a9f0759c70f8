"""The legacy helper module every area imports: money, paging, the current user, JSON errors.

It also writes the shared `audit_log` table, so any area calling `record_audit` writes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

from flask import g, redirect, request, url_for
from sqlalchemy import text

from legacy_monolith.db import db

MAX_DB_INT = 2**31 - 1
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
_DIGITS = re.compile(r"[0-9]+")
_MAX_DIGITS = 4000

P = ParamSpec("P")
R = TypeVar("R")


class ApiError(Exception):
    """A client mistake answered with `status` and a message saying what to fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def abort_json(status: int, message: str) -> NoReturn:
    raise ApiError(status, message)


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def format_money(cents: int) -> str:
    """1999 -> "19.99", 5 -> "0.05"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def now_utc() -> datetime:
    """The current UTC time, naive and to the second, as the TIMESTAMP columns hold it."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def as_iso(value: datetime | str | None) -> str | None:
    """A timestamp column as ISO text (SQLite hands back strings, PostgreSQL datetimes)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(microsecond=0).isoformat()


# -- query-string parsing ------------------------------------------------------------


@dataclass(frozen=True)
class Pagination:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def pages(self, total: int) -> int:
        return -(-total // self.per_page)

    def envelope(self, items: list[Any], total: int) -> dict[str, Any]:
        return {
            "items": items,
            "page": self.page,
            "per_page": self.per_page,
            "total": total,
            "pages": self.pages(total),
        }


def _digits_arg(args: Mapping[str, str], name: str, message: str) -> int | None:
    raw = args.get(name)
    if raw is None:
        return None
    if _DIGITS.fullmatch(raw) is None:
        abort_json(400, message)
    significant = raw.lstrip("0")
    return int(significant or "0") if len(significant) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _positive_arg(args: Mapping[str, str], name: str, default: int) -> int:
    message = f"{name} must be a positive integer"
    value = _digits_arg(args, name, message)
    if value is None:
        return default
    if value < 1:
        abort_json(400, message)
    return value


def parse_pagination(args: Mapping[str, str]) -> Pagination:
    """`page` (>= 1, default 1) and `per_page` (1..100, default 20) from the query string."""
    page = _positive_arg(args, "page", 1)
    per_page = _positive_arg(args, "per_page", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        abort_json(400, f"per_page must be at most {MAX_PER_PAGE}")
    return Pagination(page, per_page)


def parse_non_negative_arg(args: Mapping[str, str], name: str) -> int | None:
    """A non-negative integer query parameter (e.g. a price in cents), or None when absent."""
    return _digits_arg(args, name, f"{name} must be a non-negative integer")


def clamp_db_int(value: int) -> int:
    """Bound a comparison value so it fits the database's INTEGER without changing results."""
    return min(value, MAX_DB_INT + 1)


# -- JSON bodies ------------------------------------------------------------------------


def json_body() -> dict[str, Any]:
    """The request body as a JSON object, or a 415/400 saying what is wrong with it."""
    if not request.is_json:
        abort_json(415, "request body must be JSON (send Content-Type: application/json)")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        abort_json(400, f"malformed JSON body: {exc}")
    if not isinstance(body, dict):
        abort_json(400, "JSON body must be an object")
    return body


def require_str(
    data: Mapping[str, Any], name: str, *, max_length: int = 200, label: str | None = None
) -> str:
    """A non-empty string field (stripped), at most `max_length` characters.

    `label` names the field in messages when it sits inside an object (e.g. "address.city").
    """
    if name not in data or data[name] is None:
        abort_json(400, f"missing field: {label or name}")
    return _checked_str(data[name], label or name, max_length)


def optional_str(data: Mapping[str, Any], name: str, *, max_length: int = 200) -> str | None:
    """A string field, or None when absent, null or blank (an empty form input)."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _checked_str(value, name, max_length)


def _checked_str(value: Any, name: str, max_length: int) -> str:
    if not isinstance(value, str):
        abort_json(400, f"{name} must be a string")
    stripped = value.strip()
    if not stripped:
        abort_json(400, f"{name} must not be empty")
    if len(stripped) > max_length:
        abort_json(400, f"{name} must be at most {max_length} characters")
    return stripped


def require_int(
    data: Mapping[str, Any], name: str, *, minimum: int = 0, maximum: int = MAX_DB_INT
) -> int:
    """An integer field within [minimum, maximum] (JSON true/false are not integers)."""
    if name not in data or data[name] is None:
        abort_json(400, f"missing field: {name}")
    return _checked_int(data[name], name, minimum, maximum)


def optional_int(
    data: Mapping[str, Any], name: str, *, minimum: int = 0, maximum: int = MAX_DB_INT
) -> int | None:
    if data.get(name) is None:
        return None
    return _checked_int(data[name], name, minimum, maximum)


def _checked_int(value: Any, name: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        abort_json(400, f"{name} must be an integer")
    if not minimum <= value <= maximum:
        abort_json(400, f"{name} must be between {minimum} and {maximum}")
    return value


def optional_bool(data: Mapping[str, Any], name: str) -> bool | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        abort_json(400, f"{name} must be true or false")
    return value


# -- the logged-in user ------------------------------------------------------------------


def current_user() -> dict[str, Any] | None:
    """The user row loaded by the accounts before_request hook, or None."""
    user: dict[str, Any] | None = g.get("user")
    return user


def _refuse_anonymous() -> Any:
    if is_api_request():
        abort_json(401, "login required")
    return redirect(url_for("accounts.login_page", next=request.full_path.rstrip("?")))


def login_required(view: Callable[P, R]) -> Callable[P, R | Any]:
    """API: 401 JSON without a session; pages: redirect to the login form."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Any:
        if current_user() is None:
            return _refuse_anonymous()
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable[P, R]) -> Callable[P, R | Any]:
    """Like login_required, and a non-admin user gets 403."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Any:
        user = current_user()
        if user is None:
            return _refuse_anonymous()
        if not user["is_admin"]:
            abort_json(403, "admin access required")
        return view(*args, **kwargs)

    return wrapper


def user_id_required() -> int:
    """The logged-in user's id (for views already behind login_required)."""
    user = current_user()
    if user is None:
        abort_json(401, "login required")
    return int(user["id"])


# -- shared tables ---------------------------------------------------------------------------


def insert_returning_id(sql: str, params: Mapping[str, Any]) -> int:
    """Run an INSERT ... RETURNING id and hand back the new id (SQLite >= 3.35, PostgreSQL)."""
    new_id: int = db.session.execute(text(sql + " RETURNING id"), params).scalar_one()
    return new_id


def record_audit(area: str, action: str, entity: str, entity_id: int | None, detail: str) -> None:
    """Append a row to audit_log; the caller commits with its own changes."""
    user = current_user()
    db.session.execute(
        text(
            "INSERT INTO audit_log (actor_user_id, area, action, entity, entity_id, detail,"
            " created_at) VALUES (:actor, :area, :action, :entity, :entity_id, :detail, :now)"
        ),
        {
            "actor": None if user is None else user["id"],
            "area": area,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": detail,
            "now": now_utc(),
        },
    )
