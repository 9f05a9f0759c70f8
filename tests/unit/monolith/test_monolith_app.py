"""The app factory: config, no import-time side effects, areas, routes and tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from legacy_monolith import create_app
from legacy_monolith.db import db
from legacy_monolith.promotions.models import PromoCode
from legacy_monolith.reviews.models import Review
from legacy_monolith.schema import TABLES_IN_ORDER, metadata
from strangler.database import resolve_database_url
from strangler.errors import UsageError

AREAS = {
    "accounts",
    "catalog",
    "inventory",
    "cart",
    "orders",
    "payments",
    "shipping",
    "reviews",
    "promotions",
    "notifications",
    "admin",
}


def test_default_database_is_var_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert not (tmp_path / "var").exists()
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/var/monolith.sqlite3"
    assert (tmp_path / "var").is_dir()
    assert app.config["SECRET_KEY"]
    with app.app_context():
        db.engine.dispose()


def test_importing_has_no_side_effects(tmp_path: Path) -> None:
    code = "import legacy_monolith, legacy_monolith.commands, legacy_monolith.seed"
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []


def test_relative_sqlite_paths_resolve_and_others_pass_through(tmp_path: Path) -> None:
    assert resolve_database_url("sqlite:///x/y.db", tmp_path) == f"sqlite:///{tmp_path}/x/y.db"
    assert resolve_database_url("sqlite://") == "sqlite://"
    pg = "postgresql://u:p@h:5432/db"
    assert resolve_database_url(pg) == pg
    with pytest.raises(UsageError, match="is not a database URL"):
        resolve_database_url("not a url")


def test_one_blueprint_per_area_and_enough_routes(app: Flask) -> None:
    assert set(app.blueprints) >= AREAS
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) >= 45
    api = [r for r in rules if r.rule.startswith("/api/")]
    pages = [r for r in rules if not r.rule.startswith("/api/")]
    assert len(api) >= 35
    assert len(pages) >= 10


def test_schema_has_enough_linked_tables() -> None:
    assert len(TABLES_IN_ORDER) == len(metadata.tables) >= 14
    with_fks = [t for t in TABLES_IN_ORDER if t.foreign_keys]
    assert len(with_fks) >= 12
    assert Review.__tablename__ == "reviews"
    assert PromoCode.__table__.name == "promo_code"
    assert "promo_code_categories" in metadata.tables


def test_max_content_length_is_configurable(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "MAX_CONTENT_LENGTH": 10})
    response = app.test_client().post("/api/cart/items", json={"product_id": 1, "quantity": 1})
    assert response.status_code == 413
    with app.app_context():
        db.engine.dispose()
