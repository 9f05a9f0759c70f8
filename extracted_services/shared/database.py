"""Open a service's SQLAlchemy engine from a URL, with errors a user can act on.

SQLite file URLs are relative to the working directory (as in the monolith);
their folder (e.g. `var/`) is created on demand.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from strangler.errors import StranglerError, UsageError


class DatabaseUrlError(UsageError):
    """A database URL that SQLAlchemy cannot use."""


class DatabaseUnavailable(StranglerError):
    """A database that cannot be reached or lacks what we need."""


def parse_database_url(url: str, *, role: str) -> URL:
    """Parse `url`, naming the `role` ("source database", ...) in the error."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"{role} URL {url!r} is not a database URL",
            hint="use e.g. sqlite:///var/name.sqlite3 or postgresql://user@host:5432/name",
        ) from None
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL points at; None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def failure_reason(error: SQLAlchemyError) -> str:
    """The first line of the driver's message, without SQLAlchemy's boilerplate."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def display_url(url: URL) -> str:
    """The URL as text with any password hidden, fit for messages."""
    return url.render_as_string(hide_password=True)


def open_engine(url: str, *, role: str, must_exist: bool = False) -> Engine:
    """An engine for `url`; does not connect yet.

    A SQLite file's folder is created, unless `must_exist`, when a missing
    file is an error (connecting would silently create an empty database).
    """
    parsed = parse_database_url(url, role=role)
    database_file = sqlite_file(parsed)
    if database_file is not None and must_exist and not database_file.is_file():
        raise DatabaseUnavailable(
            f"{role} file {str(database_file)!r} does not exist",
            hint="check the URL; a relative sqlite:/// path is taken from the working directory",
        )
    if database_file is not None:
        database_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        return create_engine(parsed)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseUrlError(
            f"{role} URL {display_url(parsed)!r} needs a database driver that is not installed"
            f" ({exc})",
            hint="use a sqlite:// or postgresql:// URL",
        ) from None
