"""Two areas of the sample monolith extracted with generated code only, end to end.

`strangler extract` writes the `reviews` and `shipping` areas as service packages named
unlike their blueprints; each is backfilled and run with the `strangler service` commands
on the real broker, the proxy sends their routes to them (service mode, HTTP envelope) and
every request is compared with the monolith's own answer. The requests are chosen from the
seeded database: reviewed, unreviewed, inactive and unknown products, bad pagination, and
anonymous calls to login-protected routes.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy
import urllib3
from click.testing import CliRunner
from generated_stack import backfill, run_service, serve_monolith, serve_proxy
from waiting import wait_until

from extractor.commands import extract
from legacy_monolith.seed import seed_database
from strangler.processes import ProcessGroup
from strangler_demo.routes import service_mode_routes
from strangler_demo.stack import START_TIMEOUT, strangler_argv
from strangler_proxy.compare import format_report, run_comparison
from strangler_proxy.requests_file import PlannedRequest, parse_requests

pytestmark = pytest.mark.rabbitmq

ROOT = Path(__file__).resolve().parents[2]
AREAS = {"shop_reviews": "reviews", "shop_shipping": "shipping"}  # service -> blueprint


@dataclass
class Stack:
    monolith_url: str
    proxy_url: str
    database_url: str
    services_dir: Path


def _extract_all(services_dir: Path, monolith_db: str) -> None:
    for name, blueprint in AREAS.items():
        result = CliRunner().invoke(
            extract,
            [str(ROOT / "legacy_monolith"), "--service", name, "--blueprint", blueprint,
             "--into", str(services_dir), "--database-url", monolith_db],
        )  # fmt: skip
        assert result.exit_code == 0, result.output


def _routes_file(services_dir: Path, workdir: Path) -> Path:
    """Both generated routes files as one, every route switched to service mode."""
    for name in AREAS:
        generated = tomllib.loads((services_dir / name / "routes.toml").read_text())
        assert {route["mode"] for route in generated["route"]} == {"shadow"}  # as generated
    parts = ['monolith = "http://127.0.0.1:1"']  # the command line names the real one
    parts += [service_mode_routes(services_dir / name / "routes.toml") for name in AREAS]
    path = workdir / "routes.toml"
    path.write_text("\n".join(parts))
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("extracted")
    services_dir = workdir / "services"
    services_dir.mkdir()
    monolith_db = f"sqlite:///{workdir / 'monolith.sqlite3'}"
    seed_database(monolith_db, products=120, users=20, orders=30)
    _extract_all(services_dir, monolith_db)
    with ProcessGroup(workdir / "logs") as group:
        for name in AREAS:
            service_db = f"sqlite:///{workdir / name}.sqlite3"
            backfill(name, services_dir, monolith_db, service_db)
            install = subprocess.run(
                strangler_argv("sync", "install", name, "--services-dir", str(services_dir),
                               "--database-url", monolith_db, "--amqp-uri", amqp_uri),
                capture_output=True, text=True, timeout=START_TIMEOUT, cwd=workdir,
            )  # fmt: skip
            assert install.returncode == 0, install.stderr
            run_service(group, name, services_dir, amqp_uri, service_db)
        group.start(
            "relay",
            strangler_argv("sync", "run", "--database-url", monolith_db, "--amqp-uri", amqp_uri,
                           "--poll-interval", "0.1"),
        )  # fmt: skip
        monolith_url = serve_monolith(group, monolith_db)
        routes = _routes_file(services_dir, workdir)
        proxy_url, _ = serve_proxy(group, routes, monolith_url, amqp_uri)
        yield Stack(monolith_url, proxy_url, monolith_db, services_dir)


def _ids(database_url: str, query: str) -> list[int]:
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(sqlalchemy.text(query))]
    engine.dispose()
    return ids


def test_generated_services_answer_like_the_monolith(stack: Stack) -> None:
    reviewed = _ids(
        stack.database_url,
        "SELECT DISTINCT r.product_id FROM reviews r JOIN products p ON p.id = r.product_id"
        " WHERE p.is_active ORDER BY r.product_id LIMIT 8",
    )
    unreviewed = _ids(
        stack.database_url,
        "SELECT id FROM products WHERE is_active AND id NOT IN (SELECT product_id FROM reviews)"
        " ORDER BY id LIMIT 3",
    )
    inactive = _ids(stack.database_url, "SELECT id FROM products WHERE NOT is_active LIMIT 3")
    shipments = _ids(stack.database_url, "SELECT id FROM shipments ORDER BY id LIMIT 3")
    review_ids = _ids(stack.database_url, "SELECT id FROM reviews ORDER BY id LIMIT 2")
    assert reviewed and unreviewed and inactive and shipments and review_ids
    unknown = 10**6
    lines = [
        "GET /api/shipping/rates",
        *(f"GET /api/reviews/product/{i}" for i in [*reviewed, *unreviewed, *inactive, unknown]),
        *(f"GET /api/reviews/summary/{i}" for i in [*reviewed, *inactive, unknown]),
        f"GET /api/reviews/product/{reviewed[0]}?per_page=2&page=2",
        f"GET /api/reviews/product/{reviewed[0]}?per_page=0",
        f"GET /api/reviews/product/{reviewed[0]}?page=x",
        "GET /api/reviews/summary/99999999999999999999",
        *(f"GET /api/shipping/shipments/{i}" for i in [*shipments, unknown]),
        *(f"POST /api/shipping/shipments/{i}/dispatch" for i in shipments[:1]),
        *(f"DELETE /api/reviews/{i}" for i in review_ids),
        json.dumps({"method": "POST", "path": f"/api/reviews/product/{reviewed[0]}", "body": {}}),
    ]

    report = run_comparison(stack.monolith_url, stack.proxy_url, parse_requests("\n".join(lines)))

    assert report.ok, format_report(report)
    assert report.compared == len(lines)


@pytest.mark.parametrize("name", sorted(AREAS))
def test_the_generated_parity_requests_pass(
    stack: Stack, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logged in too: the generated file logs in through the monolith's login route with the
    credentials it reads from STRANGLER_LOGIN_* (a seeded customer's here)."""
    monkeypatch.setenv("STRANGLER_LOGIN_EMAIL", "user1@example.com")
    monkeypatch.setenv("STRANGLER_LOGIN_PASSWORD", "password1")
    text = (stack.services_dir / name / "parity-requests.txt").read_text()
    requests = parse_requests(text, name)
    assert len(requests) >= 8  # every route, with real and unknown ids
    logins = [r for r in requests if isinstance(r, PlannedRequest) and r.login]
    # only shipping has guarded reads (GET /shipments/<id> is login_required)
    assert [r.path for r in logins] == (["/api/accounts/login"] if name == "shop_shipping" else [])

    report = run_comparison(stack.monolith_url, stack.proxy_url, requests)

    assert report.ok, format_report(report)
    assert report.skipped == ()
    sent = [r for r in requests if isinstance(r, PlannedRequest) and not r.login]
    assert report.compared == len(sent)


