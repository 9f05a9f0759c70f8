"""Every row of the monolith's tables, in primary-key order: to compare two databases."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from legacy_monolith.schema import TABLES_IN_ORDER


def dump_tables(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in TABLES_IN_ORDER
            }
    finally:
        engine.dispose()
