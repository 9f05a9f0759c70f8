"""Real ids from the monolith's database, for the generated parity requests (read only)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy

from strangler.database import open_engine


def sample_ids(database_url: str, tables: Iterable[str]) -> dict[str, list[int]]:
    """For each table with an integer `id` column: its smallest, a middle and its largest id
    (tables that are missing, empty or keyed otherwise are left out)."""
    engine = open_engine(database_url, role="monolith database", must_exist=True, connect=True)
    try:
        inspector = sqlalchemy.inspect(engine)
        found: dict[str, list[int]] = {}
        with engine.connect() as connection:
            for table in sorted(set(tables)):
                if not inspector.has_table(table):
                    continue
                if "id" not in {c["name"] for c in inspector.get_columns(table)}:
                    continue
                ids = _spread(connection, sqlalchemy.table(table, sqlalchemy.column("id")))
                if ids:
                    found[table] = ids
        return found
    finally:
        engine.dispose()


def _spread(connection: sqlalchemy.Connection, table: sqlalchemy.TableClause) -> list[int]:
    id_column = table.c.id
    count = connection.execute(
        sqlalchemy.select(sqlalchemy.func.count()).select_from(table)
    ).scalar_one()
    if not count:
        return []
    ordered = sqlalchemy.select(id_column).order_by(id_column)
    picks = sorted({0, count // 2, count - 1})
    ids = [connection.execute(ordered.offset(offset).limit(1)).scalar_one() for offset in picks]
    return [int(i) for i in ids if isinstance(i, int)]
