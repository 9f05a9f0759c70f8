"""Read and validate the proxy's routes file (TOML).

Its keys are defined once, in `routes_schema.py` (shown by `strangler proxy
--help` and in docs/contracts.md). Modes: `monolith` forwards to the monolith;
`shadow` answers from the monolith and also asks the service (GET/HEAD only)
to compare; `canary` sends `percent` % of clients to the service (stable per
sticky key, else per request); `service` sends everything to the service. A
route is a duplicate when an earlier one has the same rule (up to parameter
names) and shares a method.

Every error is a RoutesFileError naming the line and the reason; a URL it
quotes has its password hidden.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from strangler.redaction import hide_password
from strangler.tomlfiles import kind, syntax_problem, unknown_key_reason
from strangler_proxy.error_shape import DEFAULT_ERROR_SHAPE, ErrorShape, template_problem
from strangler_proxy.errors import RoutesFileError
from strangler_proxy.isolation_settings import (
    DEFAULT_BREAKER_FAILURES,
    DEFAULT_BREAKER_MAX_OPEN_SECONDS,
    DEFAULT_BREAKER_OPEN_SECONDS,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_SHARE,
    DEFAULT_THREADS,
    IsolationSettings,
)
from strangler_proxy.last_good import LastGoodCopy
from strangler_proxy.route_table import (
    DEFAULT_AMQP_URI,
    DEFAULT_MONOLITH_TIMEOUT,
    DEFAULT_RPC_TIMEOUT,
    MODES,
    PROTOCOLS,
    AuthCheck,
    Mode,
    Network,
    PassedValue,
    Protocol,
    Route,
    RouteTable,
    Settings,
    StickyKey,
    UserSource,
)
from strangler_proxy.routes_schema import HTTP_METHODS, ROUTE, ROUTE_TABLE, TOP_LEVEL
from strangler_proxy.rpc_context import RESERVED_KEYS
from strangler_proxy.rules import rule_problem

log = logging.getLogger(__name__)

TOP_LEVEL_KEYS = tuple(key.name for key in TOP_LEVEL)
ROUTE_KEYS = tuple(key.name for key in ROUTE)

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_TARGET = re.compile(rf"^({_IDENTIFIER})\.({_IDENTIFIER})$")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"  # a header or cookie name (RFC 9110 token)
_NAMED_VALUE = re.compile(rf"^(cookie|header):({_TOKEN})$")
_AUTH = re.compile(r"^monolith:(/[^\s#]*)$")
_AUTH_USER = re.compile(rf"^(?:header:({_TOKEN})|json:([^.\s]+(?:\.[^.\s]+)*))$")
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
_RULE_ARGUMENT = re.compile(r"<(?:([^:<>]+):)?[^<>]+>")
_AREA = re.compile(r"^[A-Za-z0-9_.:-]+$")
_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


class _SourceLines:
    """Finds the line of a `[[route]]` entry or of a key by scanning the text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        headers = [
            (number, match.group(1).strip())
            for number, line in enumerate(self._lines, start=1)
            if (match := _TABLE_HEADER.match(line))
        ]
        self._table_starts = [number for number, _ in headers]
        self._route_starts = [
            number
            for number, name in headers
            if name == "route" and self._lines[number - 1].lstrip().startswith("[[")
        ]

    def route(self, index: int) -> int | None:
        return self._route_starts[index] if index < len(self._route_starts) else None

    def key(self, key: str, route_index: int | None = None) -> int | None:
        """The line assigning `key` at the top level or inside the n-th route."""
        if route_index is None:
            start = 1
        else:
            route_line = self.route(route_index)
            if route_line is None:
                return None
            start = route_line + 1
        end = next((n for n in self._table_starts if n >= start), len(self._lines) + 1)
        assignment = re.compile(
            rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*="
        )
        for number in range(start, end):
            if assignment.match(self._lines[number - 1]):
                return number
        return self.route(route_index) if route_index is not None else None


def byte_size(value: object) -> int | None:
    """Bytes from a whole number or a string with a unit (`10MiB`, `5 MB`), or None if neither."""
    if isinstance(value, int):
        return value if value >= 0 else None
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "B").lower()]


def monolith_problem(url: str) -> str | None:
    """Why `url` cannot be the monolith's base URL, or None (the file and --monolith share it)."""
    if re.match(r"^https?://[^/\s]+", url):
        return None
    return f"must be an http:// or https:// URL, got {hide_password(url)!r}"


