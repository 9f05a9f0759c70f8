"""The catalog service: the monolith's /api/catalog read endpoints as Nameko RPC.

It answers exactly what the monolith's catalog blueprint answers (same items,
order, pagination, totals and error messages), from its OWN database:

    strangler service backfill catalog --from-url sqlite:///var/monolith.sqlite3
    strangler service run catalog [--amqp-uri URI] [--database-url URL]

`backfill` copies the monolith's `categories` and `products` (active or not)
into the service database in one transaction; `run` starts this module with
`nameko run` and `config.yml` (AMQP_URI, CATALOG_DATABASE_URL from the
environment). The strangler proxy turns HTTP requests into these calls:

    GET /api/catalog/categories          -> catalog.list_categories(query={...})
    GET /api/catalog/products/<int:id>   -> catalog.get_product(product_id=id, query={...})
    GET /api/catalog/products?...        -> catalog.list_products(query={...})

Each returns the JSON response body. Client mistakes raise `NotFound` or
`BadRequest` (class names the proxy maps to 404/400; the message becomes
`error.message`). The shared change applier keeps `catalog_categories` and
`catalog_products` in step with the monolith's `categories` and `products`
(`sync = true` in service.toml; docs/contracts.md, "Change events").
"""

from __future__ import annotations

from nameko.rpc import rpc

from extracted_services.catalog.dependencies import CatalogStorage
from extracted_services.catalog.exceptions import BadRequest, NotFound
from extracted_services.catalog.queries import parse_product_query
from extracted_services.catalog.schemas import (
    JsonObject,
    category_list,
    product_list,
    product_object,
)
from extracted_services.catalog.storage import CatalogStore
from extracted_services.shared.change_applier import change_applier
from extracted_services.shared.errors import ServiceError


class CatalogService:
    """Products and categories, read-only over RPC."""

    name = "catalog"

    storage: CatalogStore = CatalogStorage()
    apply_changes = change_applier()

    @rpc(expected_exceptions=ServiceError)
    def get_product(self, product_id: int, query: dict[str, str] | None = None) -> JsonObject:
        """The active product `product_id`; NotFound if it is missing or inactive."""
        if not isinstance(product_id, int) or isinstance(product_id, bool):
            raise BadRequest("product_id must be an integer")
        product = self.storage.get_active_product(product_id)
        if product is None:
            raise NotFound(f"product {product_id} not found")
        return product_object(product)

    @rpc(expected_exceptions=ServiceError)
    def list_products(self, query: dict[str, str] | None = None) -> JsonObject:
        """A page of active products filtered and sorted by the query-string parameters."""
        criteria = parse_product_query(query)
        category_id = None
        if criteria.category is not None:
            category_id = self.storage.find_category_id(criteria.category)
            if category_id is None:
                raise NotFound(f"category '{criteria.category}' not found")
        return product_list(self.storage.list_active_products(criteria, category_id), criteria)

    @rpc
    def list_categories(self, query: dict[str, str] | None = None) -> JsonObject:
        """Every category, by name, with its number of active products."""
        return category_list(self.storage.list_categories())
