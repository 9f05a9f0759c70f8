"""Reporting queries: big JOINs across nearly every area's tables (a legacy tangle)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from legacy_monolith.db import db
from legacy_monolith.helpers import format_money

REVENUE_BY_CATEGORY = """
SELECT c.id AS category_id, c.slug, c.name,
       COUNT(DISTINCT o.id) AS orders,
       SUM(oi.quantity) AS units,
       SUM(oi.quantity * oi.unit_price_cents) AS revenue_cents,
       COUNT(DISTINCT u.id) AS customers,
       COUNT(DISTINCT CASE WHEN s.status = 'delivered' THEN o.id END) AS delivered_orders
FROM orders o
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
JOIN categories c ON c.id = p.category_id
JOIN payments pay ON pay.order_id = o.id AND pay.status = 'captured'
JOIN users u ON u.id = o.user_id
LEFT JOIN shipments s ON s.order_id = o.id
GROUP BY c.id, c.slug, c.name
ORDER BY revenue_cents DESC, c.id ASC
"""

TOP_CUSTOMERS = """
SELECT u.id AS user_id, u.email, u.name,
       COUNT(DISTINCT o.id) AS orders,
       SUM(pay.amount_cents) AS spent_cents,
       COUNT(DISTINCT r.id) AS reviews
FROM users u
JOIN orders o ON o.user_id = u.id
JOIN payments pay ON pay.order_id = o.id AND pay.status = 'captured'
LEFT JOIN reviews r ON r.user_id = u.id
GROUP BY u.id, u.email, u.name
ORDER BY spent_cents DESC, u.id ASC
LIMIT :limit
"""


def revenue_by_category() -> list[dict[str, Any]]:
    rows = db.session.execute(text(REVENUE_BY_CATEGORY)).mappings()
    return [{**row, "revenue": format_money(int(row["revenue_cents"]))} for row in rows]


def top_customers(limit: int) -> list[dict[str, Any]]:
    rows = db.session.execute(text(TOP_CUSTOMERS), {"limit": limit}).mappings()
    return [{**row, "spent": format_money(int(row["spent_cents"]))} for row in rows]


def dashboard_figures() -> dict[str, int]:
    """Headline counts for the admin dashboard, one sub-query per area."""
    row = (
        db.session.execute(
            text(
                "SELECT (SELECT COUNT(*) FROM users) AS users,"
                " (SELECT COUNT(*) FROM products WHERE is_active = TRUE) AS active_products,"
                " (SELECT COUNT(*) FROM orders) AS orders,"
                " (SELECT COALESCE(SUM(amount_cents), 0) FROM payments"
                "   WHERE status = 'captured') AS revenue_cents,"
                " (SELECT COUNT(*) FROM shipments WHERE status = 'pending') AS pending_shipments,"
                " (SELECT COUNT(*) FROM reviews) AS reviews"
            )
        )
        .mappings()
        .one()
    )
    return {key: int(value) for key, value in row.items()}
