"""Read and validate a service package's `service.toml`: what the service is and owns.

Format (docs/contracts.md, "Service package")::

    name = "catalog"                                 # the Nameko service name
    service = "service:CatalogService"               # module:Class inside the package
    database_env = "CATALOG_DATABASE_URL"            # env var holding its database URL
    default_database_url = "sqlite:///var/catalog_service.sqlite3"
    tables = ["reviews", {monolith = "products", service = "catalog_products"}]
    owns = []                                        # tables it alone writes (monolith names)
    writes_foreign = ["users", {table = "visits", handling = "off"}]  # written, not owned
    backfill = "backfill:backfill_catalog"           # optional: module:function in the package
    requires = ["requests>=2.31"]                    # optional: extra Python packages
    sync = true                                      # optional: apply the monolith's changes

    [protocol]                                       # optional, per exposed method
    get_product = "rpc"                              # rpc (default) or http (the envelope)

Parsing is pure: `parse_manifest` takes the text; only `load_manifest` reads a file.
Every problem is a ManifestError naming the file, the line when it can, the key and why.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement

from strangler.database import DatabaseUrlError, parse_database_url
from strangler.errors import UsageError
from strangler.tomlfiles import did_you_mean, kind, syntax_problem, unknown_key_reason

MANIFEST_FILE = "service.toml"
KEYS = (
    "name",
    "service",
    "database_env",
    "default_database_url",
    "tables",
    "owns",
    "writes_foreign",
    "protocol",
    "backfill",
    "requires",
    "sync",
)
REQUIRED_KEYS = ("name", "service", "database_env", "default_database_url", "tables")
TABLE_KEYS = ("monolith", "service")
FOREIGN_KEYS = ("table", "handling")
# what becomes of the service's writes to a table it does not own (docs/moving-writes.md):
# captured in its database and applied to the monolith's, or kept in its own copy only
FOREIGN_HANDLINGS = ("send_back", "off")
PROTOCOLS = ("rpc", "http")
FORMAT_HINT = "the format of service.toml is in docs/contracts.md, section 'Service package'"

Protocol = Literal["rpc", "http"]

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(rf"^({_IDENTIFIER}(?:\.{_IDENTIFIER})*):({_IDENTIFIER})$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"' -]+?)\s*\]\s*(#.*)?$")


class ManifestError(UsageError):
    """A service.toml that cannot be used; says which file, line, key and why."""

    def __init__(self, path: Path, line: int | None, key: str | None, reason: str) -> None:
        where = str(path) if line is None else f"{path}:{line}"
        super().__init__(
            f"{where}: {reason if key is None else f'{key}: {reason}'}", hint=FORMAT_HINT
        )
        self.path = path
        self.line = line
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Reference:
    """`module:attribute`, the module named inside the service package."""

    module: str
    attribute: str

    def __str__(self) -> str:
        return f"{self.module}:{self.attribute}"


@dataclass(frozen=True)
class TableCopy:
    """A table the service keeps a copy of: its name in the monolith and in the service."""

    monolith: str
    service: str

    def __str__(self) -> str:
        return (
            self.monolith if self.monolith == self.service else f"{self.monolith} -> {self.service}"
        )


@dataclass(frozen=True)
class Manifest:
    """One service package's service.toml, validated."""

    path: Path
    name: str
    service: Reference
    database_env: str
    default_database_url: str
    tables: tuple[TableCopy, ...]
    owns: tuple[str, ...] = ()
    # tables its code writes that it does not own (e.g. a hook's `last_seen` update): until
    # those writes move, the monolith and the service both write them
    writes_foreign: tuple[str, ...] = ()
    # those of `writes_foreign` whose writes stay in the service's copy (`handling = "off"`);
    # the others are sent back to the monolith like the writes of owned tables
    foreign_writes_off: tuple[str, ...] = ()
    protocols: tuple[tuple[str, Protocol], ...] = ()
    backfill: Reference | None = None
    requires: tuple[str, ...] = ()
    # whether the service's change applier consumes `sync-<name>` (docs/contracts.md (i))
    sync: bool = False

    def protocol(self, method: str) -> Protocol:
        """How `method` is called: over plain RPC unless the manifest says `http`."""
        return dict(self.protocols).get(method, "rpc")

    @property
    def sent_back(self) -> tuple[TableCopy, ...]:
        """The tables whose writes in the service go back to the monolith: the owned ones
        and those of `writes_foreign` not switched off (in `tables` order)."""
        back = set(self.owns) | (set(self.writes_foreign) - set(self.foreign_writes_off))
        return tuple(table for table in self.tables if table.monolith in back)