def amqp_uri_problem(uri: str) -> str | None:
    """Why `uri` cannot be the broker's URI, or None (file, --amqp-uri and AMQP_URI share it)."""
    if re.match(r"^amqps?://", uri):
        return None
    return f"must be an amqp:// or amqps:// URI, got {hide_password(uri)!r}"


@dataclass(frozen=True)
class RoutesFile:
    """A routes file and what the command line puts over it: the proxy's source of routes.

    The broker is `--amqp-uri`, else the file's `amqp_uri`, else `default_amqp_uri`
    (the AMQP_URI environment variable); the monolith is `--monolith`, else the file's.
    With a `state_dir` (`--state-dir`), every good load is kept there (`last_good.py`).
    `threads` is each worker's (`--threads`): the backends' shares are of those.
    """

    path: Path
    monolith: str | None = None
    amqp_uri: str | None = None
    default_amqp_uri: str = DEFAULT_AMQP_URI
    state_dir: Path | None = None
    threads: int = DEFAULT_THREADS

    def load(self) -> RouteTable:
        text = read_routes_text(self.path)
        table = self._parse(text, str(self.path))
        if self.state_dir is not None:
            LastGoodCopy(self.state_dir).keep(text)
        return table

    def last_good(self) -> RouteTable | None:
        """The table of the copy kept in the state directory, or None when there is none."""
        text = None if self.state_dir is None else LastGoodCopy(self.state_dir).text()
        if text is None:
            return None
        try:
            return self._parse(text, "the last good copy in --state-dir")
        except RoutesFileError as exc:  # e.g. kept by an older version of the proxy
            log.error("the last good copy in --state-dir no longer loads: %s", exc.without_source)
            return None

    def _parse(self, text: str, source: str) -> RouteTable:
        # with --amqp-uri the environment's is never used, so it is not checked either
        table = parse_routes(text, source, default_amqp_uri=self.amqp_uri or self.default_amqp_uri)
        settings = table.settings
        if self.monolith is not None:
            settings = replace(settings, monolith=self.monolith.rstrip("/"))
        if self.amqp_uri is not None:
            settings = replace(settings, amqp_uri=self.amqp_uri)
        isolation = replace(settings.isolation, threads=self.threads)
        return replace(table, settings=replace(settings, isolation=isolation))


def load_routes(path: Path, *, default_amqp_uri: str = DEFAULT_AMQP_URI) -> RouteTable:
    """Read and validate a routes file; `default_amqp_uri` is the broker when it names none."""
    return parse_routes(read_routes_text(path), source=str(path), default_amqp_uri=default_amqp_uri)


def read_routes_text(path: Path) -> str:
    """The routes file's text; a file that cannot be read is a RoutesFileError."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutesFileError(
            str(path), None, f"cannot read the routes file: {exc.strerror}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise RoutesFileError(str(path), None, "the routes file is not UTF-8 text") from exc


def parse_routes(
    text: str, source: str = "<routes>", *, default_amqp_uri: str = DEFAULT_AMQP_URI
) -> RouteTable:
    """Validate the text of a routes file into a RouteTable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, source) from exc
    return _Validator(text, source, default_amqp_uri).table(data)


def _syntax_error(exc: tomllib.TOMLDecodeError, source: str) -> RoutesFileError:
    problem = syntax_problem(exc)
    return RoutesFileError(source, problem.line, problem.reason)


def _rule_signature(path: str) -> str:
    """The rule with parameter names erased: '/a/<int:x>' and '/a/<int:y>' are the same."""
    return _RULE_ARGUMENT.sub(lambda match: f"<{match.group(1) or 'default'}>", path)


