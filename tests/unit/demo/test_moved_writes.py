"""The demo flips `owns` in the service.toml `strangler extract` wrote, as the playbook says."""

from __future__ import annotations

from pathlib import Path

from extracted_services.manifest import load_manifest
from strangler_demo.moved_writes import own_table

GENERATED = """\
name = "shop_reviews"
service = "service:ShopReviewsService"
database_env = "SHOP_REVIEWS_DATABASE_URL"
default_database_url = "sqlite:///var/shop_reviews.sqlite3"
tables = ["categories", "products", "reviews", "users"]
owns = []  # the monolith still writes these tables: writes move later
writes_foreign = ["reviews", "users"]
sync = true
"""


def test_the_table_becomes_owned_and_stops_being_foreign(tmp_path: Path) -> None:
    (tmp_path / "service.toml").write_text(GENERATED, encoding="utf-8")

    own_table(tmp_path, "reviews")

    manifest = load_manifest(tmp_path / "service.toml")
    assert list(manifest.owns) == ["reviews"]
    assert list(manifest.writes_foreign) == ["users"]
