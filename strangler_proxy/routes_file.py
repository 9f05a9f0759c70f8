"""Read and validate the proxy's routes file (TOML).

Format::

    monolith = "http://127.0.0.1:8000"              # required: base URL of the monolith
    amqp_uri = "amqp://guest:guest@127.0.0.1:5672/"  # optional (this default)
    rpc_timeout = 5.0                                # optional: seconds to wait for a service
    monolith_timeout = 30.0                          # optional: seconds to wait for the monolith

    [[route]]
    path = "/api/catalog/products/<int:product_id>"  # required: a Flask rule
    methods = ["GET"]              # optional, default ["GET"] (GET implies HEAD)
    target = "catalog.get_product" # "service.method"; optional for mode monolith
    mode = "canary"                # required: monolith | shadow | canary | service
    percent = 25                   # canary only, required there: 0-100
    sticky = "cookie:session"      # canary only: cookie:<name> | header:<name> | ip

Modes: `monolith` forwards to the monolith; `shadow` answers from the monolith and
also asks the service (GET/HEAD only) to compare; `canary` sends `percent` % of
clients to the service (stable per sticky key, else per request); `service`
sends everything to the service. A route is a duplicate when an earlier one has
the same rule (up to parameter names) and shares a method.

Every error is a RoutesFileError naming the line and the reason.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from strangler.tomlfiles import kind, syntax_problem, unknown_key_reason
from strangler_proxy.errors import RoutesFileError
from strangler_proxy.route_table import (
    DEFAULT_AMQP_URI,
    DEFAULT_MONOLITH_TIMEOUT,
    DEFAULT_RPC_TIMEOUT,
    MODES,
    Mode,
    Route,
    RouteTable,
    Settings,
    StickyKey,
)
from strangler_proxy.rules import rule_problem

TOP_LEVEL_KEYS = ("monolith", "amqp_uri", "rpc_timeout", "monolith_timeout", "route")
ROUTE_KEYS = ("path", "methods", "target", "mode", "percent", "sticky")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_TARGET = re.compile(rf"^({_IDENTIFIER})\.({_IDENTIFIER})$")
_STICKY = re.compile(r"^(cookie|header):([!#$%&'*+.^_`|~0-9A-Za-z-]+)$")
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
_RULE_ARGUMENT = re.compile(r"<(?:([^:<>]+):)?[^<>]+>")


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


def load_routes(path: Path) -> RouteTable:
    """Read and validate a routes file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutesFileError(
            str(path), None, f"cannot read the routes file: {exc.strerror}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise RoutesFileError(str(path), None, "the routes file is not UTF-8 text") from exc
    return parse_routes(text, source=str(path))


def parse_routes(text: str, source: str = "<routes>") -> RouteTable:
    """Validate the text of a routes file into a RouteTable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, source) from exc
    return _Validator(text, source).table(data)


def _syntax_error(exc: tomllib.TOMLDecodeError, source: str) -> RoutesFileError:
    problem = syntax_problem(exc)
    return RoutesFileError(source, problem.line, problem.reason)


def _rule_signature(path: str) -> str:
    """The rule with parameter names erased: '/a/<int:x>' and '/a/<int:y>' are the same."""
    return _RULE_ARGUMENT.sub(lambda match: f"<{match.group(1) or 'default'}>", path)


class _Validator:
    def __init__(self, text: str, source: str) -> None:
        self._lines = _SourceLines(text)
        self._source = source

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
        raw_routes = data.get("route", [])
        if not isinstance(raw_routes, list) or not all(isinstance(r, dict) for r in raw_routes):
            raise self._fail("'route' must be written as [[route]] tables", "route")
        routes = tuple(self._route(index, raw) for index, raw in enumerate(raw_routes))
        self._check_duplicates(routes)
        return RouteTable(self._settings(data), routes)

    def _settings(self, data: dict[str, Any]) -> Settings:
        if "monolith" not in data:
            raise self._fail("missing key 'monolith' (e.g. monolith = \"http://127.0.0.1:8000\")")
        monolith = self._string(data, "monolith")
        if not re.match(r"^https?://[^/\s]+", monolith):
            raise self._fail(
                f"'monolith' must be an http:// or https:// URL, got {monolith!r}", "monolith"
            )
        amqp_uri = self._string(data, "amqp_uri") if "amqp_uri" in data else DEFAULT_AMQP_URI
        if not re.match(r"^amqps?://", amqp_uri):
            raise self._fail(f"'amqp_uri' must be an amqp:// URI, got {amqp_uri!r}", "amqp_uri")
        return Settings(
            monolith=monolith.rstrip("/"),
            amqp_uri=amqp_uri,
            rpc_timeout=self._seconds(data, "rpc_timeout", DEFAULT_RPC_TIMEOUT),
            monolith_timeout=self._seconds(data, "monolith_timeout", DEFAULT_MONOLITH_TIMEOUT),
        )

    def _string(self, data: dict[str, Any], key: str, route: int | None = None) -> str:
        value = data[key]
        if not isinstance(value, str):
            raise self._fail(f"{key!r} must be a string, got {kind(value)}", key, route)
        return value

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
            line=self._lines.route(index),
        )

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
        match = _STICKY.match(value)
        if match is None:
            raise self._fail(
                f'bad sticky key {value!r}: use "cookie:<name>", "header:<name>" or "ip"',
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
