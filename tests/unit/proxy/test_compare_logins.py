"""`strangler compare` over real HTTP: form-encoded credentials from the environment,
optional logins skipped with their session when the credentials are not set, and the order
each request reaches the two sides."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask, Response, request, session
from werkzeug.serving import make_server

from strangler_proxy.compare import run_comparison
from strangler_proxy.parity_report import format_report
from strangler_proxy.requests_file import RequestsFileError, parse_requests

ARRIVALS: list[tuple[str, str, str]] = []  # (backend, method, path), as the apps saw them


def _shop(backend: str) -> Flask:
    """A form login and a page only a logged-in user sees; `backend` is what the proxy's
    X-Strangler-Backend header would say."""
    app = Flask(__name__)
    app.secret_key = "test"
    seen_forms: list[dict[str, str]] = []
    app.config["SEEN_FORMS"] = seen_forms

    @app.post("/login")
    def login() -> Response | tuple[str, int]:
        seen_forms.append(dict(request.form))
        if request.form.get("password") != "s3cret":
            return "no", 401
        session["user"] = request.form["email"]
        return Response("ok")

    @app.get("/me")
    def me() -> tuple[dict[str, str], int]:
        return ({"user": session["user"]}, 200) if "user" in session else ({}, 401)

    @app.post("/note")
    def note() -> dict[str, str]:
        return {"noted": "yes"}

    @app.before_request
    def arrive() -> None:
        ARRIVALS.append((backend, request.method, request.path))

    @app.after_request
    def mark(response: Response) -> Response:
        response.headers["X-Strangler-Backend"] = backend
        return response

    return app


@pytest.fixture
def sides() -> Iterator[tuple[str, str, Flask]]:
    monolith, proxy = _shop("monolith"), _shop("service")
    servers = [make_server("127.0.0.1", 0, app, threaded=True) for app in (monolith, proxy)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://127.0.0.1:{server.server_port}" for server in servers]
    yield urls[0], urls[1], proxy
    for server in servers:
        server.shutdown()
        server.server_close()


LOGIN = (
    '{"login": true, "optional": true, "method": "POST", "path": "/login",'
    ' "form": {"email": "${SHOP_EMAIL}", "password": "${SHOP_PASSWORD}"}}'
)


def test_a_form_login_sends_the_credentials_form_encoded_and_keeps_the_session(
    sides: tuple[str, str, Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monolith, proxy, proxy_app = sides
    monkeypatch.setenv("SHOP_EMAIL", "ann@example.com")
    monkeypatch.setenv("SHOP_PASSWORD", "s3cret")

    report = run_comparison(monolith, proxy, parse_requests(f"{LOGIN}\nGET /me\n"))

    assert proxy_app.config["SEEN_FORMS"] == [{"email": "ann@example.com", "password": "s3cret"}]
    assert report.ok, format_report(report)
    assert report.compared == 1  # /me, logged in on both sides (200 with the same user)
    assert report.skipped == ()


def test_an_optional_login_without_its_variables_is_skipped_with_its_session(
    sides: tuple[str, str, Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monolith, proxy, proxy_app = sides
    monkeypatch.delenv("SHOP_EMAIL", raising=False)
    monkeypatch.setenv("SHOP_PASSWORD", "s3cret")
    text = f'GET /me\n{LOGIN}\nGET /me\nGET /me?again=1\n{{"logout": true}}\nGET /me\n'

    report = run_comparison(monolith, proxy, parse_requests(text))

    assert proxy_app.config["SEEN_FORMS"] == []  # the login was never sent
    assert report.compared == 2  # the anonymous /me before the login and after the logout
    assert [(s.line, s.unset, s.requests) for s in report.skipped] == [(2, ("SHOP_EMAIL",), 2)]
    assert "set SHOP_EMAIL to compare them" in format_report(report)
    assert report.to_dict()["skipped"] == [{"line": 2, "unset": ["SHOP_EMAIL"], "requests": 2}]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"method": "POST", "path": "/l", "optional": true}', '"optional" applies to a login'),
        ('{"method": "POST", "path": "/l", "form": {"a": 1}}', '"form" must be an object'),
        ('{"method": "POST", "path": "/l", "form": {}, "body": {}}', "not both"),
    ],
)
def test_bad_login_lines_are_refused(line: str, reason: str) -> None:
    with pytest.raises(RequestsFileError, match=reason):
        parse_requests(line)


def test_reads_reach_the_monolith_first_and_writes_the_service_first(
    sides: tuple[str, str, Flask],
) -> None:
    """A service whose copy the monolith's changes keep fresh must make its own write
    before the monolith's reaches it."""
    monolith, proxy, _ = sides
    ARRIVALS.clear()

    report = run_comparison(monolith, proxy, parse_requests("GET /me\nPOST /note\n"))

    assert report.compared == 2
    assert ARRIVALS == [
        ("monolith", "GET", "/me"),
        ("service", "GET", "/me"),
        ("service", "POST", "/note"),
        ("monolith", "POST", "/note"),
    ]
