"""The routes file's keys, defined once: the validator's key lists, `strangler proxy --help`
and the table in docs/contracts.md all come from here."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from strangler_proxy.route_table import (
    DEFAULT_AMQP_URI,
    DEFAULT_MONOLITH_TIMEOUT,
    DEFAULT_RPC_TIMEOUT,
)

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ROUTE_TABLE = "route"


@dataclass(frozen=True)
class Key:
    """One key: its TOML type, its default (or when it is required) and what it means."""

    name: str
    type: str
    default: str
    meaning: str


TOP_LEVEL: tuple[Key, ...] = (
    Key(
        "monolith",
        "string",
        "required",
        "base URL of the monolith, `http://` or `https://` (a trailing `/` is dropped);"
        " `--monolith` overrides it",
    ),
    Key(
        "amqp_uri",
        "string",
        f"`$AMQP_URI`, else `{DEFAULT_AMQP_URI}`",
        "the broker the services listen on, `amqp://` or `amqps://`; `--amqp-uri` overrides it",
    ),
    Key("rpc_timeout", "number", f"`{DEFAULT_RPC_TIMEOUT}`", "seconds to wait for a service (> 0)"),
    Key(
        "monolith_timeout",
        "number",
        f"`{DEFAULT_MONOLITH_TIMEOUT}`",
        "seconds to wait for the monolith (> 0)",
    ),
    Key(
        "trusted_proxies",
        "list of strings",
        "`[]`",
        "addresses or networks (`10.0.0.0/8`) of proxies in front of this one: their"
        " `X-Forwarded-For` chain is extended and their `-Proto`/`-Host` kept; anyone"
        " else's are replaced by what the proxy saw",
    ),
    Key(
        "backend_headers",
        "boolean",
        "`true`",
        "add `X-Strangler-Backend` and `X-Strangler-Route` to answers (`strangler compare`"
        " needs them)",
    ),
    Key(
        ROUTE_TABLE,
        "array of tables",
        "none",
        "the `[[route]]` entries below, in order; a request none matches goes to the monolith",
    ),
)

ROUTE: tuple[Key, ...] = (
    Key(
        "path",
        "string",
        "required",
        "a Flask rule (`/api/items/<int:item_id>`); no parameter named `query` or `body`",
    ),
    Key(
        "methods",
        "list of strings",
        '`["GET"]`',
        f"some of {' '.join(HTTP_METHODS)} (any case, no repeats); GET implies HEAD",
    ),
    Key(
        "target",
        "string",
        "required unless mode is `monolith`",
        '`"service.method"`, two Python identifiers',
    ),
    Key(
        "mode",
        "string",
        "required",
        "`monolith` (forward), `shadow` (forward, and compare the service's answer to GET/HEAD),"
        " `canary` (`percent` % of clients to the service) or `service` (all to the service)",
    ),
    Key(
        "percent",
        "integer",
        "required for `canary`",
        "0-100: the share of clients a canary sends to the service (canary only)",
    ),
    Key(
        "sticky",
        "string",
        "none",
        "`cookie:<name>`, `header:<name>` or `ip`: what keeps a canary client on one side"
        " (canary only; without it each request draws)",
    ),
)


def _rows() -> list[tuple[str, Key]]:
    return [(key.name, key) for key in TOP_LEVEL] + [
        (f"[[{ROUTE_TABLE}]] {key.name}", key) for key in ROUTE
    ]


def schema_markdown() -> str:
    """The keys as one Markdown table: key, type, default, meaning."""
    lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{name}` | {key.type} | {key.default} | {key.meaning} |" for name, key in _rows()]
    return "\n".join(lines) + "\n"


def schema_text(width: int = 78) -> str:
    """The keys for a terminal: `key (type, default): meaning`, wrapped to `width`."""
    lines = []
    for name, key in _rows():
        entry = f"{name} ({key.type}, default: {key.default}): {key.meaning}".replace("`", "")
        lines += textwrap.wrap(entry, width, initial_indent="  ", subsequent_indent="      ")
    return "\n".join(lines)
