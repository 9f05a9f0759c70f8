"""Notifications JSON API under /api/notifications, and `notify`, which many areas call."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    as_iso,
    login_required,
    now_utc,
    parse_pagination,
    user_id_required,
)

bp = Blueprint("notifications", __name__, url_prefix="/api/notifications")


def notify(user_id: int, kind: str, message: str) -> None:
    """Queue a notification for a user; the caller commits with its own changes."""
    db.session.execute(
        text(
            "INSERT INTO notifications (user_id, kind, message, is_read, created_at)"
            " VALUES (:user_id, :kind, :message, :is_read, :now)"
        ),
        {"user_id": user_id, "kind": kind, "message": message, "is_read": False, "now": now_utc()},
    )


def _notification_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "message": row.message,
        "is_read": bool(row.is_read),
        "created_at": as_iso(row.created_at),
    }


@bp.get("")
@login_required
def list_notifications() -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    unread = request.args.get("unread", "0")
    if unread not in ("0", "1"):
        abort_json(400, "unread must be 0 or 1")
    where = "WHERE user_id = :user_id"
    if unread == "1":
        where += " AND is_read = FALSE"
    params = {"user_id": user_id_required()}
    total = db.session.execute(
        text(f"SELECT COUNT(*) FROM notifications {where}"), params
    ).scalar_one()
    rows = db.session.execute(
        text(
            f"SELECT id, kind, message, is_read, created_at FROM notifications {where}"
            " ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": pagination.per_page, "offset": pagination.offset},
    )
    return jsonify(pagination.envelope([_notification_json(row) for row in rows], total))


@bp.post("/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> ResponseReturnValue:
    updated = db.session.execute(
        text(
            "UPDATE notifications SET is_read = TRUE WHERE id = :id AND user_id = :user_id"
            " RETURNING id, kind, message, is_read, created_at"
        ),
        {"id": notification_id, "user_id": user_id_required()},
    ).first()
    if updated is None:
        abort_json(404, f"notification {notification_id} not found")
    db.session.commit()
    return jsonify(_notification_json(updated))


@bp.post("/read-all")
@login_required
def mark_all_read() -> ResponseReturnValue:
    updated = db.session.execute(
        text(
            "UPDATE notifications SET is_read = TRUE"
            " WHERE user_id = :user_id AND is_read = FALSE RETURNING id"
        ),
        {"user_id": user_id_required()},
    ).all()
    db.session.commit()
    return jsonify(updated=len(updated))
