"""The shape of the error bodies the proxy makes: the monolith's own, as the routes file says.

A client moved from the monolith to a service must get errors it can read: the
routes file's `error_body` is a JSON template in which `{code}`, `{message}`
and `{status}` are filled in (a string that is exactly `"{status}"` becomes the
number). The default is the shape of the monolith's `/api` errors,
`{"error": {"code", "message"}}`. Pure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from strangler_proxy.errors import HttpError

PLACEHOLDERS = ("code", "message", "status")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
_STATUS = "{status}"


@dataclass(frozen=True)
class ErrorShape:
    """An error-body template, kept as canonical JSON text (so settings stay comparable)."""

    template: str

    @classmethod
    def of(cls, template: dict[str, Any]) -> ErrorShape:
        return cls(json.dumps(template, sort_keys=True))

    def body(self, error: HttpError) -> Any:
        """The template with the error's code, message and status filled in."""
        return _filled(json.loads(self.template), error)


DEFAULT_ERROR_SHAPE = ErrorShape.of({"error": {"code": "{code}", "message": "{message}"}})


def template_problem(template: object) -> str | None:
    """Why `template` cannot be an error body template, or None."""
    if not isinstance(template, dict) or not template:
        return "must be a non-empty table (the JSON object of an error body)"
    pending: list[object] = [template]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            unknown = [name for name in _PLACEHOLDER.findall(value) if name not in PLACEHOLDERS]
            if unknown:
                known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
                return f"unknown placeholder {{{unknown[0]}}}; use {known}"
        elif not isinstance(value, bool | int | float):
            return f"holds {type(value).__name__} {value!r}, which JSON cannot carry"
    return None


def _filled(value: Any, error: HttpError) -> Any:
    if isinstance(value, dict):
        return {key: _filled(item, error) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, error) for item in value]
    if value == _STATUS:
        return error.status
    if isinstance(value, str):
        fields = {"code": error.code, "message": error.message, "status": str(error.status)}
        return _PLACEHOLDER.sub(lambda match: fields.get(match.group(1), match.group(0)), value)
    return value
