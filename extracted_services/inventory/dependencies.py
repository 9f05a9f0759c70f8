"""The nameko dependency that gives each worker an `InventoryStore` over the service's database."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider
from sqlalchemy import Engine

from extracted_services.inventory.storage import InventoryStore, create_schema
from strangler.database import open_engine

DATABASE_URL_KEY = "DATABASE_URL"


class InventoryStorage(DependencyProvider):
    """Owns the engine: created (with the tables) in `setup`, disposed in `stop`."""

    engine: Engine

    def setup(self) -> None:
        url = self.container.config[DATABASE_URL_KEY]
        self.engine = open_engine(url, role="inventory service database", green=True)
        create_schema(self.engine)

    def stop(self) -> None:
        self.engine.dispose()

    def get_dependency(self, worker_ctx: Any) -> InventoryStore:
        return InventoryStore(self.engine)
