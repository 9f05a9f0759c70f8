"""The routes file's keys, defined once: the validator's key lists, `strangler proxy --help`
and the table in docs/contracts.md all come from here."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from strangler_proxy.isolation_settings import (
    DEFAULT_BREAKER_FAILURES,
    DEFAULT_BREAKER_MAX_OPEN_SECONDS,
    DEFAULT_BREAKER_OPEN_SECONDS,
    DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_SHARE,
)
from strangler_proxy.route_table import (
    DEFAULT_AMQP_URI,
    DEFAULT_MONOLITH_TIMEOUT,
    DEFAULT_RPC_TIMEOUT,
)
from strangler_proxy.rpc_context import RESERVED_KEYS

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
        "service_max_in_flight",
        "integer",
        f"`{DEFAULT_MAX_IN_FLIGHT}`",
        "calls one service may have waiting at once, per proxy worker (>= 1); while it has"
        " that many, the oldest has waited 0.5 s and none was answered meanwhile, one more"
        " is turned away at once, as never sent (it falls back to the monolith as a call"
        " the service never received: a read, a write if `write_fallback`; else a 503 with"
        " `Retry-After`), so a stalled service never takes the threads other routes need; a"
        " service that keeps answering is never turned away below `backend_max_share`",
    ),
    Key(
        "backend_max_share",
        "number",
        f"`{DEFAULT_MAX_SHARE}`",
        "the most of a proxy worker's threads (`--threads`) one backend, each service and"
        " the monolith alike, may hold at once: rounded down, at least 1, and always one"
        " thread fewer than all (> 0, <= 1); a request that finds its backend there waits"
        " for a place at most 0.5 s (not at all once that backend has left its oldest call"
        " unanswered 0.5 s), then is turned away as never sent: a service's call falls back"
        " to the monolith as above, a request for the monolith (forwarded, or a fallback)"
        " gets a 503 with `Retry-After`. An answer streamed from the monolith, or a"
        " WebSocket to it, holds its place until it ends; a plain request the event loop"
        " forwards (`--server event-loop`) holds no thread and takes no place",
    ),
    Key(
        "breaker_failures",
        "integer",
        f"`{DEFAULT_BREAKER_FAILURES}`",
        "calls in a row a backend leaves unanswered before its circuit breaker opens (>= 1):"
        " a service's timeouts or broker unreachable, the monolith's timeouts (connecting or"
        " answering; any HTTP answer is an answer); calls then fail at once, as never sent"
        " (as above, a service's fall back, the monolith's get a 503 with `Retry-After`). A"
        " service with no instance consuming its queue, or a monolith refusing connections,"
        " fails fast without opening it",
    ),
    Key(
        "breaker_open_seconds",
        "number",
        f"`{DEFAULT_BREAKER_OPEN_SECONDS}`",
        "how long a breaker first stays open; then one probe call goes through, and if it"
        " gets no answer the breaker opens again for twice as long (> 0)",
    ),
    Key(
        "breaker_max_open_seconds",
        "number",
        f"`{DEFAULT_BREAKER_MAX_OPEN_SECONDS}`",
        "the longest a breaker stays open between probes (>= `breaker_open_seconds`, which"
        " it is when that is longer)",
    ),
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
        "error_body",
        "table",
        '`{ error = { code = "{code}", message = "{message}" } }`',
        "the JSON shape of the error bodies the proxy makes (a service's NotFound, a bad"
        " JSON body, a timeout...), to match the monolith's: `{code}`, `{message}` and"
        ' `{status}` are filled in, a value `"{status}"` becomes the number',
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
        "`cookie:<name>`, `header:<name>`, `ip` or `user`: what keeps a canary client on one"
        " side (canary only; without it each request draws); `user` is the user the route's"
        " auth check names (needs `auth` and `auth_user`; the check is then made for every"
        " request of the route, and one it refuses goes to the monolith)",
    ),
    Key(
        "area",
        "string",
        "the target's service",
        "canary only: a sticky client's bucket is kept per area, not per route, so at one"
        " `percent` a client sees one side on every route of the area (letters, digits,"
        " `_ . : -`)",
    ),
    Key(
        "protocol",
        "string",
        '`"rpc"`',
        "how the target is called: `rpc` (path parameters, `query` and the JSON `body` as"
        " kwargs; the result is a 200 JSON answer) or `http` (the whole request as one HTTP"
        " envelope, the service's whole response back as it made it)",
    ),
    Key(
        "context",
        "list of strings",
        "`[]`",
        "extra `header:<name>` or `cookie:<name>` values passed to the service as Nameko"
        " context data `nameko.<key>`, the key being the name lower-cased with `-` as `_`"
        " (`header:X-Tenant-Id` -> `x_tenant_id`); not one the proxy sets itself"
        f" ({', '.join(f'`{key}`' for key in sorted(RESERVED_KEYS))})",
    ),
    Key(
        "auth",
        "string",
        "none",
        '`"monolith:/path"`: before the service, the monolith gets a GET to that path with the'
        " client's headers (no body) plus `X-Original-Method` and `X-Original-URI`, as nginx's"
        " `auth_request`; a 2xx lets the request through, anything else sends it to the"
        " monolith (`X-Strangler-Backend: monolith; fallback=auth`)",
    ),
    Key(
        "auth_user",
        "string",
        "none",
        "`header:<name>` or `json:<key>` (dots for nested keys): where the auth check's 2xx"
        " answer names the user, passed as `nameko.user_id`; an answer naming none counts as"
        " a refusal (with `auth` only)",
    ),
    Key(
        "max_body",
        "integer or string",
        "none to the monolith, `10MiB` to a service",
        "the largest request body this route takes, in bytes or with a unit (`512KiB`, `10MiB`,"
        " `1GiB`, `5MB`); a larger one is a 413, refused by its `Content-Length` before a byte"
        " is read, or once a chunked body passes it. A body forwarded to the monolith streams"
        " through (never held whole); one for a service is read whole first, as it travels"
        " in one message",
    ),
    Key(
        "write_fallback",
        "boolean",
        "`true`",
        "whether a write (any method but GET/HEAD) the service never received may go to the"
        " monolith instead, the only fallback a write ever gets; `false` once the service owns"
        " the tables the route writes (docs/moving-writes.md): the client then gets the 503,"
        " and the monolith never writes a table it no longer owns (a refused `auth` check"
        " still goes to the monolith, which refuses it too)",
    ),
    Key(
        "timeout",
        "number",
        "`rpc_timeout` / `monolith_timeout`",
        "seconds this route's backend may take (> 0): a service's whole answer; the"
        " monolith's first byte and each wait between chunks (a stream is never cut); how"
        " long a WebSocket passed to the monolith may go without a byte either way",
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
