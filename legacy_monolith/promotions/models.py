"""The PromoCode ORM model (table name derived: `promo_code`) and its category association."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from legacy_monolith.db import db
from legacy_monolith.helpers import as_iso

promo_code_categories = db.Table(
    "promo_code_categories",
    db.Column("promo_code_id", db.Integer, db.ForeignKey("promo_code.id"), primary_key=True),
    db.Column("category_id", db.Integer, db.ForeignKey("categories.id"), primary_key=True),
)


class PromoCode(db.Model):  # type: ignore[name-defined]
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    description = db.Column(db.String(200), nullable=False, default="")
    percent_off = db.Column(db.Integer, nullable=True)
    amount_off_cents = db.Column(db.Integer, nullable=True)
    min_subtotal_cents = db.Column(db.Integer, nullable=False, default=0)
    max_redemptions = db.Column(db.Integer, nullable=True)
    times_redeemed = db.Column(db.Integer, nullable=False, default=0)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime, nullable=False)

    @classmethod
    def find(cls, code: str) -> PromoCode | None:
        found: PromoCode | None = db.session.execute(
            select(cls).where(cls.code == code.strip().upper())
        ).scalar_one_or_none()
        return found

    def category_ids(self) -> set[int]:
        rows = db.session.execute(
            select(promo_code_categories.c.category_id).where(
                promo_code_categories.c.promo_code_id == self.id
            )
        ).scalars()
        return set(rows)

    def unusable_reason(self, subtotal_cents: int) -> str | None:
        """Why the code cannot be used on a cart of this subtotal, or None."""
        if not self.is_active:
            return f"promo code '{self.code}' is no longer active"
        if self.max_redemptions is not None and self.times_redeemed >= self.max_redemptions:
            return f"promo code '{self.code}' has been used up"
        if subtotal_cents < self.min_subtotal_cents:
            return (
                f"promo code '{self.code}' needs a subtotal of at least"
                f" {self.min_subtotal_cents} cents"
            )
        return None

    def discount_cents(self, lines: Iterable[Mapping[str, Any]]) -> int:
        """The discount on cart/order lines (each with category_id, quantity, price_cents)."""
        restricted = self.category_ids()
        eligible = sum(
            int(line["quantity"]) * int(line["price_cents"])
            for line in lines
            if not restricted or line["category_id"] in restricted
        )
        if self.percent_off is not None:
            return eligible * int(self.percent_off) // 100
        return min(int(self.amount_off_cents or 0), eligible)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "description": self.description,
            "percent_off": self.percent_off,
            "amount_off_cents": self.amount_off_cents,
            "min_subtotal_cents": self.min_subtotal_cents,
            "max_redemptions": self.max_redemptions,
            "times_redeemed": self.times_redeemed,
            "is_active": bool(self.is_active),
            "category_ids": sorted(self.category_ids()),
            "created_at": as_iso(self.created_at),
        }
