"""Read the requests file `strangler compare` replays.

One request per line, either `METHOD /path?query` or a JSON object
{"method", "path", "body"? | "form"?, "headers"?, "login"?, "optional"?}. Blank lines and
`#` comments are ignored. A bad line is refused with its number and the reason.

A `"login": true` request logs in: it is not compared; each side keeps the cookies its
answer sets for the requests after it. `{"logout": true}` alone on a line forgets them.
`${NAME}` in a body, form or header string is read from the environment when the request
is sent, so credentials stay out of the file. An `"optional": true` login whose variables
are not set is skipped together with the requests up to the next logout (reported).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strangler.errors import UsageError

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
JSON_KEYS = ("method", "path", "body", "form", "headers", "login", "optional")
_PLAIN_LINE = re.compile(r"^([A-Za-z]+)\s+(\S+)$")


class RequestsFileError(UsageError):
    """The requests file cannot be used; says which line and why."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(
            f"{where}: {reason}",
            hint='write one request per line: "GET /path?x=1" or {"method": "POST", "path": ...}',
        )


_NO_BODY: Any = object()


@dataclass(frozen=True)
class PlannedRequest:
    """One request to replay against both sides."""

    method: str
    path: str
    line: int
    body: Any = _NO_BODY
    headers: tuple[tuple[str, str], ...] = ()
    login: bool = False  # a session step: not compared; each side keeps its cookies
    form: tuple[tuple[str, str], ...] | None = None  # sent form-encoded, instead of a body
    optional: bool = False  # a login skipped (with its session) when its variables are unset

    @property
    def has_body(self) -> bool:
        return self.body is not _NO_BODY

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Logout:
    """`{"logout": true}`: each side forgets the cookies its logins set."""

    line: int


Planned = PlannedRequest | Logout


def load_requests(path: Path) -> list[Planned]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RequestsFileError(str(path), None, f"cannot read the file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise RequestsFileError(str(path), None, "the file is not UTF-8 text") from exc
    return parse_requests(text, source=str(path))


def parse_requests(text: str, source: str = "<requests>") -> list[Planned]:
    requests: list[Planned] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            requests.append(_parse_line(line, number))
        except ValueError as exc:
            raise RequestsFileError(source, number, str(exc)) from exc
    if not any(isinstance(r, PlannedRequest) for r in requests):
        raise RequestsFileError(source, None, "no requests in the file")
    return requests


def _checked(method: str, path: str) -> tuple[str, str]:
    method = method.upper()
    if method not in HTTP_METHODS:
        raise ValueError(f"unknown HTTP method {method!r}; use: {', '.join(HTTP_METHODS)}")
    if not path.startswith("/"):
        raise ValueError(f"the path must start with '/', got {path!r}")
    return method, path


def _parse_line(line: str, number: int) -> Planned:
    if line.startswith("{"):
        return _parse_json_line(line, number)
    match = _PLAIN_LINE.match(line)
    if match is None:
        raise ValueError(f'expected "METHOD /path?query" or a JSON object, got {line!r}')
    method, path = _checked(match.group(1), match.group(2))
    return PlannedRequest(method, path, number)


def _parse_json_line(line: str, number: int) -> Planned:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("a JSON line must be an object")
    if data == {"logout": True}:
        return Logout(number)
    unknown = sorted(set(data) - set(JSON_KEYS))
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; allowed keys: {', '.join(JSON_KEYS)}")
    method, path = data.get("method"), data.get("path")
    if not isinstance(method, str) or not isinstance(path, str):
        raise ValueError('"method" and "path" are required strings')
    headers = data.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise ValueError('"headers" must be an object of string values')
    login, optional = data.get("login", False), data.get("optional", False)
    if not isinstance(login, bool):
        raise ValueError('"login" must be true or false')
    if not isinstance(optional, bool):
        raise ValueError('"optional" must be true or false')
    if optional and not login:
        raise ValueError('"optional" applies to a login request only ("login": true)')
    method, path = _checked(method, path)
    return PlannedRequest(
        method,
        path,
        number,
        data.get("body", _NO_BODY),
        tuple(sorted(headers.items())),
        login=login,
        form=_form(data),
        optional=optional,
    )


def _form(data: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    if "form" not in data:
        return None
    form = data["form"]
    if "body" in data:
        raise ValueError('give "body" (JSON) or "form" (form-encoded), not both')
    if not isinstance(form, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in form.items()
    ):
        raise ValueError('"form" must be an object of string values')
    return tuple(form.items())
