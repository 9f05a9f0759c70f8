"""Fixtures for the monolith's unit tests: a small seeded SQLite file per test (copied)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from legacy_monolith import create_app
from legacy_monolith.db import db
from legacy_monolith.seed import build_rows, seed_database

SEED_ARGS: dict[str, int] = {"products": 200, "users": 20, "orders": 30, "seed": 7}


@pytest.fixture(scope="session")
def seed_rows() -> dict[str, list[dict[str, Any]]]:
    """The rows the seed writes, computed in Python: the oracle tests compare against."""
    return build_rows(**SEED_ARGS)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("monolith-template") / "template.sqlite3"
    seed_database(f"sqlite:///{path}", **SEED_ARGS)
    return path


@pytest.fixture
def database_url(seeded_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "monolith.sqlite3"
    shutil.copy(seeded_template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sql(database_url: str) -> Iterator[Callable[..., list[Any]]]:
    """Run a query straight against the test database (to check what views wrote)."""
    engine = sa.create_engine(database_url)

    def run(statement: str, **params: Any) -> list[Any]:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), params)
            return list(result.all()) if result.returns_rows else []

    yield run
    engine.dispose()


@pytest.fixture
def login(app: Flask) -> Callable[[str, str], FlaskClient]:
    """A new client logged in through the JSON API."""

    def log_in(email: str, password: str) -> FlaskClient:
        client = app.test_client()
        response = client.post("/api/accounts/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return client

    return log_in


@pytest.fixture
def customer(login: Callable[[str, str], FlaskClient]) -> FlaskClient:
    return login("user1@example.com", "password1")


@pytest.fixture
def admin(login: Callable[[str, str], FlaskClient]) -> FlaskClient:
    return login("admin@example.com", "adminpass")
