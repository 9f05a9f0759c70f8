"""Where the monolith's database lives: URL defaults, resolution and engine options."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from strangler.errors import StranglerError, UsageError

DEFAULT_DATABASE_URL = "sqlite:///var/monolith.sqlite3"
DEFAULT_SECRET_KEY = "legacy-monolith-insecure-dev-secret"
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024


class DatabaseUnavailable(StranglerError):
    """The database URL is valid but the server cannot be used."""


def database_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL from the environment, else the SQLite file under var/."""
    source = os.environ if env is None else env
    return source.get("DATABASE_URL") or DEFAULT_DATABASE_URL


URL_HINT = "use e.g. sqlite:///var/monolith.sqlite3 or postgresql://user@host/dbname"


def _parse(database_url: str) -> URL:
    try:
        return make_url(database_url)
    except ArgumentError as exc:
        raise UsageError(f"invalid database URL {database_url!r}: {exc}", hint=URL_HINT) from exc


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not url.drivername.startswith("sqlite") or database in (None, "", ":memory:"):
        return None
    assert database is not None
    return None if database.startswith("file:") else Path(database)


def resolve_database_url(database_url: str, cwd: Path | None = None) -> str:
    """The URL with a relative SQLite path made absolute against `cwd` (default: current dir)."""
    url = _parse(database_url)
    path = _sqlite_file(url)
    if path is None or path.is_absolute():
        return url.render_as_string(hide_password=False)
    absolute = (cwd or Path.cwd()) / path
    return url.set(database=str(absolute)).render_as_string(hide_password=False)


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of a SQLite database file (e.g. var/) if it is missing."""
    path = _sqlite_file(_parse(database_url))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def engine_options(database_url: str) -> dict[str, Any]:
    """Engine options that suit the backend: patient SQLite locks, checked PostgreSQL links."""
    if _parse(database_url).drivername.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def display_url(database_url: str) -> str:
    """The URL with any password masked, for messages."""
    return _parse(database_url).render_as_string(hide_password=True)


def open_engine(database_url: str) -> sa.Engine:
    """An engine on the resolved URL; a bad URL or missing driver is a usage error."""
    resolved = resolve_database_url(database_url)
    ensure_sqlite_directory(resolved)
    try:
        engine = sa.create_engine(resolved, **engine_options(resolved))
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise UsageError(
            f"cannot use database URL {display_url(resolved)}: {exc}", hint=URL_HINT
        ) from exc
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseUnavailable(
            f"cannot connect to {display_url(resolved)}: {lines[0] if lines else exc!r}",
            hint="check that the server runs and DATABASE_URL / --database-url is right",
        ) from exc
    return engine
