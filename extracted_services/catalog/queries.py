"""Validation of `list_products` query parameters, with the monolith's exact rules and messages.

Checked in this order, the first failure wins: page, per_page, min_price,
max_price, min_price <= max_price, sort. (Whether the category exists is the
storage's question, asked after these.) An integer is a string of ASCII digits
only: "+1", " 1", "1.0", "-1" and "" are refused; leading zeros are fine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from extracted_services.catalog.exceptions import BadRequest

SortKey = Literal["name", "price", "-price", "newest"]
SORT_KEYS: tuple[SortKey, ...] = ("name", "price", "-price", "newest")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

_DIGITS = re.compile(r"[0-9]+")
_MAX_DIGITS = 4000


@dataclass(frozen=True)
class ProductQuery:
    """A valid product listing request."""

    category: str | None = None
    text: str | None = None  # stripped search text; None = no text filter
    min_price: int | None = None
    max_price: int | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: SortKey = "name"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _integer(value: object) -> int | None:
    """The value as an int if it is a string of ASCII digits, else None.

    As in the monolith, more than 4000 significant digits count as 10**4000
    (Python refuses to convert longer digit strings).
    """
    if not isinstance(value, str) or _DIGITS.fullmatch(value) is None:
        return None
    significant = value.lstrip("0")
    return int(significant or "0") if len(significant) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _positive(query: Mapping[str, object], name: str, default: int) -> int:
    if name not in query:
        return default
    number = _integer(query[name])
    if number is None or number < 1:
        raise BadRequest(f"{name} must be a positive integer")
    return number


def _non_negative(query: Mapping[str, object], name: str) -> int | None:
    if name not in query:
        return None
    number = _integer(query[name])
    if number is None:
        raise BadRequest(f"{name} must be a non-negative integer")
    return number


def _search_text(value: object) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text or None


def parse_product_query(query: Mapping[str, object] | None) -> ProductQuery:
    """Check the query-string parameters (first value per key); unknown keys are ignored."""
    query = query or {}
    page = _positive(query, "page", 1)
    per_page = _positive(query, "per_page", DEFAULT_PER_PAGE)
    if per_page > MAX_PER_PAGE:
        raise BadRequest(f"per_page must be at most {MAX_PER_PAGE}")
    min_price = _non_negative(query, "min_price")
    max_price = _non_negative(query, "max_price")
    if min_price is not None and max_price is not None and min_price > max_price:
        raise BadRequest("min_price must not exceed max_price")
    sort = query.get("sort", "name")
    if sort not in SORT_KEYS:
        raise BadRequest(f"sort must be one of: {', '.join(SORT_KEYS)}")
    category = query.get("category")
    return ProductQuery(
        category=category if isinstance(category, str) else None,
        text=_search_text(query.get("q")),
        min_price=min_price,
        max_price=max_price,
        page=page,
        per_page=per_page,
        sort=cast(SortKey, sort),
    )
