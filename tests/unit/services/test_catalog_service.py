"""CatalogService methods run by nameko's worker_factory over a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import worker_factory
from nameko.testing.utils import get_extension
from sqlalchemy import Engine, create_engine, inspect, select

from extracted_services.catalog.dependencies import CatalogStorage
from extracted_services.catalog.exceptions import BadRequest, NotFound
from extracted_services.catalog.service import CatalogService
from extracted_services.catalog.storage import CatalogStore, create_schema
from extracted_services.catalog.tables import categories, products
from extracted_services.shared.change_applier import ChangeConsumer
from extracted_services.shared.change_batch import Refused
from extracted_services.shared.change_writer import Applied

CATEGORIES = [
    {"id": 1, "slug": "lamps", "name": "Lamps", "parent_id": None},
    {"id": 2, "slug": "desk-lamps", "name": "Desk lamps", "parent_id": 1},
    {"id": 3, "slug": "empty", "name": "Empty", "parent_id": None},
]


def _product(id: int, name: str, price: int, category: int, active: bool, day: int) -> dict:
    return {
        "id": id,
        "sku": f"SKU-{id}",
        "name": name,
        "description": f"about {name}",
        "price_cents": price,
        "category_id": category,
        "is_active": active,
        "created_at": datetime(2024, 1, day, 12, 0, 0),
    }


PRODUCTS = [
    _product(1, "Brass lamp", 1999, 1, True, 1),
    _product(2, "desk lamp", 500, 2, True, 3),
    _product(3, "Old lamp", 100, 1, False, 9),
    _product(4, "Brass lamp", 500, 1, True, 3),
    _product(5, "Bulb", 5, 1, True, 2),
]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(categories.insert(), CATEGORIES)
        connection.execute(products.insert(), PRODUCTS)
    yield engine
    engine.dispose()


@pytest.fixture
def service(engine: Engine) -> Any:
    return worker_factory(CatalogService, storage=CatalogStore(engine))


def _ids(body: dict) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_get_product_answers_the_product_object(service: Any) -> None:
    assert service.get_product(1, query={}) == {
        "id": 1,
        "sku": "SKU-1",
        "name": "Brass lamp",
        "description": "about Brass lamp",
        "price_cents": 1999,
        "price": "19.99",
        "currency": "USD",
        "category": {"id": 1, "slug": "lamps", "name": "Lamps"},
        "is_active": True,
    }


@pytest.mark.parametrize("product_id", [3, 99, 0, -1, 2**70])
def test_missing_or_inactive_product_is_not_found(service: Any, product_id: int) -> None:
    with pytest.raises(NotFound) as raised:
        service.get_product(product_id)
    assert str(raised.value) == f"product {product_id} not found"


def test_product_id_must_be_an_integer(service: Any) -> None:
    with pytest.raises(BadRequest):
        service.get_product("1")


def test_list_products_defaults_sort_by_name_then_id(service: Any) -> None:
    body = service.list_products(query={})
    assert _ids(body) == [1, 4, 5, 2]  # "Brass lamp" x2 by id, "Bulb", then "desk lamp"
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 20, 4, 1)


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ({"sort": "price"}, [5, 2, 4, 1]),
        ({"sort": "-price"}, [1, 2, 4, 5]),
        ({"sort": "newest"}, [4, 2, 5, 1]),
        ({"category": "lamps"}, [1, 4, 5]),
        ({"category": "empty"}, []),
        ({"q": " LAMP "}, [1, 4, 2]),
        ({"q": "   "}, [1, 4, 5, 2]),
        ({"min_price": "500"}, [1, 4, 2]),
        ({"max_price": "500"}, [4, 5, 2]),
        ({"min_price": "500", "max_price": "500", "sort": "-price"}, [2, 4]),
        ({"min_price": "99999999999999999999999"}, []),
        ({"max_price": "99999999999999999999999"}, [1, 4, 5, 2]),
        ({"per_page": "2", "page": "2"}, [5, 2]),
        ({"per_page": "2", "page": "3"}, []),
        ({"page": "99999999999999999999999"}, []),
    ],
)
def test_list_products_filters_sorts_and_pages(
    service: Any, query: dict[str, str], ids: list[int]
) -> None:
    assert _ids(service.list_products(query=query)) == ids


def test_list_products_page_past_the_end_keeps_totals(service: Any) -> None:
    body = service.list_products(query={"per_page": "3", "page": "5"})
    assert body == {"items": [], "page": 5, "per_page": 3, "total": 4, "pages": 2}


def test_unknown_category_is_not_found_after_validation(service: Any) -> None:
    with pytest.raises(NotFound) as raised:
        service.list_products(query={"category": "nope"})
    assert str(raised.value) == "category 'nope' not found"
    with pytest.raises(BadRequest):
        service.list_products(query={"category": "nope", "sort": "bad"})


def test_list_categories_by_name_with_active_counts(service: Any) -> None:
    assert service.list_categories(query={}) == {
        "items": [
            {
                "id": 2,
                "slug": "desk-lamps",
                "name": "Desk lamps",
                "parent_id": 1,
                "product_count": 1,
            },
            {"id": 3, "slug": "empty", "name": "Empty", "parent_id": None, "product_count": 0},
            {"id": 1, "slug": "lamps", "name": "Lamps", "parent_id": None, "product_count": 3},
        ]
    }


def test_the_change_applier_keeps_the_renamed_copies_in_step(tmp_path: Path) -> None:
    database = tmp_path / "catalog.sqlite3"
    config = {"AMQP_URI": "memory://", "DATABASE_URL": f"sqlite:///{database}"}
    container = ServiceContainer(CatalogService, config)
    storage = get_extension(container, CatalogStorage)
    applier = get_extension(container, ChangeConsumer)
    storage.setup()
    applier.setup()  # service.toml says `sync = true`
    try:
        assert applier.queue.name == "sync-catalog"
        assert {bound.routing_key for bound in applier.queue.bindings} == {
            "categories",
            "products",
        }
        category = {"id": 1, "slug": "lamps", "name": "Lamps", "parent_id": None}
        row = {**PRODUCTS[0], "price_cents": 250, "created_at": "2024-01-03T12:30:00+01:00"}
        for position, table, key, image in [
            (1, "categories", 1, category),
            (2, "products", 1, row),
        ]:
            body = {
                "version": 1,
                "source": "monolith",
                "table": table,
                "transaction": "9",
                "changes": [
                    {
                        "id": f"monolith:{table}:{position}",
                        "position": position,
                        "operation": "insert",
                        "key": {"id": key},
                        "row": image,
                        "origin": "monolith",
                    }
                ],
            }
            assert applier.apply([body]) == [Applied(written=1, skipped=0)]
        service = worker_factory(CatalogService, storage=CatalogStore(storage.engine))
        assert service.get_product(1)["price"] == "2.50"
        with storage.engine.connect() as connection:
            created_at = connection.execute(select(products.c.created_at)).scalar()
        assert created_at == datetime(2024, 1, 3, 11, 30)  # naive UTC, as the column holds
        assert applier.apply([{"version": 1}]) == [
            Refused("bad payload: source must be non-empty text")
        ]
    finally:
        applier.stop()
        storage.stop()


def test_storage_dependency_creates_tables_and_disposes_engine(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "service.sqlite3"
    config = {"AMQP_URI": "memory://", "DATABASE_URL": f"sqlite:///{database}"}
    container = ServiceContainer(CatalogService, config)
    provider = get_extension(container, CatalogStorage)
    provider.setup()
    try:
        store = provider.get_dependency(worker_ctx=None)
        assert isinstance(store, CatalogStore)
        assert store.list_categories() == []
        assert set(inspect(provider.engine).get_table_names()) == {
            "catalog_categories",
            "catalog_products",
        }
    finally:
        provider.stop()
    assert database.is_file()
    assert provider.engine.pool.checkedout() == 0
