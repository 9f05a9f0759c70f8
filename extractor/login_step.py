"""The monolith's login, found in its source, so generated parity requests can log in.

A login route is a POST view that, itself or through the project functions it calls,
logs a user in: `login_user(...)` (Flask-Login), `create_access_token(...)`
(Flask-JWT-Extended), or a value stored in `session[...]`. Its credential fields are the
string keys the view reads from the request body (directly, or from a local holding the
body); only fields that name a credential (user, email, login, name, password...) are
kept, so a "remember me" box is not asked for. Read with `ast`, never imported or run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.resolution.results import Analysis, FunctionKey, Route

_LOGS_IN = frozenset({"login_user", "create_access_token"})
_CREDENTIAL = re.compile(r"user|email|login|name|pass|phone|account|ident", re.IGNORECASE)
_SECRET = re.compile(r"pass|secret|pin|otp", re.IGNORECASE)
_FORM_SOURCES = frozenset({"form", "values"})
_JSON_SOURCES = frozenset({"json", "get_json"})
_CALL_DEPTH = 3


@dataclass(frozen=True)
class LoginRoute:
    path: str
    form: bool  # credentials sent form-encoded (an HTML form), else as a JSON body
    fields: tuple[str, ...]  # in the order the view reads them

    def variable(self, field: str) -> str:
        """The environment variable the requests file reads `field` from."""
        return "STRANGLER_LOGIN_" + re.sub(r"\W", "_", field).upper()


def find_login(analysis: Analysis) -> LoginRoute | None:
    """The monolith's login route, preferring one named login and then a JSON API."""
    trees = _Sources(Path(analysis.root), {m.name: m.file for m in analysis.modules})
    found = []
    for route in analysis.routes:
        if "POST" not in route.methods or "<" in route.rule or not route.handlers:
            continue
        if not any(_logs_in(trees, analysis, key, _CALL_DEPTH) for key in route.handlers):
            continue
        login = _credentials(trees, route)
        if login is not None:
            found.append((_preference(route, login), login))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _preference(route: Route, login: LoginRoute) -> tuple[bool, bool, str]:
    named = "login" in route.rule.lower() or "login" in route.endpoint.lower()
    return (not named, login.form, route.rule)


class _Sources:
    """Function definitions by (module, qualname), parsed once per file."""

    def __init__(self, root: Path, files: dict[str, str]) -> None:
        self._root, self._files = root, files
        self._functions: dict[str, dict[str, ast.FunctionDef | ast.AsyncFunctionDef]] = {}

    def function(self, key: FunctionKey) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        module, qualname = key
        if module not in self._functions:
            self._functions[module] = self._parse(module)
        return self._functions[module].get(qualname)

    def _parse(self, module: str) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
        file = self._files.get(module)
        if file is None:
            return {}
        try:
            tree = ast.parse((self._root / file).read_bytes())
        except (OSError, SyntaxError, ValueError):
            return {}
        return dict(_definitions(tree.body, ""))


def _definitions(
    body: list[ast.stmt], prefix: str
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + node.name, node
        elif isinstance(node, ast.ClassDef):
            yield from _definitions(node.body, f"{prefix}{node.name}.")


def _logs_in(trees: _Sources, analysis: Analysis, key: FunctionKey, depth: int) -> bool:
    function = trees.function(key)
    if function is not None and any(_is_login_statement(node) for node in ast.walk(function)):
        return True
    return depth > 0 and any(
        _logs_in(trees, analysis, callee, depth - 1) for callee in analysis.calls.get(key, ())
    )


def _is_login_statement(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _name(node.func) in _LOGS_IN
    if isinstance(node, ast.Assign):
        return any(
            isinstance(t, ast.Subscript) and _name(t.value) == "session" for t in node.targets
        )
    return False


def _credentials(trees: _Sources, route: Route) -> LoginRoute | None:
    function = trees.function(route.handlers[0])
    if function is None:
        return None
    bodies = _body_locals(function)
    fields: list[str] = []
    form = False
    for node in ast.walk(function):
        for source, key in _reads(node, bodies):
            form = form or source in _FORM_SOURCES or bodies.get(source) == "form"
            if _CREDENTIAL.search(key) and key not in fields:
                fields.append(key)
    if not any(_SECRET.search(field) for field in fields):
        return None  # not sure what it asks for: better no login step than a wrong one
    ordered = sorted(fields, key=lambda f: _position(function, f))
    return LoginRoute(route.rule, form, tuple(ordered))


def _body_locals(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """Locals holding the request body: name -> "form" or "json"."""
    bodies = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            kind = _body_kind(node.value)
            if isinstance(target, ast.Name) and kind is not None:
                bodies[target.id] = kind
    return bodies


def _body_kind(value: ast.expr) -> str | None:
    if isinstance(value, ast.BoolOp):  # request.get_json() or {}
        kinds = [kind for item in value.values if (kind := _body_kind(item)) is not None]
        return kinds[0] if kinds else None
    source = _request_attribute(value)
    if source is not None:
        return "form" if source in _FORM_SOURCES else "json" if source in _JSON_SOURCES else None
    if isinstance(value, ast.Call) and not value.args:  # a project helper: json_body()
        name = _name(value.func) or ""
        return "form" if "form" in name else "json" if "json" in name or "body" in name else None
    return None


def _reads(node: ast.AST, bodies: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(where from, key) for `X["key"]`, `X.get("key")` and `helper(X, "key")` reads of the
    request body X (`request.form`, `request.get_json()`, or a local holding it)."""
    if isinstance(node, ast.Subscript) and (source := _body_source(node.value, bodies)):
        if isinstance(key := node.slice, ast.Constant) and isinstance(key.value, str):
            yield source, key.value
    elif isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("get", "getlist", "pop"):
            source = _body_source(func.value, bodies)
            first = node.args[0]
            if source and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield source, first.value
        elif len(node.args) >= 2 and (source := _body_source(node.args[0], bodies)):
            second = node.args[1]
            if isinstance(second, ast.Constant) and isinstance(second.value, str):
                yield source, second.value


def _body_source(value: ast.expr, bodies: dict[str, str]) -> str | None:
    if isinstance(value, ast.Name) and value.id in bodies:
        return value.id
    source = _request_attribute(value)
    return source if source in _FORM_SOURCES | _JSON_SOURCES else None


def _request_attribute(value: ast.expr) -> str | None:
    """ "form" for `request.form`, "get_json" for `request.get_json(...)`, else None."""
    if isinstance(value, ast.Call):
        value = value.func
    if isinstance(value, ast.Attribute) and _name(value.value) == "request":
        return value.attr
    return None


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _position(function: ast.AST, field: str) -> tuple[int, int]:
    places = [
        (node.lineno, node.col_offset)
        for node in ast.walk(function)
        if isinstance(node, ast.Constant) and node.value == field
    ]
    return min(places)
