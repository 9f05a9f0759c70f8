"""Concurrent writers on the monolith's catalog tables, keeping a record of every write.

Each committed write gives a product a new, never reused `price_cents` (its version), so
the service's copy can be checked write by write: which versions it applied, and how often.
Operations, by weight: one product's price; a transaction changing two products and a
category; a new product; deleting a product this writer inserted.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

FIRST_VERSION = 10_000_000  # above any seeded price
CATEGORY_ID = 1


@dataclass
class Written:
    """What the writers committed: (product id, version) of upserts, and deleted ids (an id
    SQLite gives out again after its row was deleted can be deleted twice)."""

    versions: set[tuple[int, int]] = field(default_factory=set)
    deleted: Counter[int] = field(default_factory=Counter)
    transactions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, versions: list[tuple[int, int]], deleted: int | None) -> None:
        with self.lock:
            self.versions.update(versions)
            if deleted is not None:
                self.deleted[deleted] += 1
            self.transactions += 1


class CatalogWorkload:
    """`writers` threads, each committing about `rate` transactions a second until stopped."""

    def __init__(self, engine: Engine, product_ids: list[int], writers: int, rate: float) -> None:
        self.engine = engine
        self.product_ids = product_ids
        self.writers = writers
        self.pause = 1.0 / rate
        self.written = Written()
        self.errors: list[BaseException] = []
        self._versions = itertools.count(FIRST_VERSION)
        self._version_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(seed,), daemon=True)
            for seed in range(writers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> Written:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self.errors:
            raise self.errors[0]
        return self.written

    def _version(self) -> int:
        with self._version_lock:
            return next(self._versions)

    def _write(self, seed: int) -> None:
        chooser = random.Random(seed)
        inserted: list[int] = []
        try:
            while not self._stop.is_set():
                with self.engine.begin() as connection:
                    versions, deleted = self._one_transaction(connection, chooser, inserted)
                self.written.record(versions, deleted)
                time.sleep(self.pause)
        except BaseException as exc:  # stop() raises it in the test
            self.errors.append(exc)

    def _one_transaction(
        self, connection: Connection, chooser: random.Random, inserted: list[int]
    ) -> tuple[list[tuple[int, int]], int | None]:
        roll = chooser.random()
        if roll < 0.1 and inserted:
            product = inserted.pop(chooser.randrange(len(inserted)))
            connection.exec_driver_sql(f"DELETE FROM products WHERE id = {product}")
            return [], product
        if roll < 0.2:
            version = self._version()
            connection.exec_driver_sql(
                "INSERT INTO products (sku, name, description, price_cents, category_id,"
                f" is_active, created_at) VALUES ('LOAD-{version}', 'Load {version}', '',"
                f" {version}, {CATEGORY_ID}, true, '2026-11-27 12:00:00')"
            )
            product = int(
                connection.exec_driver_sql(
                    f"SELECT id FROM products WHERE sku = 'LOAD-{version}'"
                ).scalar_one()
            )
            inserted.append(product)
            return [(product, version)], None
        products = chooser.sample(self.product_ids, 2 if roll < 0.4 else 1)
        versions = []
        for product in products:
            version = self._version()
            connection.exec_driver_sql(
                f"UPDATE products SET price_cents = {version} WHERE id = {product}"
            )
            versions.append((product, version))
        if len(products) == 2:
            connection.exec_driver_sql(
                f"UPDATE categories SET name = 'Category v{versions[0][1]}'"
                f" WHERE id = {CATEGORY_ID}"
            )
        return versions, None
