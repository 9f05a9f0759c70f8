"""A seeded sample monolith on SQLite or on PostgreSQL, for the capture and relay tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from legacy_monolith.seed import seed_database
from strangler.database import open_engine


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def monolith_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The sample monolith, seeded small, on each database kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    seed_database(url, products=12, users=4, orders=3)
    return url


@pytest.fixture
def monolith(monolith_url: str) -> Iterator[Engine]:
    engine = open_engine(monolith_url)
    yield engine
    engine.dispose()
