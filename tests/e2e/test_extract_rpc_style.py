"""The reviews area extracted in the RPC-methods style, end to end on real processes.

`strangler extract --style rpc` writes the reviews' JSON reads as `@rpc` methods next to the
transplanted app (their writes need the session: transplant-only); the package is
backfilled and run with `strangler service`, the proxy sends every route to it in service
mode (the reads by plain RPC, the writes as HTTP envelopes) and each answer is compared with
the monolith's own, errors included.
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

from extractor.commands import extract
from legacy_monolith.seed import seed_database
from strangler.processes import ProcessGroup, free_port, http_ok, rpc_consumer_ready
from strangler_demo.routes import service_mode_routes
from strangler_demo.stack import START_TIMEOUT, strangler_argv
from strangler_proxy.compare import format_report, run_comparison
from strangler_proxy.requests_file import parse_requests

pytestmark = pytest.mark.rabbitmq

ROOT = Path(__file__).resolve().parents[2]
NAME = "reviews_rpc"


@dataclass
class Stack:
    monolith_url: str
    proxy_url: str
    admin_url: str
    database_url: str
    package: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("rpc-style")
    services_dir = workdir / "services"
    monolith_db = f"sqlite:///{workdir / 'monolith.sqlite3'}"
    seed_database(monolith_db, products=60, users=10, orders=10)
    result = CliRunner().invoke(
        extract,
        [str(ROOT / "legacy_monolith"), "--service", NAME, "--blueprint", "reviews",
         "--into", str(services_dir), "--database-url", monolith_db, "--style", "rpc"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    service_db = f"sqlite:///{workdir / NAME}.sqlite3"
    backfill = subprocess.run(
        strangler_argv("service", "backfill", NAME, "--services-dir", str(services_dir),
                       "--from-url", monolith_db, "--to-url", service_db),
        capture_output=True, text=True, timeout=START_TIMEOUT, cwd=workdir,
    )  # fmt: skip
    assert backfill.returncode == 0, backfill.stderr
    routes = workdir / "routes.toml"
    routes.write_text(
        'monolith = "http://127.0.0.1:1"\n'
        + service_mode_routes(services_dir / NAME / "routes.toml")
    )
    with ProcessGroup(workdir / "logs") as group:
        service = group.start(
            NAME,
            strangler_argv("service", "run", NAME, "--services-dir", str(services_dir),
                           "--amqp-uri", amqp_uri, "--database-url", service_db),
        )  # fmt: skip
        service.wait_ready(rpc_consumer_ready(amqp_uri, NAME), START_TIMEOUT)
        monolith_port, proxy_port, admin_port = free_port(), free_port(), free_port()
        monolith_url = f"http://127.0.0.1:{monolith_port}"
        monolith = group.start(
            "monolith",
            strangler_argv("monolith", "serve", "--port", str(monolith_port),
                           "--database-url", monolith_db, "--workers", "1"),
        )  # fmt: skip
        monolith.wait_ready(http_ok(f"{monolith_url}/healthz"), START_TIMEOUT)
        admin_url = f"http://127.0.0.1:{admin_port}"
        proxy = group.start(
            "proxy",
            strangler_argv("proxy", "--routes", str(routes), "--monolith", monolith_url,
                           "--amqp-uri", amqp_uri, "--port", str(proxy_port),
                           "--admin-port", str(admin_port), "--workers", "1"),
        )  # fmt: skip
        proxy.wait_ready(http_ok(f"{admin_url}/_strangler/health"), START_TIMEOUT)
        yield Stack(
            monolith_url, f"http://127.0.0.1:{proxy_port}", admin_url, monolith_db,
            services_dir / NAME,
        )  # fmt: skip


def _product_ids(database_url: str, where: str) -> list[int]:
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        query = f"SELECT id FROM products WHERE {where} ORDER BY id LIMIT 3"
        ids = [row[0] for row in connection.execute(sqlalchemy.text(query))]
    engine.dispose()
    return ids


def test_the_json_reads_are_rpc_methods_and_the_writes_stay_envelopes(stack: Stack) -> None:
    routes = tomllib.loads((stack.package / "routes.toml").read_text())["route"]
    by_route = {(r["path"], r["methods"][0]): (r["target"], r["protocol"]) for r in routes}
    assert by_route == {
        ("/api/reviews/product/<int:product_id>", "GET"): (f"{NAME}.list_reviews", "rpc"),
        ("/api/reviews/summary/<int:product_id>", "GET"): (f"{NAME}.summary", "rpc"),
        ("/api/reviews/product/<int:product_id>", "POST"): (f"{NAME}.http", "http"),
        ("/api/reviews/<int:review_id>", "DELETE"): (f"{NAME}.http", "http"),
    }
    readme = (stack.package / "README.md").read_text()
    assert "guarded by `legacy_monolith.helpers:login_required`" in readme
    # the proxy's live table sends the reads by plain RPC
    table = json.loads(urllib3.request("GET", f"{stack.admin_url}/_strangler/routes").data)
    live = {r["path"]: r for r in table["routes"] if "GET" in r["methods"]}
    summary = live["/api/reviews/summary/<int:product_id>"]
    assert (summary["target"], summary["protocol"], summary["mode"]) == (
        f"{NAME}.summary", "rpc", "service",
    )  # fmt: skip


def test_the_generated_parity_requests_pass(stack: Stack) -> None:
    requests = parse_requests((stack.package / "parity-requests.txt").read_text(), NAME)

    report = run_comparison(stack.monolith_url, stack.proxy_url, requests)

    assert report.ok, format_report(report)
    assert report.compared >= 8


def test_rpc_answers_and_error_answers_are_the_monolith_s(stack: Stack) -> None:
    """Found, empty, inactive and unknown products, bad paging: 200s and the app's own 400
    and 404 bodies, each answered by the service."""
    active = _product_ids(stack.database_url, "is_active")
    inactive = _product_ids(stack.database_url, "NOT is_active")
    assert active and inactive
    paths = [
        *(f"/api/reviews/product/{i}" for i in [*active, *inactive, 10**6]),
        *(f"/api/reviews/summary/{i}" for i in [*active, *inactive, 10**6]),
        f"/api/reviews/product/{active[0]}?per_page=2&page=2",
        f"/api/reviews/product/{active[0]}?per_page=0",
        f"/api/reviews/product/{active[0]}?page=x",
    ]

    report = run_comparison(
        stack.monolith_url, stack.proxy_url, parse_requests("\n".join(f"GET {p}" for p in paths))
    )

    assert report.ok, format_report(report)
    assert report.compared == len(paths)
    unknown = urllib3.request("GET", f"{stack.proxy_url}/api/reviews/summary/{10**6}")
    assert unknown.status == 404
    assert unknown.headers["X-Strangler-Backend"] == "service"
    assert json.loads(unknown.data) == {
        "error": {"code": "not_found", "message": f"product {10**6} not found"}
    }
