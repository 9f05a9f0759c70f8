"""One way to open a database for every process kind, with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from strangler.database import (
    DatabaseUnavailable,
    DatabaseUrlError,
    database_identity,
    display_url,
    green_url,
    open_engine,
    resolve_database_url,
)


def test_relative_sqlite_paths_become_absolute_and_others_pass_through(tmp_path: Path) -> None:
    assert resolve_database_url("sqlite:///x/y.db", tmp_path) == f"sqlite:///{tmp_path}/x/y.db"
    assert resolve_database_url("sqlite://") == "sqlite://"
    assert resolve_database_url("postgresql://u:p@h:5432/db") == "postgresql://u:p@h:5432/db"


def test_a_url_that_is_not_one_names_its_role() -> None:
    with pytest.raises(DatabaseUrlError, match=r"^source database URL 'nonsense' is not"):
        resolve_database_url("nonsense", role="source database")


def test_messages_never_show_the_password() -> None:
    assert (
        display_url("postgresql://app:s3cret@db:5432/shop") == "postgresql://app:***@db:5432/shop"
    )


def test_services_get_the_driver_eventlet_makes_cooperative() -> None:
    assert green_url(make_url("postgresql://h/db")).drivername == "postgresql+psycopg2"
    assert green_url(make_url("postgresql+psycopg://h/db")).drivername == "postgresql+psycopg2"
    assert green_url(make_url("sqlite:///a.db")).drivername == "sqlite"


def test_a_sqlite_folder_is_created_but_a_required_file_is_not(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="does not exist"):
        open_engine(f"sqlite:///{tmp_path}/missing.db", must_exist=True)
    engine = open_engine(f"sqlite:///{tmp_path}/new/dir/app.db", connect=True)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
    assert (tmp_path / "new" / "dir" / "app.db").is_file()


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        open_engine(
            "postgresql://app:s3cret@127.0.0.1:1/shop", role="monolith database", connect=True
        )
    message = str(caught.value)
    assert message.startswith(
        "cannot connect to monolith database postgresql://app:***@127.0.0.1:1/shop"
    )
    assert "s3cret" not in message


def test_one_database_spelled_two_ways_has_one_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "var")
    same = [
        "sqlite:///var/shop.db",
        f"sqlite:///{tmp_path}/var/shop.db",
        "sqlite:///link/../var/./shop.db",
        "sqlite+pysqlite:///link/shop.db",
    ]
    assert len({database_identity(url) for url in same}) == 1
    assert (
        len(
            {
                database_identity(url)
                for url in (
                    "postgresql://app:x@127.0.0.1/shop",
                    "postgresql+psycopg2://other@localhost:5432/shop",
                )
            }
        )
        == 1
    )
    different = ["postgresql://h/shop", "postgresql://h/shop2", "postgresql://h:5433/shop"]
    assert len({database_identity(url) for url in different}) == 3
