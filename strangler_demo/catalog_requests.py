"""The requests that prove the catalog service answers as the monolith does.

Built from what the monolith's database really holds: every product id, ids
that do not exist, every category filter, and every kind of bad parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy

UNKNOWN_PRODUCT_IDS = (0, 999_999_999)
BAD_LIST_QUERIES: tuple[dict[str, str], ...] = (
    {"page": "0"},
    {"page": "abc"},
    {"per_page": "0"},
    {"per_page": "101"},
    {"per_page": "1.5"},
    {"min_price": "-1"},
    {"max_price": "cheap"},
    {"min_price": "5000", "max_price": "100"},
    {"sort": "popularity"},
    {"category": "no-such-category"},
)
GOOD_LIST_QUERIES: tuple[dict[str, str], ...] = (
    {},
    {"page": "2"},
    {"per_page": "100"},
    {"per_page": "7", "page": "3"},
    {"page": "100000"},
    {"sort": "price"},
    {"sort": "-price", "per_page": "50"},
    {"sort": "newest"},
    {"min_price": "1000", "max_price": "5000"},
    {"min_price": "0", "max_price": "0"},
    {"q": "steel"},
    {"q": "  LAMP  "},
    {"q": ""},
    {"unknown_param": "ignored"},
)


@dataclass(frozen=True)
class CatalogSnapshot:
    product_ids: tuple[int, ...]
    category_slugs: tuple[str, ...]

    def spread_sample(self, count: int) -> CatalogSnapshot:
        """At most `count` product ids, evenly spread from first to last."""
        ids = self.product_ids
        if len(ids) <= count:
            return self
        step = (len(ids) - 1) / (count - 1) if count > 1 else 0
        picked = tuple(dict.fromkeys(ids[round(i * step)] for i in range(count)))
        return CatalogSnapshot(product_ids=picked, category_slugs=self.category_slugs)


def read_snapshot(monolith_database_url: str) -> CatalogSnapshot:
    """Product ids and category slugs as the monolith's database holds them."""
    engine = sqlalchemy.create_engine(monolith_database_url)
    try:
        with engine.connect() as connection:
            ids = connection.execute(sqlalchemy.text("SELECT id FROM products ORDER BY id"))
            slugs = connection.execute(sqlalchemy.text("SELECT slug FROM categories ORDER BY slug"))
            return CatalogSnapshot(
                product_ids=tuple(row[0] for row in ids),
                category_slugs=tuple(row[0] for row in slugs),
            )
    finally:
        engine.dispose()


def _list_path(query: dict[str, str]) -> str:
    return "/api/catalog/products" + (f"?{urlencode(query)}" if query else "")


def parity_request_lines(snapshot: CatalogSnapshot) -> list[str]:
    """`METHOD /path` lines covering every product, every category and every bad input."""
    product_paths = [f"/api/catalog/products/{pid}" for pid in snapshot.product_ids]
    unknown_paths = [f"/api/catalog/products/{pid}" for pid in UNKNOWN_PRODUCT_IDS]
    category_queries = [
        {"category": slug, "sort": sort}
        for slug in snapshot.category_slugs
        for sort in ("name", "-price")
    ]
    list_paths = [
        _list_path(query) for query in (*GOOD_LIST_QUERIES, *category_queries, *BAD_LIST_QUERIES)
    ]
    paths = ["/api/catalog/categories", *product_paths, *unknown_paths, *list_paths]
    return [f"GET {path}" for path in paths]
