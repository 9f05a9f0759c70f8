"""Which table uses are of another database than the app's own, kept apart from its tables.

A connection is followed to where it is made, across modules: a project function's result
(`get_db().execute(...)`, `with get_conn() as conn:`, a helper returning another helper's
connection), a function handed the SQL (`query_db("SELECT ...")`), an attribute of Flask's `g`
set anywhere in the project (`g.db = sqlite3.connect(...)` in a helper or a `before_request`
hook), an imported engine. Where it is made tells the database:

- a Flask-SQLAlchemy bind (a model with `__bind_key__`, a `Table` with a `bind_key`, SQL sent
  through `db.engines["x"]`...) is another database, named by its bind key;
- a connection to a database the request names (`sqlite3.connect(request.json["path"])`) is
  another one;
- a connection made from the app's database setting (`DATABASE`, `DATABASE_URL`,
  `SQLALCHEMY_DATABASE_URI`, `DB_PATH`...: `sqlite3.connect(current_app.config["DATABASE"])`)
  is the app's own;
- any other `create_engine(...)` (named "module.variable", or "module.function" when made in
  a function) or DB-API library `connect(...)` (named "sqlite3.connect") is another database
  when the app's own is known otherwise: the project makes a Flask-SQLAlchemy object (its
  default bind is the app's database), or some connection is made from the app's database
  setting; without either, it is the app's own.

A connection that cannot be followed is the app's own.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping

from analyzer.facts.database import Connection, FunctionDbFacts, ModuleDbFacts
from analyzer.facts.python import MODULE_SCOPE
from analyzer.facts.values import Attr, CallOf, Choice, Ref, SelfOf, Value
from analyzer.resolution.resolve import Ctx, FunctionEntity, Resolver
from analyzer.resolution.results import FunctionKey, TableUse

Uses = dict[FunctionKey, tuple[TableUse, ...]]
Site = tuple[str, str]  # (module, name there)

# the settings that name the app's own database (after an optional "SQLALCHEMY_")
_APP_DATABASE_SETTING = re.compile(
    r"(?:SQLALCHEMY_)?(?:DATABASE|DB)"
    r"(?:_(?:URL|URI|PATH|FILE|FILENAME|NAME|DSN|HOST|CONN|CONNECTION|CONNECTION_STRING))?"
    r"|DSN",
    re.IGNORECASE,
)
_MADE = ("bind", "engine", "library")  # connections made where they are written
_PASSING_ON = frozenset({"connect", "begin", "cursor", "raw_connection", "execution_options"})
_MAX_DEPTH = 16


def is_app_database_setting(setting: str | None) -> bool:
    """Whether a setting's key names the app's own database (`DATABASE_URL`, not
    `REPORTING_DSN`)."""
    return setting is not None and _APP_DATABASE_SETTING.fullmatch(setting) is not None


class OtherDatabases:
    """Tells another database apart: whether Flask-SQLAlchemy holds the app's own one, the
    tables defined only in a bind (table -> bind key), and where each connection is made."""

    def __init__(
        self,
        resolver: Resolver,
        db: Mapping[str, ModuleDbFacts],
        bound_tables: Mapping[str, str],
    ) -> None:
        self.resolver = resolver
        self.bound_tables = bound_tables
        self.flask_sqlalchemy = any(facts.makes_flask_sqlalchemy for facts in db.values())
        # module variables holding a project `create_engine(...)`, with the setting it reads
        self.engines: dict[Site, str | None] = {
            (module, name): facts.engine_settings.get(name)
            for module, facts in db.items()
            for name in facts.engines
        }
        # module variables holding a session factory on a connection (`sessionmaker(bind=...)`)
        self.factories: dict[Site, Connection] = {
            (module, name): connection
            for module, facts in db.items()
            for name, connection in facts.session_factories.items()
        }
        self.functions: dict[FunctionKey, FunctionDbFacts] = {}
        self.g_stores: dict[str, list[tuple[FunctionKey, Connection]]] = {}
        for module, facts in db.items():
            for function in facts.functions:
                key = (module, function.qualname)
                self.functions[key] = function
                for stored in function.stores_connections:
                    self.g_stores.setdefault(stored.attribute, []).append((key, stored.connection))
        # the app's own database is known from its setting when some connection reads it
        self.configured = any(is_app_database_setting(c.setting) for c in _connections(db)) or any(
            map(is_app_database_setting, self.engines.values())
        )
        self._memo: dict[tuple[str, FunctionKey | str], tuple[Connection, ...]] = {}
        self._found: dict[tuple[Connection, FunctionKey], str | None] = {}

    def of_connection(self, connection: Connection | None, function: FunctionKey) -> str | None:
        """The other database SQL sent through `connection` in `function` goes to (None: the
        app's own)."""
        if connection is None:
            return None
        key = (connection, function)
        if key not in self._found:
            databases = (self._database(o) for o in self._origins(connection, function, 0))
            self._found[key] = next((d for d in databases if d is not None), None)
        return self._found[key]

    def of_sink(self, function: FunctionKey) -> str | None:
        """The other database the SQL handed to `function`'s SQL parameters goes to."""
        for connection in self._facts(function).sql_sent_through:
            database = self.of_connection(connection, function)
            if database is not None:
                return database
        return None

    def _database(self, origin: Connection) -> str | None:
        if origin.kind == "bind" or origin.user_provided:
            return origin.database
        if is_app_database_setting(origin.setting):
            return None
        return origin.database if self.flask_sqlalchemy or self.configured else None

    def _origins(
        self, connection: Connection, function: FunctionKey, depth: int
    ) -> tuple[Connection, ...]:
        """The connections made where `connection`, written in `function`, comes from."""
        if connection.kind in _MADE:
            return (connection,)
        if depth > _MAX_DEPTH:
            return ()
        if connection.kind == "imported":
            site = self.resolver.locate(function[0], connection.database)
            if site in self.factories:  # an imported `scoped_session(...)`, used as a session
                return self._origins(self.factories[site], (site[0], MODULE_SCOPE), depth + 1)
            if site not in self.engines:
                return ()
            return (Connection(f"{site[0]}.{site[1]}", "engine", self.engines[site]),)
        if connection.kind == "g":
            return self._memoized("g", connection.database, depth)
        site = self.resolver.locate(function[0], connection.database)
        if connection.kind == "call" and site in self.factories:  # `ReportSession()`
            return self._origins(self.factories[site], (site[0], MODULE_SCOPE), depth + 1)
        callee = self._callee(connection.database, function)
        if callee is None:
            return ()
        found = self._memoized(connection.kind, callee, depth)
        if connection.setting is None and not connection.user_provided:
            return found
        # `connect_db(current_app.config["DATABASE"])`: what the caller hands over names the
        # database of a connection made from what it is given
        return tuple(
            dataclasses.replace(
                o, setting=connection.setting, user_provided=connection.user_provided
            )
            if o.kind != "bind" and o.setting is None and not o.user_provided
            else o
            for o in found
        )

    def _memoized(
        self, kind: str, subject: FunctionKey | str, depth: int
    ) -> tuple[Connection, ...]:
        key = (kind, subject)
        if key not in self._memo:
            self._memo[key] = ()  # a cycle (helpers calling each other) adds nothing
            self._memo[key] = tuple(dict.fromkeys(self._find(kind, subject, depth)))
        return self._memo[key]

    def _find(self, kind: str, subject: FunctionKey | str, depth: int) -> Iterator[Connection]:
        if isinstance(subject, str):  # kind "g": what `g.<subject>` is set to, anywhere
            for function, stored in self.g_stores.get(subject, ()):
                yield from self._origins(stored, function, depth + 1)
            return
        facts = self._facts(subject)
        if kind == "sink":
            for connection in facts.sql_sent_through:
                yield from self._origins(connection, subject, depth + 1)
            return
        for connection in facts.returns_connections:
            yield from self._origins(connection, subject, depth + 1)
        fact = self.resolver.functions.get(subject)
        for func in _returned_calls(fact.returns if fact else None):
            found = self.resolver.resolve(func, Ctx(*subject))
            if isinstance(found, FunctionEntity):
                yield from self._memoized("call", (found.module, found.qualname), depth + 1)

    def _callee(self, written: str, function: FunctionKey) -> FunctionKey | None:
        """The project function called as `written` in `function` (`self.x` in a method: the
        method of its class)."""
        head, _, rest = written.partition(".")
        value: Value = Ref(written)
        if head == "self":
            fact = self.resolver.functions.get(function)
            if fact is None or fact.class_qualname is None:
                return None
            value = SelfOf(fact.class_qualname)
            for name in rest.split("."):
                value = Attr(value, name)
        found = self.resolver.resolve(value, Ctx(*function))
        return (found.module, found.qualname) if isinstance(found, FunctionEntity) else None

    def _facts(self, function: FunctionKey) -> FunctionDbFacts:
        return self.functions.get(function) or FunctionDbFacts(function[1])

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


def _connections(db: Mapping[str, ModuleDbFacts]) -> Iterator[Connection]:
    """Every connection the facts name."""
    for facts in db.values():
        for function in facts.functions:
            for access in function.accesses:
                if access.connection is not None:
                    yield access.connection
            for name_use in function.sql_name_uses:
                if name_use.connection is not None:
                    yield name_use.connection
            yield from function.returns_connections
            yield from function.sql_sent_through
            yield from (stored.connection for stored in function.stores_connections)


def _returned_calls(value: Value | None) -> Iterator[Value]:
    """What is called for the result a function returns (`get_db` for `return get_db()` or
    `return get_db().cursor()`), per the Python facts."""
    while isinstance(value, CallOf):
        func = value.func
        if isinstance(func, Attr) and func.name in _PASSING_ON:
            value = func.base
            continue
        if isinstance(func, Ref) and func.dotted.rsplit(".", 1)[-1] in _PASSING_ON:
            return  # `engine.connect()`: the database facts follow a name's connection
        yield func
        return
    if isinstance(value, Choice):
        yield from _returned_calls(value.then)
        yield from _returned_calls(value.otherwise)
