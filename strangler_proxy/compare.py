"""`strangler compare`: replay requests against the monolith and the proxy, report parity.

Each request goes to the monolith directly and to the proxy; an answer the
proxy did not get from the service (X-Strangler-Backend other than `service`)
proves nothing and counts as "not served by the service". A login request is sent to
both sides and not compared: each side keeps its own session cookies for the requests
after it (one jar per side), so logged-in behaviour is compared too. A write goes through
the proxy first, then to the monolith: when change capture keeps the service's copy in
step with the monolith, the monolith's write would otherwise reach the copy (a deleted
row, a taken id) before the service's own write is made, and the answers differ for that
reason alone. An optional login
whose credentials are not in the environment is skipped with its session, and reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from urllib.parse import urlencode

import urllib3
from urllib3.exceptions import HTTPError

from strangler.errors import StranglerError, UsageError
from strangler_proxy.compare_session import CookieJar, unset_variables, with_environment
from strangler_proxy.parity import IgnoreRules, compare_answers, parse_body
from strangler_proxy.parity_report import (
    ParityReport,
    ReportBuilder,
    SkippedSession,
    format_report,
)
from strangler_proxy.requests_file import Logout, Planned, PlannedRequest
from strangler_proxy.routing import SAFE_METHODS

__all__ = ["CompareTargetUnreachable", "format_report", "run_comparison"]


class CompareTargetUnreachable(UsageError):
    """The monolith or the proxy did not answer at the URL given."""


class LoginFailed(StranglerError):
    """A login step of the requests file was refused by one side."""


def _send(
    pool: urllib3.PoolManager,
    side: str,
    base_url: str,
    planned: PlannedRequest,
    timeout: float,
    jar: CookieJar,
) -> urllib3.BaseHTTPResponse:
    headers = with_environment(dict(planned.headers), planned.line)
    cookie = jar.header()
    if cookie is not None:
        headers["Cookie"] = cookie
    body = None
    if planned.form is not None:
        body = urlencode(with_environment(dict(planned.form), planned.line)).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif planned.has_body:
        body = json.dumps(with_environment(planned.body, planned.line)).encode()
        headers.setdefault("Content-Type", "application/json")
    try:
        return pool.request(
            planned.method,
            base_url.rstrip("/") + planned.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=timeout,
        )
    except HTTPError as exc:
        raise CompareTargetUnreachable(
            f"cannot reach the {side} at {base_url} ({planned.label}): {exc}",
            hint=f"check that the {side} is running and the URL is right",
        ) from exc


def run_comparison(
    monolith_url: str,
    proxy_url: str,
    requests: Sequence[Planned],
    *,
    ignore: Iterable[str] = (),
    timeout: float = 30.0,
) -> ParityReport:
    """Send every request to both sides and build the parity report."""
    rules = IgnoreRules(ignore)
    builder = ReportBuilder(monolith_url, proxy_url)
    pool = urllib3.PoolManager(retries=False)
    jars = {"monolith": CookieJar(), "proxy": CookieJar()}
    skipping: SkippedSession | None = None
    try:
        for planned in requests:
            if isinstance(planned, Logout):
                for jar in jars.values():
                    jar.forget()
                builder.end_skip(skipping)
                skipping = None
                continue
            if skipping is not None:
                skipping.requests += 1
                continue
            if planned.login and planned.optional and (unset := _unset(planned)):
                skipping = SkippedSession(planned.line, tuple(dict.fromkeys(unset)))
                continue
            if planned.method in SAFE_METHODS:
                direct = _send(pool, "monolith", monolith_url, planned, timeout, jars["monolith"])
                proxied = _send(pool, "proxy", proxy_url, planned, timeout, jars["proxy"])
            else:  # the service first: see the module's docstring
                proxied = _send(pool, "proxy", proxy_url, planned, timeout, jars["proxy"])
                direct = _send(pool, "monolith", monolith_url, planned, timeout, jars["monolith"])
            if planned.login:
                _log_in(planned, {"monolith": direct, "proxy": proxied}, jars)
                continue
            endpoint = proxied.headers.get("X-Strangler-Route") or planned.path.split("?", 1)[0]
            backend = proxied.headers.get("X-Strangler-Backend", "(no X-Strangler-Backend)")
            if backend != "service":
                builder.not_served(endpoint, f"{planned.label} -> {backend}")
                continue
            comparison = compare_answers(
                direct.status,
                parse_body(direct.data),
                proxied.status,
                parse_body(proxied.data),
                rules,
            )
            builder.compared(endpoint, planned.label, comparison)
    finally:
        pool.clear()
    builder.end_skip(skipping)
    return builder.build()


def _unset(planned: PlannedRequest) -> list[str]:
    body = planned.body if planned.has_body else None
    return unset_variables([dict(planned.headers), body, planned.form])


def _log_in(
    planned: PlannedRequest,
    answers: dict[str, urllib3.BaseHTTPResponse],
    jars: dict[str, CookieJar],
) -> None:
    """Keep each side's session cookies; a refused login stops the comparison."""
    for side, answer in answers.items():
        if answer.status >= 400:
            raise LoginFailed(
                f"the login on line {planned.line} ({planned.label}) was refused by the"
                f" {side}: HTTP {answer.status}",
                hint="check the credentials the requests file reads from the environment",
            )
        jars[side].keep(answer.headers.getlist("Set-Cookie"))
