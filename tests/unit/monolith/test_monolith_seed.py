"""The seed is deterministic, realistic enough for the demo, and its passwords work."""

from __future__ import annotations

from pathlib import Path

import pytest
from table_dump import dump_tables
from werkzeug.security import check_password_hash

from legacy_monolith.seed import ADMIN_EMAIL, ADMIN_PASSWORD, build_rows, seed_database

SMALL = {"products": 120, "users": 12, "orders": 15}


def test_same_arguments_write_identical_rows(tmp_path: Path) -> None:
    first, second = f"sqlite:///{tmp_path}/a.sqlite3", f"sqlite:///{tmp_path}/b.sqlite3"
    summary = seed_database(first, **SMALL, seed=3)
    seed_database(second, **SMALL, seed=3)
    assert dump_tables(first) == dump_tables(second)
    assert summary.rows["products"] == 120
    assert summary.rows["users"] == 13
    assert summary.line().startswith(f"seeded {first}: 120 products (")


def test_reseeding_replaces_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    seed_database(url, **SMALL, seed=1)
    seed_database(url, **SMALL, seed=2)
    other = f"sqlite:///{tmp_path}/fresh.sqlite3"
    seed_database(other, **SMALL, seed=2)
    assert dump_tables(url) == dump_tables(other)


def test_different_seeds_differ() -> None:
    assert build_rows(**SMALL, seed=1)["products"] != build_rows(**SMALL, seed=2)["products"]


def test_seed_shape() -> None:
    rows = build_rows(products=3000, users=300, orders=500, seed=42)
    products = rows["products"]
    inactive = sum(1 for p in products if not p["is_active"])
    assert 0.03 < inactive / len(products) < 0.07
    depth = {c["id"]: c["parent_id"] for c in rows["categories"]}
    assert any(depth[parent] is not None for parent in depth.values() if parent is not None)
    assert len({p["price_cents"] for p in products}) > 500
    assert sum(1 for p in products if "Lamp" in p["name"]) > 50
    assert all(p["created_at"].year <= 2024 for p in products)
    assert [u["is_admin"] for u in rows["users"]].count(True) == 1
    assert len(rows["orders"]) == 500


def test_seeded_passwords_verify_with_werkzeug() -> None:
    users = build_rows(**SMALL, seed=42)["users"]
    by_email = {u["email"]: u["password_hash"] for u in users}
    assert check_password_hash(by_email[ADMIN_EMAIL], ADMIN_PASSWORD)
    assert check_password_hash(by_email["user1@example.com"], "password1")
    assert not check_password_hash(by_email["user1@example.com"], "password2")


def test_bad_counts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="products >= 1"):
        seed_database(f"sqlite:///{tmp_path}/x.sqlite3", products=0)
