"""Reviews JSON API under /api/reviews, on the Review ORM model."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from legacy_monolith.catalog import queries as catalog_queries
from legacy_monolith.db import db
from legacy_monolith.helpers import (
    abort_json,
    current_user,
    json_body,
    login_required,
    now_utc,
    optional_str,
    parse_pagination,
    require_int,
    require_str,
    user_id_required,
)
from legacy_monolith.reviews.models import Review

bp = Blueprint("reviews", __name__, url_prefix="/api/reviews")


def _require_active_product(product_id: int) -> None:
    if catalog_queries.get_product(product_id) is None:
        abort_json(404, f"product {product_id} not found")


def rating_summary(product_id: int) -> dict[str, object]:
    """Count, average (2 decimals, None without reviews) and a 1..5 histogram."""
    counts: dict[int, int] = {
        rating: count
        for rating, count in db.session.execute(
            select(Review.rating, func.count())
            .where(Review.product_id == product_id)
            .group_by(Review.rating)
        )
    }
    total = sum(counts.values())
    average = (
        round(sum(rating * count for rating, count in counts.items()) / total, 2) if total else None
    )
    return {
        "product_id": product_id,
        "count": total,
        "average_rating": average,
        "histogram": {str(rating): counts.get(rating, 0) for rating in range(1, 6)},
    }


def reviews_page(product_id: int, limit: int, offset: int) -> list[Review]:
    return list(
        db.session.execute(
            select(Review)
            .where(Review.product_id == product_id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
    )


@bp.get("/product/<int:product_id>")
def list_reviews(product_id: int) -> ResponseReturnValue:
    pagination = parse_pagination(request.args)
    _require_active_product(product_id)
    total = db.session.execute(
        select(func.count()).select_from(Review).where(Review.product_id == product_id)
    ).scalar_one()
    reviews = reviews_page(product_id, pagination.per_page, pagination.offset)
    return jsonify(pagination.envelope([review.to_json() for review in reviews], total))


@bp.get("/summary/<int:product_id>")
def summary(product_id: int) -> ResponseReturnValue:
    _require_active_product(product_id)
    return jsonify(rating_summary(product_id))


@bp.post("/product/<int:product_id>")
@login_required
def create_review(product_id: int) -> ResponseReturnValue:
    body = json_body()
    rating = require_int(body, "rating", minimum=1, maximum=5)
    title = require_str(body, "title", max_length=120)
    text_body = optional_str(body, "body", max_length=5000) or ""
    _require_active_product(product_id)
    user_id = user_id_required()
    already = db.session.execute(
        select(Review.id).where(Review.product_id == product_id, Review.user_id == user_id)
    ).first()
    if already is not None:
        abort_json(409, f"you already reviewed product {product_id}")
    review = Review(
        product_id=product_id,
        user_id=user_id,
        rating=rating,
        title=title,
        body=text_body,
        created_at=now_utc(),
    )
    db.session.add(review)
    db.session.commit()
    return jsonify(review.to_json()), 201


@bp.delete("/<int:review_id>")
@login_required
def delete_review(review_id: int) -> ResponseReturnValue:
    review = db.session.get(Review, review_id)
    user = current_user()
    assert user is not None
    if review is None:
        abort_json(404, f"review {review_id} not found")
    if review.user_id != user["id"] and not user["is_admin"]:
        abort_json(403, "only the author or an admin can delete a review")
    db.session.delete(review)
    db.session.commit()
    return jsonify(deleted=review_id)
