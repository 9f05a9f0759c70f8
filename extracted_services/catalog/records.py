"""What the catalog storage hands back: plain facts, free of SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Category:
    """One category, with how many active products it holds."""

    id: int
    slug: str
    name: str
    parent_id: int | None
    product_count: int


@dataclass(frozen=True)
class Product:
    """One product joined with its category's slug and name."""

    id: int
    sku: str
    name: str
    description: str
    price_cents: int
    category_id: int
    category_slug: str
    category_name: str
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class ProductPage:
    """One page of matching products and the number of matches over all pages."""

    items: tuple[Product, ...]
    total: int
