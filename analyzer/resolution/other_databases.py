"""Which table uses are of another database than the app's own, kept apart from its tables.

Another database is a Flask-SQLAlchemy bind (a model with `__bind_key__`, a `Table` with a
`bind_key`, SQL sent through `db.engines["x"]`...), named by its bind key. When the project
makes a Flask-SQLAlchemy object, that is the app's own database, and SQL sent through a
project `create_engine(...)` (named "module.variable") or a DB-API library's `connect(...)`
(named "sqlite3.connect") goes to another one; without one, such a connection is the app's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from analyzer.facts.database import Connection
from analyzer.resolution.results import FunctionKey, TableUse

Uses = dict[FunctionKey, tuple[TableUse, ...]]
Site = tuple[str, str]  # (module, name there)


@dataclasses.dataclass(frozen=True, slots=True)
class OtherDatabases:
    """What tells another database apart: whether Flask-SQLAlchemy holds the app's own one,
    and the tables defined only in a bind (table -> bind key)."""

    flask_sqlalchemy: bool
    bound_tables: Mapping[str, str]
    engines: frozenset[Site]  # module variables holding a project `create_engine(...)`
    locate: Callable[[str, str], Site]  # (module, name as written there) -> where it is bound

    def of_connection(self, connection: Connection | None, module: str) -> str | None:
        """The other database SQL sent through `connection` in `module` goes to (None: the
        app's own)."""
        if connection is None or (connection.kind != "bind" and not self.flask_sqlalchemy):
            return None
        if connection.kind != "imported":
            return connection.database
        site = self.locate(module, connection.database)
        return f"{site[0]}.{site[1]}" if site in self.engines else None

    def split(self, uses: Uses) -> tuple[Uses, Uses]:
        """`uses` as the app's own tables' and the other databases' (a use of a table defined
        only in a bind is of that bind)."""
        own: Uses = {}
        external: Uses = {}
        for function, found in uses.items():
            placed = [self._placed(use) for use in found]
            mine = tuple(u for u in placed if u.database is None)
            theirs = tuple(dict.fromkeys(u for u in placed if u.database is not None))
            if mine:
                own[function] = mine
            if theirs:
                external[function] = theirs
        return own, external

    def _placed(self, use: TableUse) -> TableUse:
        bind = self.bound_tables.get(use.table)
        if use.database is not None or bind is None:
            return use
        return dataclasses.replace(use, database=bind)
