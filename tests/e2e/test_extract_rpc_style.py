"""The reviews area extracted in the RPC-methods style, end to end on real processes.

`strangler extract --style rpc` writes the reviews' JSON reads as `@rpc` methods next to the
transplanted app (their writes need the session: transplant-only); the package is
backfilled and run with `strangler service`, the proxy sends every route to it in service
mode (the reads by plain RPC, the writes as HTTP envelopes) and each answer is compared with
the monolith's own, errors included.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy
import urllib3
from click.testing import CliRunner
from generated_stack import backfill, run_service, serve_monolith, serve_proxy

from extractor.commands import extract
from legacy_monolith.seed import seed_database
from strangler.processes import ProcessGroup
from strangler_demo.routes import service_mode_routes
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
    backfill(NAME, services_dir, monolith_db, service_db)
    routes = workdir / "routes.toml"
    routes.write_text(
        'monolith = "http://127.0.0.1:1"\n'
        + service_mode_routes(services_dir / NAME / "routes.toml")
    )
    with ProcessGroup(workdir / "logs") as group:
        run_service(group, NAME, services_dir, amqp_uri, service_db)
        monolith_url = serve_monolith(group, monolith_db)
        proxy_url, admin_url = serve_proxy(group, routes, monolith_url, amqp_uri)
        yield Stack(monolith_url, proxy_url, admin_url, monolith_db, services_dir / NAME)


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