def load_manifest(path: Path) -> Manifest:
    """Read and validate the service.toml at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(path, None, None, f"cannot read it: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ManifestError(path, None, None, "it is not UTF-8 text") from None
    return parse_manifest(text, path)


def parse_manifest(text: str, path: Path) -> Manifest:
    """Validate the text of a service.toml (`path` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = syntax_problem(exc)
        raise ManifestError(path, problem.line, None, problem.reason) from None
    return _Validator(text, path).manifest(data)


def _line_of(lines: list[str], key: str, section: str | None = None) -> int | None:
    """The line assigning `key` at the top level, or inside `[section]`."""
    assignment = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=")
    current: str | None = None
    for number, line in enumerate(lines, start=1):
        header = _SECTION.match(line)
        if header is not None:
            current = header.group(1).strip()
        elif current == section and assignment.match(line):
            return number
    return None


class _Validator:
    def __init__(self, text: str, path: Path) -> None:
        self._lines = text.splitlines()
        self._path = path

    def _fail(self, key: str, reason: str) -> ManifestError:
        """The error for `key` (`tables[2].service`, `protocol.get_product`) at its line."""
        if key.startswith("protocol."):
            line = _line_of(self._lines, key.removeprefix("protocol."), "protocol")
        else:
            line = _line_of(self._lines, re.split(r"[\[.]", key, maxsplit=1)[0])
        return ManifestError(self._path, line, key, reason)

    def manifest(self, data: dict[str, Any]) -> Manifest:
        for key in data:
            if key not in KEYS:
                raise self._fail(key, unknown_key_reason(key, KEYS, "in service.toml"))
        for key in REQUIRED_KEYS:
            if key not in data:
                raise ManifestError(self._path, None, key, "missing (every service.toml has it)")
        tables = self._tables(data["tables"])
        owns = self._table_names("owns", data.get("owns", []), tables)
        foreign = self._foreign(data.get("writes_foreign", []), tables, owns)
        return Manifest(
            path=self._path,
            name=self._name(data["name"]),
            service=self._reference(data, "service", "module:Class"),
            database_env=self._database_env(data["database_env"]),
            default_database_url=self._database_url(data["default_database_url"]),
            tables=tables,
            owns=owns,
            writes_foreign=tuple(name for name, _ in foreign),
            foreign_writes_off=tuple(name for name, handling in foreign if handling == "off"),
            protocols=self._protocols(data.get("protocol", {})),
            backfill=(
                self._reference(data, "backfill", "module:function") if "backfill" in data else None
            ),
            requires=self._requires(data.get("requires", [])),
            sync=self._boolean("sync", data.get("sync", False)),
        )

    def _string(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self._fail(key, f"must be a string, got {kind(value)}")
        if not value.strip():
            raise self._fail(key, "must not be empty")
        return value

    def _boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._fail(key, f"must be true or false, got {kind(value)}")
        return value

    def _strings(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise self._fail(key, f"must be a list of strings, got {kind(value)}")
        return [self._string(f"{key}[{index}]", item) for index, item in enumerate(value)]

    def _name(self, value: Any) -> str:
        name = self._string("name", value)
        if not name.isidentifier():
            raise self._fail(
                "name",
                f"{name!r} is not a Python identifier (the proxy calls it as service.method)",
            )
        return name

    def _reference(self, data: Mapping[str, Any], key: str, shape: str) -> Reference:
        value = self._string(key, data[key])
        match = _REFERENCE.match(value)
        if match is None:
            raise self._fail(
                key, f"{value!r} is not {shape} (a module inside the package, e.g. service:Name)"
            )
        return Reference(match.group(1), match.group(2))

    def _database_env(self, value: Any) -> str:
        name = self._string("database_env", value)
        if not _ENV_NAME.match(name):
            raise self._fail("database_env", f"{name!r} is not an environment variable name")
        return name

    def _database_url(self, value: Any) -> str:
        url = self._string("default_database_url", value)
        try:
            parse_database_url(url)
        except DatabaseUrlError:
            raise self._fail(
                "default_database_url",
                f"{url!r} is not a database URL (e.g. sqlite:///var/name.sqlite3)",
            ) from None
        return url

    def _tables(self, value: Any) -> tuple[TableCopy, ...]:
        if not isinstance(value, list) or not value:
            raise self._fail(
                "tables",
                "must be a non-empty list of table names or {monolith = ..., service = ...}"
                f" tables, got {value!r}",
            )
        tables = tuple(self._table(index, item) for index, item in enumerate(value))
        for side in TABLE_KEYS:
            seen: set[str] = set()
            for table in tables:
                name = getattr(table, side)
                if name in seen:
                    raise self._fail("tables", f"{side} table {name!r} is listed twice")
                seen.add(name)
        return tables

    def _table(self, index: int, item: Any) -> TableCopy:
        key = f"tables[{index}]"
        if isinstance(item, str):
            name = self._string(key, item)
            return TableCopy(name, name)
        if not isinstance(item, dict):
            raise self._fail(key, f"must be a table name or an inline table, got {kind(item)}")
        for entry in item:
            if entry not in TABLE_KEYS:
                raise self._fail(key, unknown_key_reason(entry, TABLE_KEYS, "in a table entry"))
        for entry in TABLE_KEYS:
            if entry not in item:
                raise self._fail(
                    key, f"missing {entry!r} (write {{monolith = ..., service = ...}})"
                )
        return TableCopy(
            self._string(f"{key}.monolith", item["monolith"]),
            self._string(f"{key}.service", item["service"]),
        )

    def _table_names(self, key: str, value: Any, tables: tuple[TableCopy, ...]) -> tuple[str, ...]:
        """A list of some of the service's tables, named as the monolith names them."""
        owned = self._strings(key, value)
        known = tuple(table.monolith for table in tables)
        for name in owned:
            if name not in known:
                renamed = next((t.monolith for t in tables if t.service == name), None)
                suggestion = (
                    f" (name it as the monolith does: {renamed!r})"
                    if renamed
                    else did_you_mean(name, known)
                )
                raise self._fail(key, f"{name!r} is not one of the service's tables{suggestion}")
        if len(set(owned)) != len(owned):
            raise self._fail(key, "lists a table twice")
        return tuple(owned)

    def _foreign(
        self, value: Any, tables: tuple[TableCopy, ...], owns: tuple[str, ...]
    ) -> list[tuple[str, str]]:
        """`writes_foreign`: names (sent back) or {table = ..., handling = ...} entries."""
        if not isinstance(value, list):
            raise self._fail("writes_foreign", f"must be a list, got {kind(value)}")
        entries = [self._foreign_entry(index, item) for index, item in enumerate(value)]
        names = self._table_names("writes_foreign", [name for name, _ in entries], tables)
        owned = sorted(set(names) & set(owns))
        if owned:
            raise self._fail(
                "writes_foreign",
                f"{', '.join(map(repr, owned))} is in `owns` too: a table the service owns is"
                " not foreign to it",
            )
        return entries

    def _foreign_entry(self, index: int, item: Any) -> tuple[str, str]:
        key = f"writes_foreign[{index}]"
        if isinstance(item, str):
            return self._string(key, item), "send_back"
        if not isinstance(item, dict):
            raise self._fail(key, f"must be a table name or an inline table, got {kind(item)}")
        for entry in item:
            if entry not in FOREIGN_KEYS:
                raise self._fail(key, unknown_key_reason(entry, FOREIGN_KEYS, "in this entry"))
        if "table" not in item:
            raise self._fail(key, "missing 'table' (write {table = ..., handling = ...})")
        handling = item.get("handling", "send_back")
        if handling not in FOREIGN_HANDLINGS:
            raise self._fail(
                f"{key}.handling",
                f"must be one of {', '.join(FOREIGN_HANDLINGS)}, got {handling!r}",
            )
        return self._string(f"{key}.table", item["table"]), str(handling)

    def _protocols(self, value: Any) -> tuple[tuple[str, Protocol], ...]:
        if not isinstance(value, dict):
            raise self._fail("protocol", f"must be a [protocol] table, got {kind(value)}")
        protocols: list[tuple[str, Protocol]] = []
        for method, protocol in value.items():
            key = f"protocol.{method}"
            if not method.isidentifier():
                raise self._fail(key, "is not a method name")
            if protocol == "rpc" or protocol == "http":
                protocols.append((method, protocol))
            else:
                raise self._fail(key, f"must be one of {', '.join(PROTOCOLS)}, got {protocol!r}")
        return tuple(protocols)

    def _requires(self, value: Any) -> tuple[str, ...]:
        requirements = self._strings("requires", value)
        for requirement in requirements:
            try:
                Requirement(requirement)
            except InvalidRequirement as exc:
                raise self._fail(
                    "requires",
                    f"{requirement!r} is not a requirement like 'requests>=2':"
                    f" {str(exc).splitlines()[0]}",
                ) from None
        return tuple(requirements)
