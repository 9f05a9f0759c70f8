"""Fixtures the service tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from extracted_services.catalog.storage import create_schema
from extracted_services.shared.change_writer import create_applied_table


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A catalog service database ready for the change writer, on SQLite and PostgreSQL."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    engine = create_engine(url)
    create_schema(engine)
    create_applied_table(engine)
    yield engine
    engine.dispose()
