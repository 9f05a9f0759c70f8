"""What one side of a comparison remembers between requests: the cookies its logins set.

Pure: Set-Cookie values in, a Cookie header out. Only logins fill the jar (a comparison
replays chosen requests, it does not browse); a cookie set empty or already expired is
dropped, as a browser would.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

from strangler.errors import UsageError

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariable(UsageError):
    """A request reads an environment variable that is not set."""


@dataclass
class CookieJar:
    cookies: dict[str, str] = field(default_factory=dict)

    def keep(self, set_cookie_values: Iterable[str]) -> None:
        for value in set_cookie_values:
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(value)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                if not morsel.value or morsel["max-age"] in ("0", "-1"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def header(self) -> str | None:
        """The Cookie header for the next request, or None when the jar is empty."""
        if not self.cookies:
            return None
        return "; ".join(f"{name}={value}" for name, value in sorted(self.cookies.items()))

    def forget(self) -> None:
        self.cookies.clear()


def with_environment(value: Any, line: int, environ: Mapping[str, str] | None = None) -> Any:
    """`value` with each `${NAME}` in its strings read from the environment (deeply)."""
    source = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in source:
            raise MissingVariable(
                f"requests file line {line} reads ${{{name}}}, which is not set",
                hint=f"export {name}=... before running strangler compare",
            )
        return source[name]

    if isinstance(value, str):
        return _VARIABLE.sub(substitute, value)
    if isinstance(value, list):
        return [with_environment(item, line, source) for item in value]
    if isinstance(value, dict):
        return {key: with_environment(item, line, source) for key, item in value.items()}
    return value


def unset_variables(value: Any, environ: Mapping[str, str] | None = None) -> list[str]:
    """The `${NAME}`s in `value`'s strings (deeply) that the environment does not set."""
    source = os.environ if environ is None else environ
    if isinstance(value, str):
        return [name for name in _VARIABLE.findall(value) if name not in source]
    if isinstance(value, list | tuple):
        return [name for item in value for name in unset_variables(item, source)]
    if isinstance(value, dict):
        return unset_variables(list(value.values()), source)
    return []