class _Validator:
    def __init__(self, text: str, source: str, default_amqp_uri: str) -> None:
        self._lines = _SourceLines(text)
        self._source = source
        self._default_amqp_uri = default_amqp_uri

    def _fail(
        self, reason: str, key: str | None = None, route: int | None = None
    ) -> RoutesFileError:
        if key is not None:
            line = self._lines.key(key, route)
        elif route is not None:
            line = self._lines.route(route)
        else:
            line = None
        prefix = "" if route is None else f"route #{route + 1}: "
        return RoutesFileError(self._source, line, prefix + reason)

    def table(self, data: dict[str, Any]) -> RouteTable:
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                raise self._fail(unknown_key_reason(key, TOP_LEVEL_KEYS, "at the top level"), key)
        raw_routes = data.get(ROUTE_TABLE, [])
        if not isinstance(raw_routes, list) or not all(isinstance(r, dict) for r in raw_routes):
            raise self._fail("'route' must be written as [[route]] tables", ROUTE_TABLE)
        routes = tuple(self._route(index, raw) for index, raw in enumerate(raw_routes))
        self._check_duplicates(routes)
        return RouteTable(self._settings(data), routes)

    def _settings(self, data: dict[str, Any]) -> Settings:
        if "monolith" not in data:
            raise self._fail("missing key 'monolith' (e.g. monolith = \"http://127.0.0.1:8000\")")
        monolith = self._string(data, "monolith")
        problem = monolith_problem(monolith)
        if problem is not None:
            raise self._fail(f"'monolith' {problem}", "monolith")
        if "amqp_uri" in data:
            amqp_uri = self._string(data, "amqp_uri")
            problem = amqp_uri_problem(amqp_uri)
            if problem is not None:
                raise self._fail(f"'amqp_uri' {problem}", "amqp_uri")
        else:
            amqp_uri = self._default_amqp_uri
            problem = amqp_uri_problem(amqp_uri)
            if problem is not None:
                raise self._fail(f"no 'amqp_uri' here, and AMQP_URI {problem}")
        first_open, longest_open = self._breaker_periods(data)
        return Settings(
            monolith=monolith.rstrip("/"),
            amqp_uri=amqp_uri,
            rpc_timeout=self._seconds(data, "rpc_timeout", DEFAULT_RPC_TIMEOUT),
            monolith_timeout=self._seconds(data, "monolith_timeout", DEFAULT_MONOLITH_TIMEOUT),
            trusted_proxies=self._networks(data, "trusted_proxies"),
            backend_headers=self._boolean(data, "backend_headers", default=True),
            error_shape=self._error_shape(data),
            isolation=IsolationSettings(
                max_in_flight=self._count(data, "service_max_in_flight", DEFAULT_MAX_IN_FLIGHT),
                breaker_failures=self._count(data, "breaker_failures", DEFAULT_BREAKER_FAILURES),
                breaker_open_seconds=first_open,
                breaker_max_open_seconds=longest_open,
                max_share=self._share(data, "backend_max_share", DEFAULT_MAX_SHARE),
            ),
        )

    def _breaker_periods(self, data: dict[str, Any]) -> tuple[float, float]:
        """How long a breaker first stays open, and the longest it does."""
        first = self._seconds(data, "breaker_open_seconds", DEFAULT_BREAKER_OPEN_SECONDS)
        longest = self._seconds(
            data, "breaker_max_open_seconds", max(first, DEFAULT_BREAKER_MAX_OPEN_SECONDS)
        )
        if longest < first:
            raise self._fail(
                f"'breaker_max_open_seconds' ({longest:g}) must be at least"
                f" 'breaker_open_seconds' ({first:g})",
                "breaker_max_open_seconds",
            )
        return first, longest

    def _error_shape(self, data: dict[str, Any]) -> ErrorShape:
        if "error_body" not in data:
            return DEFAULT_ERROR_SHAPE
        template = data["error_body"]
        problem = template_problem(template)
        if problem is not None:
            raise self._fail(f"'error_body' {problem}", "error_body")
        return ErrorShape.of(template)

    def _networks(self, data: dict[str, Any], key: str) -> tuple[Network, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(f"{key!r} must be a list of strings, got {kind(value)}", key)
        networks = []
        for item in value:
            try:
                networks.append(ipaddress.ip_network(item))
            except ValueError:
                raise self._fail(
                    f'{key!r}: {item!r} is not an IP address or network (e.g. "10.0.0.0/8")',
                    key,
                ) from None
        return tuple(networks)

    def _boolean(self, data: dict[str, Any], key: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(f"{key!r} must be true or false, got {kind(value)}", key)
        return value

    def _string(self, data: dict[str, Any], key: str, route: int | None = None) -> str:
        value = data[key]
        if not isinstance(value, str):
            raise self._fail(f"{key!r} must be a string, got {kind(value)}", key, route)
        return value

    def _count(self, data: dict[str, Any], key: str, default: int) -> int:
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self._fail(f"{key!r} must be a whole number of at least 1, got {value!r}", key)
        return value

    def _share(self, data: dict[str, Any], key: str, default: float) -> float:
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self._fail(f"{key!r} must be a number above 0 and at most 1, got {value!r}", key)
        return float(value)

    def _seconds(self, data: dict[str, Any], key: str, default: float) -> float:
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(f"{key!r} must be a positive number of seconds, got {value!r}", key)
        return float(value)

    def _route(self, index: int, raw: dict[str, Any]) -> Route:
        for key in raw:
            if key not in ROUTE_KEYS:
                raise self._fail(unknown_key_reason(key, ROUTE_KEYS, "in [[route]]"), key, index)
        if "path" not in raw:
            raise self._fail(
                "missing key 'path' (a Flask rule such as \"/api/items/<int:id>\")", route=index
            )
        path = self._string(raw, "path", index)
        problem = rule_problem(path)
        if problem is not None:
            raise self._fail(problem, "path", index)
        mode = self._mode(raw, index)
        service, method = self._target(raw, index, mode)
        percent = self._percent(raw, index, mode)
        return Route(
            path=path,
            methods=self._methods(raw, index),
            service=service,
            method=method,
            mode=mode,
            percent=percent,
            sticky=self._sticky(raw, index, mode),
            protocol=self._protocol(raw, index),
            context=self._context(raw, index),
            auth=self._auth(raw, index),
            line=self._lines.route(index),
            area=self._area(raw, index, mode),
            timeout=self._route_timeout(raw, index),
            max_body=self._max_body(raw, index),
            write_fallback=self._route_boolean(raw, index, "write_fallback", default=True),
        )

    def _route_boolean(self, raw: dict[str, Any], index: int, key: str, *, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(f"{key!r} must be true or false, got {kind(value)}", key, index)
        return value

    def _max_body(self, raw: dict[str, Any], index: int) -> int | None:
        if "max_body" not in raw:
            return None
        value = raw["max_body"]
        size = None if isinstance(value, bool) else byte_size(value)
        if size is None:
            raise self._fail(
                f'bad max_body {value!r}: a whole number of bytes or a size such as "10MiB"',
                "max_body",
                index,
            )
        return size

    def _route_timeout(self, raw: dict[str, Any], index: int) -> float | None:
        if "timeout" not in raw:
            return None
        value = raw["timeout"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(
                f"'timeout' must be a positive number of seconds, got {value!r}", "timeout", index
            )
        return float(value)

    def _area(self, raw: dict[str, Any], index: int, mode: Mode) -> str | None:
        if "area" not in raw:
            return None
        if mode != "canary":
            raise self._fail(
                f"'area' is only for canary routes (this one is {mode!r})", "area", index
            )
        value = self._string(raw, "area", index)
        if _AREA.match(value) is None:
            raise self._fail(
                f'bad area {value!r}: letters, digits and _ . : - only (e.g. "catalog")',
                "area",
                index,
            )
        return value

    def _auth(self, raw: dict[str, Any], index: int) -> AuthCheck | None:
        if "auth" not in raw:
            if "auth_user" in raw:
                raise self._fail("'auth_user' needs 'auth' on the same route", "auth_user", index)
            return None
        value = self._string(raw, "auth", index)
        match = _AUTH.match(value)
        if match is None:
            raise self._fail(
                f'bad auth {value!r}: write it as "monolith:/path" (the monolith\'s check)',
                "auth",
                index,
            )
        return AuthCheck(match.group(1), self._auth_user(raw, index))

    def _auth_user(self, raw: dict[str, Any], index: int) -> UserSource | None:
        if "auth_user" not in raw:
            return None
        value = self._string(raw, "auth_user", index)
        match = _AUTH_USER.match(value)
        if match is None:
            raise self._fail(
                f'bad auth_user {value!r}: use "header:<name>" or "json:<key>" (dots for nested'
                " keys)",
                "auth_user",
                index,
            )
        header, key = match.groups()
        return UserSource("header", header) if header else UserSource("json", key)

    def _protocol(self, raw: dict[str, Any], index: int) -> Protocol:
        if "protocol" not in raw:
            return "rpc"
        protocol = self._string(raw, "protocol", index)
        for known in PROTOCOLS:
            if protocol == known:
                return known
        raise self._fail(
            f"unknown protocol {protocol!r}; use one of: {', '.join(PROTOCOLS)}", "protocol", index
        )

    def _context(self, raw: dict[str, Any], index: int) -> tuple[PassedValue, ...]:
        value = raw.get("context", [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(
                f"'context' must be a list of strings, got {kind(value)}", "context", index
            )
        passed: dict[str, PassedValue] = {}
        for item in value:
            match = _NAMED_VALUE.match(item)
            if match is None:
                raise self._fail(
                    f'bad context value {item!r}: use "header:<name>" or "cookie:<name>"',
                    "context",
                    index,
                )
            name = match.group(2)
            entry = (
                PassedValue("cookie", name)
                if match.group(1) == "cookie"
                else PassedValue("header", name)
            )
            key = entry.context_key
            if key in RESERVED_KEYS:
                raise self._fail(
                    f"context value {item!r} would set nameko's own key {key!r}; the proxy sets it",
                    "context",
                    index,
                )
            if key in passed:
                raise self._fail(
                    f"context values {str(passed[key])!r} and {item!r} both travel as {key!r}",
                    "context",
                    index,
                )
            passed[key] = entry
        return tuple(passed.values())

    def _mode(self, raw: dict[str, Any], index: int) -> Mode:
        if "mode" not in raw:
            raise self._fail(f"missing key 'mode' (one of: {', '.join(MODES)})", route=index)
        mode = self._string(raw, "mode", index)
        for known in MODES:
            if mode == known:
                return known
        raise self._fail(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}", "mode", index)

    def _target(self, raw: dict[str, Any], index: int, mode: Mode) -> tuple[str, str]:
        if "target" not in raw:
            if mode == "monolith":
                return "", ""
            raise self._fail(
                f"missing key 'target' (\"service.method\") for mode {mode!r}", route=index
            )
        target = self._string(raw, "target", index)
        match = _TARGET.match(target)
        if match is None:
            raise self._fail(
                f'bad target {target!r}: write it as "service.method" (two Python identifiers)',
                "target",
                index,
            )
        return match.group(1), match.group(2)

    def _methods(self, raw: dict[str, Any], index: int) -> tuple[str, ...]:
        value = raw.get("methods", ["GET"])
        if not isinstance(value, list) or not value or not all(isinstance(m, str) for m in value):
            raise self._fail(
                f"'methods' must be a non-empty list of strings, got {value!r}", "methods", index
            )
        methods = tuple(m.upper() for m in value)
        for method in methods:
            if method not in HTTP_METHODS:
                raise self._fail(
                    f"unknown HTTP method {method!r}; use: {', '.join(HTTP_METHODS)}",
                    "methods",
                    index,
                )
        if len(set(methods)) != len(methods):
            raise self._fail(f"'methods' lists a method twice: {value!r}", "methods", index)
        return methods

    def _percent(self, raw: dict[str, Any], index: int, mode: Mode) -> int:
        if "percent" not in raw:
            if mode == "canary":
                raise self._fail("missing key 'percent' (0-100) for a canary route", route=index)
            return 0
        if mode != "canary":
            raise self._fail(
                f"'percent' is only for canary routes (this one is {mode!r})", "percent", index
            )
        value = raw["percent"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(f"'percent' must be an integer, got {kind(value)}", "percent", index)
        if not 0 <= value <= 100:
            raise self._fail(f"'percent' must be between 0 and 100, got {value}", "percent", index)
        return value

    def _sticky(self, raw: dict[str, Any], index: int, mode: Mode) -> StickyKey | None:
        if "sticky" not in raw:
            return None
        if mode != "canary":
            raise self._fail(
                f"'sticky' is only for canary routes (this one is {mode!r})", "sticky", index
            )
        value = self._string(raw, "sticky", index)
        if value == "ip":
            return StickyKey("ip")
        if value == "user":
            if "auth_user" not in raw:
                raise self._fail(
                    "sticky = \"user\" needs 'auth' and 'auth_user' on the same route (the"
                    " auth check names the user)",
                    "sticky",
                    index,
                )
            return StickyKey("user")
        match = _NAMED_VALUE.match(value)
        if match is None:
            raise self._fail(
                f'bad sticky key {value!r}: use "cookie:<name>", "header:<name>", "ip" or "user"',
                "sticky",
                index,
            )
        return StickyKey("cookie" if match.group(1) == "cookie" else "header", match.group(2))

    def _check_duplicates(self, routes: tuple[Route, ...]) -> None:
        seen: dict[tuple[str, str], Route] = {}
        for index, route in enumerate(routes):
            signature = _rule_signature(route.path)
            for method in route.methods:
                earlier = seen.get((signature, method))
                if earlier is not None:
                    raise self._fail(
                        f"duplicate route: {method} {route.path} is already routed by the route"
                        f" at line {earlier.line}",
                        "path",
                        index,
                    )
            for method in route.methods:
                seen[(signature, method)] = route
