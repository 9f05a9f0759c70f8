"""Open a SQLAlchemy engine from a URL, with errors a user can act on.

One place for every process kind. SQLite file URLs are relative to the working
directory and made absolute once (so a server's workers agree on the file);
their folder (e.g. `var/`) is created on demand.

PostgreSQL drivers, per process kind: the monolith, the proxy and the CLI use
SQLAlchemy's default (psycopg 3). Nameko services run under eventlet, whose
hub psycopg 3 blocks (it supports gevent, not eventlet), so they open
`green=True` engines on psycopg2, which `eventlet.monkey_patch()` makes
cooperative.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from strangler.errors import StranglerError, UsageError

URL_HINT = "use e.g. sqlite:///var/name.sqlite3 or postgresql://user@host:5432/name"
GREEN_POSTGRESQL_DRIVER = "postgresql+psycopg2"


class DatabaseUrlError(UsageError):
    """A database URL that SQLAlchemy cannot use."""


class DatabaseUnavailable(StranglerError):
    """A database that cannot be reached or lacks what we need."""


def parse_database_url(url: str | URL, *, role: str = "database") -> URL:
    """Parse `url`, naming the `role` ("source database", ...) in the error."""
    if isinstance(url, URL):
        return url
    try:
        return make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"{role} URL {url!r} is not a database URL", hint=URL_HINT) from None


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL points at; None for other databases and in-memory SQLite."""
    database = url.database
    if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    assert database is not None
    return None if database.startswith("file:") else Path(database)


def resolve_database_url(url: str | URL, cwd: Path | None = None, *, role: str = "database") -> str:
    """The URL as text, a relative SQLite path made absolute against `cwd` (default: here)."""
    parsed = parse_database_url(url, role=role)
    path = sqlite_file(parsed)
    if path is not None and not path.is_absolute():
        parsed = parsed.set(database=str((cwd or Path.cwd()) / path))
    return parsed.render_as_string(hide_password=False)


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433}


def database_identity(url: str | URL, *, role: str = "database") -> tuple[object, ...]:
    """What tells two URLs apart when they name the same database, whatever their spelling.

    The driver, user and password do not count; a SQLite file counts by its real path
    (relative to the working directory, symlinks resolved); a server by host (loopback names
    alike), port (default filled in) and database name.
    """
    parsed = parse_database_url(url, role=role)
    backend = parsed.get_backend_name()
    path = sqlite_file(parsed)
    if path is not None:
        return (backend, str(path.resolve()))
    host = (parsed.host or "localhost").lower()
    return (
        backend,
        "localhost" if host in _LOOPBACK_HOSTS else host,
        parsed.port or _DEFAULT_PORTS.get(backend),
        parsed.database,
    )


def ensure_sqlite_folder(url: str | URL) -> None:
    """Create the folder of a SQLite database file (e.g. var/) if it is missing."""
    path = sqlite_file(parse_database_url(url))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def display_url(url: str | URL) -> str:
    """The URL as text with any password hidden, fit for messages."""
    return parse_database_url(url).render_as_string(hide_password=True)


def failure_reason(error: SQLAlchemyError) -> str:
    """The first line of the driver's message, without SQLAlchemy's boilerplate."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def read_snapshot(connection: Connection) -> Connection:
    """`connection` reading one consistent snapshot across statements, where that is cheap.

    PostgreSQL: REPEATABLE READ (set before the first statement). SQLite readers are left
    as they are: holding a read transaction open would block the writers of a live file.
    """
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def engine_options(url: str | URL) -> dict[str, Any]:
    """Options that suit the backend: patient SQLite locks, checked server connections."""
    if parse_database_url(url).get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def green_url(url: URL) -> URL:
    """`url` with the PostgreSQL driver eventlet can make cooperative; others unchanged."""
    if url.get_backend_name() == "postgresql":
        return url.set(drivername=GREEN_POSTGRESQL_DRIVER)
    return url


def open_engine(
    url: str,
    *,
    role: str = "database",
    must_exist: bool = False,
    connect: bool = False,
    green: bool = False,
) -> Engine:
    """An engine for `url`.

    `must_exist`: a missing SQLite file is an error (connecting would silently
    create an empty database); otherwise its folder is created. `connect`: try
    one connection now, so an unreachable server is a message, not a traceback
    later. `green`: for processes under eventlet (see the module docstring).
    """
    parsed = make_url(resolve_database_url(url, role=role))
    database_file = sqlite_file(parsed)
    if database_file is not None and must_exist and not database_file.is_file():
        raise DatabaseUnavailable(
            f"{role} file {str(database_file)!r} does not exist",
            hint="check the URL; a relative sqlite:/// path is taken from the working directory",
        )
    ensure_sqlite_folder(parsed)
    if green:
        parsed = green_url(parsed)
    try:
        engine = create_engine(parsed, **engine_options(parsed))
    except NoSuchModuleError:
        raise DatabaseUrlError(
            f"cannot use {role} URL {display_url(parsed)!r}:"
            f" no database kind is called {parsed.drivername!r}",
            hint=URL_HINT + " (postgresql://, not postgres://)",
        ) from None
    except ImportError as exc:
        raise DatabaseUrlError(
            f"cannot use {role} URL {display_url(parsed)!r}: its driver is not installed ({exc})",
            hint=URL_HINT,
        ) from None
    if connect:
        try:
            with engine.connect():
                pass
        except SQLAlchemyError as exc:
            engine.dispose()
            raise DatabaseUnavailable(
                f"cannot connect to {role} {display_url(parsed)}: {failure_reason(exc)}",
                hint="check that the server runs and the URL is right",
            ) from None
    return engine
