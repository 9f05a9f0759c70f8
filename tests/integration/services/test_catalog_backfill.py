"""Backfill the catalog service from a monolith database, then check every answer.

The source database is built here from the contract's DDL (SQLite file and
PostgreSQL). Expected answers are computed in this file from the source rows,
independently of the service's code, for every product and a grid of queries.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from nameko.testing.services import worker_factory
from sqlalchemy import DateTime, Engine, bindparam, create_engine, text

from extracted_services.catalog.backfill import (
    BackfillFailed,
    MissingCatalogTables,
    backfill_catalog,
)
from extracted_services.catalog.exceptions import BadRequest, NotFound
from extracted_services.catalog.service import CatalogService
from extracted_services.catalog.storage import CatalogStore
from extracted_services.commands import service as service_command
from strangler.database import DatabaseUnavailable

CONTRACT_DDL = [
    """CREATE TABLE categories (
        id INTEGER PRIMARY KEY, slug VARCHAR(80) UNIQUE NOT NULL, name VARCHAR(120) NOT NULL,
        parent_id INTEGER NULL REFERENCES categories(id))""",
    """CREATE TABLE products (
        id INTEGER PRIMARY KEY, sku VARCHAR(40) UNIQUE NOT NULL, name VARCHAR(200) NOT NULL,
        description TEXT NOT NULL DEFAULT '', price_cents INTEGER NOT NULL,
        category_id INTEGER NOT NULL REFERENCES categories(id), is_active BOOLEAN NOT NULL,
        created_at TIMESTAMP NOT NULL)""",
]

CATEGORIES = [
    {"id": 1, "slug": "lamps", "name": "Lamps", "parent_id": None},
    {"id": 2, "slug": "desk-lamps", "name": "desk lamps", "parent_id": 1},
    {"id": 3, "slug": "books", "name": "Books", "parent_id": None},
    {"id": 4, "slug": "old-books", "name": "Books", "parent_id": 3},
    {"id": 5, "slug": "empty", "name": "Empty", "parent_id": None},
    {"id": 6, "slug": "cables", "name": "Câbles", "parent_id": None},
]
NAMES = ["Brass Lamp", "brass lamp", "Arc lamp", "Zebra book", "Äpfel book", "USB cable", "Lamp"]
PRICES = [500, 1999, 5, 0, 120000, 500]
CATEGORY_IDS = [1, 2, 3, 4, 6]


def _products(count: int) -> list[dict[str, Any]]:
    start = datetime(2024, 1, 1, 8, 0, 0)
    return [
        {
            "id": number,
            "sku": f"SKU-{number:03d}",
            "name": NAMES[number % len(NAMES)],
            "description": "" if number % 4 == 0 else f"item {number}",
            "price_cents": PRICES[number % len(PRICES)],
            "category_id": CATEGORY_IDS[number % len(CATEGORY_IDS)],
            "is_active": number % 7 != 3,
            "created_at": start + timedelta(hours=(number * 37) % 50),  # repeats: ties
        }
        for number in range(1, count + 1)
    ]


PRODUCTS = _products(40)


# ---- the source (monolith) database, built from the contract -------------------------------


def build_source(url: str, products: list[dict[str, Any]] = PRODUCTS) -> None:
    engine = create_engine(url)
    insert_product = text(
        "INSERT INTO products (id, sku, name, description, price_cents, category_id, is_active,"
        " created_at) VALUES (:id, :sku, :name, :description, :price_cents, :category_id,"
        " :is_active, :created_at)"
    ).bindparams(bindparam("created_at", type_=DateTime))
    with engine.begin() as connection:
        for ddl in CONTRACT_DDL:
            connection.execute(text(ddl))
        connection.execute(
            text("INSERT INTO categories VALUES (:id, :slug, :name, :parent_id)"), CATEGORIES
        )
        connection.execute(insert_product, products)
    engine.dispose()


# ---- expectations computed from the source rows alone ---------------------------------------


def expected_product(row: dict[str, Any]) -> dict[str, Any]:
    category = next(c for c in CATEGORIES if c["id"] == row["category_id"])
    cents = row["price_cents"]
    return {
        "id": row["id"],
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "price_cents": cents,
        "price": f"{cents // 100}.{cents % 100:02d}",
        "currency": "USD",
        "category": {"id": category["id"], "slug": category["slug"], "name": category["name"]},
        "is_active": True,
    }


def expected_categories(products: list[dict[str, Any]]) -> dict[str, Any]:
    items = [
        {
            **category,
            "product_count": sum(
                1 for p in products if p["is_active"] and p["category_id"] == category["id"]
            ),
        }
        for category in sorted(CATEGORIES, key=lambda c: (c["name"], c["id"]))
    ]
    return {"items": items}


SORT_KEYS = {
    "name": lambda p: (p["name"], p["id"]),
    "price": lambda p: (p["price_cents"], p["id"]),
    "-price": lambda p: (-p["price_cents"], p["id"]),
}


def expected_listing(products: list[dict[str, Any]], query: dict[str, str]) -> Any:
    slugs = {c["slug"]: c["id"] for c in CATEGORIES}
    if "category" in query and query["category"] not in slugs:
        return ("NotFound", f"category '{query['category']}' not found")
    rows = [p for p in products if p["is_active"]]
    if "category" in query:
        rows = [p for p in rows if p["category_id"] == slugs[query["category"]]]
    needle = query.get("q", "").strip().lower()
    rows = [p for p in rows if needle in p["name"].lower()]
    if "min_price" in query:
        rows = [p for p in rows if p["price_cents"] >= int(query["min_price"])]
    if "max_price" in query:
        rows = [p for p in rows if p["price_cents"] <= int(query["max_price"])]
    sort = query.get("sort", "name")
    if sort == "newest":
        rows.sort(key=lambda p: (p["created_at"], p["id"]), reverse=True)
    else:
        rows.sort(key=SORT_KEYS[sort])
    page, per_page = int(query.get("page", "1")), int(query.get("per_page", "20"))
    return {
        "items": [expected_product(p) for p in rows[(page - 1) * per_page : page * per_page]],
        "page": page,
        "per_page": per_page,
        "total": len(rows),
        "pages": (len(rows) + per_page - 1) // per_page,
    }


def query_grid() -> Iterator[dict[str, str]]:
    categories = [None, "lamps", "desk-lamps", "old-books", "empty", "cables", "missing"]
    texts = [None, " LAMP ", "book", "zzz"]
    sorts = [None, "name", "price", "-price", "newest"]
    prices = [(None, None), ("500", None), ("1", "1999")]
    pages = [(None, None), ("2", "3"), ("1", "100"), ("30", "2")]
    for category, q, sort, (low, high), (page, per_page) in itertools.product(
        categories, texts, sorts, prices, pages
    ):
        pairs = {
            "category": category,
            "q": q,
            "sort": sort,
            "min_price": low,
            "max_price": high,
            "page": page,
            "per_page": per_page,
        }
        yield {key: value for key, value in pairs.items() if value is not None}


# ---- the service under test -----------------------------------------------------------------


@dataclass
class Catalog:
    service: Any
    engine: Engine

    def answer(self, call: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.service, call)(*args, **kwargs)
        except (NotFound, BadRequest) as error:
            return (type(error).__name__, str(error))


@pytest.fixture
def open_catalog() -> Iterator[Any]:
    engines: list[Engine] = []

    def open_(url: str) -> Catalog:
        engine = create_engine(url)
        engines.append(engine)
        return Catalog(worker_factory(CatalogService, storage=CatalogStore(engine)), engine)

    yield open_
    for engine in engines:
        engine.dispose()


def assert_answers_like_the_source(catalog: Catalog, products: list[dict[str, Any]]) -> None:
    assert catalog.answer("list_categories", query={}) == expected_categories(products)
    for row in products:
        expected = (
            expected_product(row)
            if row["is_active"]
            else ("NotFound", f"product {row['id']} not found")
        )
        assert catalog.answer("get_product", row["id"], query={}) == expected, row
    for absent in (999, 2**31, 2**70):
        assert catalog.answer("get_product", absent) == ("NotFound", f"product {absent} not found")
    huge = "9" * 30
    for query in ({"min_price": huge}, {"max_price": huge}, {"page": huge, "q": "lamp"}):
        assert catalog.answer("list_products", query=query) == expected_listing(products, query)
    checked = 0
    for query in query_grid():
        assert catalog.answer("list_products", query=query) == expected_listing(products, query), (
            query
        )
        checked += 1
    assert checked == 7 * 4 * 5 * 3 * 4


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_sqlite_backfill_answers_like_the_monolith(tmp_path: Path, open_catalog: Any) -> None:
    source, target = sqlite_url(tmp_path / "monolith.sqlite3"), sqlite_url(tmp_path / "svc.db")
    build_source(source)
    summary = backfill_catalog(source, target)
    assert (summary.categories, summary.products) == (6, 40)
    assert summary.active_products == sum(1 for p in PRODUCTS if p["is_active"])
    assert (summary.source, summary.target) == (source, target)
    assert_answers_like_the_source(open_catalog(target), PRODUCTS)


@pytest.mark.postgres
def test_postgres_backfill_answers_like_the_monolith(postgres_url: str, open_catalog: Any) -> None:
    build_source(postgres_url)
    summary = backfill_catalog(postgres_url, postgres_url)  # the service tables are apart
    assert (summary.categories, summary.products) == (6, 40)
    assert_answers_like_the_source(open_catalog(postgres_url), PRODUCTS)


def test_backfill_twice_gives_the_same_data_and_follows_the_source(
    tmp_path: Path, open_catalog: Any
) -> None:
    source, target = sqlite_url(tmp_path / "monolith.sqlite3"), sqlite_url(tmp_path / "svc.db")
    build_source(source)
    first = backfill_catalog(source, target)
    assert backfill_catalog(source, target) == first
    catalog = open_catalog(target)
    assert catalog.answer("list_products", query={"per_page": "100"})["total"] == (
        first.active_products
    )

    with sqlite3.connect(tmp_path / "monolith.sqlite3") as connection:
        connection.execute("DELETE FROM products WHERE id = 1")
        connection.execute("UPDATE products SET name = 'Renamed' WHERE id = 2")
    connection.close()
    changed = [{**p, "name": "Renamed"} if p["id"] == 2 else p for p in PRODUCTS if p["id"] != 1]
    assert backfill_catalog(source, target).products == 39
    assert catalog.answer("get_product", 1) == ("NotFound", "product 1 not found")
    assert catalog.answer("get_product", 2)["name"] == "Renamed"
    assert catalog.answer("list_products", query={"per_page": "100"}) == expected_listing(
        changed, {"per_page": "100"}
    )


def test_failed_backfill_leaves_the_service_data_untouched(
    tmp_path: Path, open_catalog: Any
) -> None:
    source, target = sqlite_url(tmp_path / "monolith.sqlite3"), sqlite_url(tmp_path / "svc.db")
    build_source(source)
    backfill_catalog(source, target)
    with sqlite3.connect(tmp_path / "monolith.sqlite3") as connection:
        connection.execute("UPDATE products SET created_at = 'last tuesday' WHERE id = 40")
    connection.close()
    with pytest.raises(BackfillFailed, match="nothing was changed"):
        backfill_catalog(source, target)
    catalog = open_catalog(target)
    assert catalog.answer("list_categories", query={}) == expected_categories(PRODUCTS)
    assert catalog.answer("get_product", 1) == expected_product(PRODUCTS[0])


def test_source_without_catalog_tables_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    connection.close()
    with pytest.raises(MissingCatalogTables, match="has no table 'categories'"):
        backfill_catalog(sqlite_url(other), sqlite_url(tmp_path / "svc.db"))

    with sqlite3.connect(other) as connection:
        connection.execute(CONTRACT_DDL[0])
        connection.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT)")
    connection.close()
    with pytest.raises(MissingCatalogTables, match=r"lacks column\(s\) sku, description, "):
        backfill_catalog(sqlite_url(other), sqlite_url(tmp_path / "svc.db"))


def test_missing_source_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "var" / "monolith.sqlite3"
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        backfill_catalog(sqlite_url(missing), sqlite_url(tmp_path / "svc.db"))
    assert not missing.exists()
    assert not (tmp_path / "svc.db").exists()


def test_cli_backfill_uses_the_environment_and_prints_counts(tmp_path: Path) -> None:
    source, target = sqlite_url(tmp_path / "monolith.sqlite3"), sqlite_url(tmp_path / "svc.db")
    build_source(source)
    result = CliRunner().invoke(
        service_command,
        ["backfill", "catalog"],
        env={"DATABASE_URL": source, "CATALOG_DATABASE_URL": target},
    )
    assert result.exit_code == 0, result.output
    active = sum(1 for p in PRODUCTS if p["is_active"])
    assert result.output == (
        f"backfilled catalog: 6 categories, 40 products ({active} active)\n"
        f"  from {source}\n  into {target}\n"
    )


def test_cli_backfill_from_a_source_without_products_warns(tmp_path: Path) -> None:
    source, target = sqlite_url(tmp_path / "monolith.sqlite3"), sqlite_url(tmp_path / "svc.db")
    build_source(source)
    engine = create_engine(source)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM products"))
    engine.dispose()

    result = CliRunner().invoke(
        service_command, ["backfill", "catalog", "--from-url", source, "--to-url", target]
    )

    assert result.exit_code == 0, result.output
    assert "0 products" in result.stdout
    assert "warning: the source holds nothing to serve" in result.stderr