def _write_keys(stack: Stack) -> int:
    """How many keyed writes the generated reviews service has applied so far."""
    service_db = f"sqlite:///{stack.services_dir.parent / 'shop_reviews.sqlite3'}"
    engine = sqlalchemy.create_engine(service_db)
    with engine.connect() as connection:
        if not sqlalchemy.inspect(connection).has_table("strangler_idempotency"):
            return 0
        count = connection.execute(
            sqlalchemy.text("SELECT COUNT(*) FROM strangler_idempotency")
        ).scalar_one()
    engine.dispose()
    return int(count)


def test_logged_in_calls_answer_like_the_monolith(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logged in as a seeded customer (user1, id 2): its own and others' shipments, deleting
    its own review (applied on each side's own database) and someone else's, then logged out."""
    monkeypatch.setenv("PARITY_EMAIL", "user1@example.com")
    monkeypatch.setenv("PARITY_PASSWORD", "password1")
    own_shipments = _ids(
        stack.database_url,
        "SELECT s.id FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.user_id = 2",
    )
    other_shipments = _ids(
        stack.database_url,
        "SELECT s.id FROM shipments s JOIN orders o ON o.id = s.order_id WHERE o.user_id <> 2"
        " ORDER BY s.id LIMIT 2",
    )
    own_review = _ids(stack.database_url, "SELECT id FROM reviews WHERE user_id = 2 LIMIT 1")
    other_review = _ids(stack.database_url, "SELECT id FROM reviews WHERE user_id <> 2 LIMIT 1")
    assert other_shipments and other_review
    login = {
        "login": True,
        "method": "POST",
        "path": "/api/accounts/login",
        "body": {"email": "${PARITY_EMAIL}", "password": "${PARITY_PASSWORD}"},
    }
    lines = [
        json.dumps(login),
        *(f"GET /api/shipping/shipments/{i}" for i in [*own_shipments, *other_shipments]),
        *(f"DELETE /api/reviews/{i}" for i in [*other_review, *own_review, *own_review]),
        '{"logout": true}',
        *(f"GET /api/shipping/shipments/{i}" for i in own_shipments[:1] or other_shipments),
    ]

    keys_before = _write_keys(stack)
    report = run_comparison(stack.monolith_url, stack.proxy_url, parse_requests("\n".join(lines)))

    assert report.ok, format_report(report)
    assert report.compared == len(lines) - 2  # the login and logout steps are not compared
    # the generated service applied each write under the proxy's idempotency key
    assert _write_keys(stack) == keys_before + 3  # the three DELETEs, each its own key


def test_a_review_written_in_the_monolith_is_soon_served_by_the_generated_service(
    stack: Stack,
) -> None:
    """The monolith keeps the writes; change capture brings each one to the service's copy
    (the case that answered 404 before sync existed)."""
    product = _ids(
        stack.database_url, "SELECT id FROM products WHERE is_active ORDER BY id DESC LIMIT 1"
    )[0]
    pool = urllib3.PoolManager(retries=False)
    login = pool.request(
        "POST",
        f"{stack.monolith_url}/api/accounts/login",
        json={"email": "user2@example.com", "password": "password2"},
    )
    assert login.status == 200
    cookie = login.headers["Set-Cookie"].split(";", 1)[0]
    created = pool.request(
        "POST",
        f"{stack.monolith_url}/api/reviews/product/{product}",
        json={"rating": 4, "title": "Arrived by sync", "body": "via the relay"},
        headers={"Cookie": cookie},
    )
    assert created.status == 201, created.data
    review_id = json.loads(created.data)["id"]

    def served() -> bool:
        answer = pool.request("GET", f"{stack.proxy_url}/api/reviews/product/{product}")
        items = json.loads(answer.data).get("items", [])
        assert answer.headers["X-Strangler-Backend"] == "service"
        return any(item["id"] == review_id for item in items)

    assert wait_until(served, timeout=15), "the new review never reached the service's copy"
