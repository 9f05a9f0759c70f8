"""The progressive modes, end to end: shadow, sticky canary and a bad edit, on the real stack.

The same processes as test_catalog_strangled.py (gunicorn monolith, `nameko
run` catalog service, gunicorn proxy with one worker so /_strangler/stats sees
every request). Each test first rewrites the running proxy's routes file to the
modes it needs and waits until /_strangler/routes shows the change, so the tests
run in any order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import urllib3
from routes_modes import set_routes_mode

from extracted_services.catalog.backfill import backfill_catalog
from legacy_monolith.seed import seed_database
from strangler.processes import ManagedProcess, ProcessGroup
from strangler_demo.stack import RunningStack, sqlite_databases, start_stack
from strangler_proxy.routes_file import load_routes
from strangler_proxy.routing import canary_bucket

pytestmark = pytest.mark.rabbitmq

PRODUCT_RULE = "/api/catalog/products/<int:product_id>"
RELOAD_TIMEOUT = 10.0  # the proxy checks the file's mtime at most once a second
SHADOW_TIMEOUT = 20.0
USERS = [f"user-{number}" for number in range(200)]
T = TypeVar("T")

http = urllib3.PoolManager(maxsize=8, retries=False, timeout=30)


@dataclass(frozen=True)
class Answer:
    status: int
    backend: str
    rule: str
    body: Any


@dataclass
class Stack:
    running: RunningStack
    processes: dict[str, ManagedProcess]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, amqp_uri: str) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("progressive")
    databases = sqlite_databases(workdir)
    seed_database(databases.monolith_url, products=120, users=10, orders=10)
    backfill_catalog(databases.monolith_url, databases.catalog_url)
    with ProcessGroup(workdir / "logs") as group:
        running = start_stack(group, databases, amqp_uri=amqp_uri, workdir=workdir)
        processes = {process.name: process for process in group.processes}
        yield Stack(running, processes)
    still_running = [name for name, process in processes.items() if process.running()]
    assert still_running == [], f"processes outlived the test: {still_running}"


def _get(url: str, headers: dict[str, str] | None = None) -> Answer:
    response = http.request("GET", url, headers=headers, redirect=False)
    return Answer(
        response.status,
        response.headers.get("X-Strangler-Backend", ""),
        response.headers.get("X-Strangler-Route", ""),
        json.loads(response.data),
    )


def _admin(stack: Stack, view: str) -> dict[str, Any]:
    answer = _get(f"{stack.running.admin_url}/_strangler/{view}")
    assert answer.status == 200, answer.body
    body: dict[str, Any] = answer.body
    return body


def _poll(probe: Callable[[], T | None], timeout: float, waiting_for: str) -> T:
    """Call `probe` until it returns something other than None; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {timeout:.0f}s for {waiting_for}")
        time.sleep(0.1)


def _switch(
    stack: Stack, mode: str, *, percent: int | None = None, sticky: str | None = None
) -> None:
    """Rewrite the routes file to `mode` and wait until the running proxy uses it."""
    set_routes_mode(stack.running.routes_path, mode, percent=percent, sticky=sticky)

    def reloaded() -> bool | None:
        view = _admin(stack, "routes")
        shown = {(route["mode"], route["percent"], route["sticky"]) for route in view["routes"]}
        return (
            True if shown == {(mode, percent, sticky)} and not view["last_reload_error"] else None
        )

    _poll(reloaded, RELOAD_TIMEOUT, f"the proxy to reload the routes file in mode {mode!r}")


def _shadow_counts(stack: Stack) -> dict[str, int]:
    route = _admin(stack, "stats")["routes"].get(PRODUCT_RULE, {})
    counts: dict[str, int] = route.get("shadow", {})
    return counts


def _product_ids(stack: Stack, count: int) -> list[int]:
    listing = _get(f"{stack.running.monolith_url}/api/catalog/products?per_page={count}")
    assert listing.status == 200
    return [item["id"] for item in listing.body["items"]]


def _backend_per_user(stack: Stack, url: str, users: list[str]) -> list[Answer]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda user: _get(url, {"X-User-Id": user}), users))


def test_shadow_answers_from_the_monolith_and_compares_with_the_service(stack: Stack) -> None:
    _switch(stack, "shadow")
    product_ids = [*_product_ids(stack, 29), 999_999]
    before = _shadow_counts(stack)

    answers = [
        _get(f"{stack.running.proxy_url}/api/catalog/products/{product_id}")
        for product_id in product_ids
    ]

    assert {(answer.backend, answer.rule) for answer in answers} == {("monolith", PRODUCT_RULE)}
    assert [answer.status for answer in answers] == [200] * 29 + [404]

    def all_compared() -> dict[str, int] | None:
        counts = _shadow_counts(stack)
        done = sum(counts.values()) - sum(before.values())
        return counts if done >= len(product_ids) else None

    after = _poll(all_compared, SHADOW_TIMEOUT, f"{len(product_ids)} shadow comparisons")
    outcomes = {outcome: after[outcome] - before.get(outcome, 0) for outcome in after}
    assert outcomes == {"equal": len(product_ids)}


def test_a_sticky_canary_keeps_each_user_on_one_backend(stack: Stack) -> None:
    _switch(stack, "canary", percent=50, sticky="header:X-User-Id")
    product_id = _product_ids(stack, 1)[0]
    url = f"{stack.running.proxy_url}/api/catalog/products/{product_id}"
    direct = _get(f"{stack.running.monolith_url}/api/catalog/products/{product_id}").body

    rounds = [_backend_per_user(stack, url, USERS) for _ in range(3)]

    per_user = {user: {answers[i].backend for answers in rounds} for i, user in enumerate(USERS)}
    unstable = {user: backends for user, backends in per_user.items() if len(backends) != 1}
    assert unstable == {}
    served = {user: backends.pop() for user, backends in per_user.items()}
    service_share = sum(backend == "service" for backend in served.values()) / len(USERS)
    assert 0.3 <= service_share <= 0.7, f"service answered {service_share:.0%} of users"
    route = next(r for r in load_routes(stack.running.routes_path).routes if r.path == PRODUCT_RULE)
    expected = {
        user: "service" if canary_bucket(route, user) < 50 else "monolith" for user in USERS
    }
    assert served == expected, "the proxy's buckets differ from routing.canary_bucket"
    assert all(answer.body == direct for answers in rounds for answer in answers)


@pytest.mark.parametrize(("percent", "backend"), [(0, "monolith"), (100, "service")])
def test_a_canary_at_the_ends_of_its_range_sends_everyone_one_way(
    stack: Stack, percent: int, backend: str
) -> None:
    _switch(stack, "canary", percent=percent, sticky="header:X-User-Id")
    product_id = _product_ids(stack, 1)[0]

    answers = _backend_per_user(
        stack, f"{stack.running.proxy_url}/api/catalog/products/{product_id}", USERS
    )

    assert {(answer.status, answer.backend) for answer in answers} == {(200, backend)}


def test_a_bad_edit_keeps_the_last_good_table_and_names_the_line(stack: Stack) -> None:
    _switch(stack, "shadow")  # not the table the proxy started with (all "service")
    routes_path = stack.running.routes_path
    good_text = routes_path.read_text()
    bad_text = good_text.replace('mode = "shadow"', 'mdoe = "shadow"', 1)
    bad_line = bad_text.splitlines().index('mdoe = "shadow"') + 1
    product_id = _product_ids(stack, 1)[0]
    url = f"{stack.running.proxy_url}/api/catalog/products/{product_id}"

    routes_path.write_text(bad_text)
    error = _poll(
        lambda: _admin(stack, "routes")["last_reload_error"],
        RELOAD_TIMEOUT,
        "the proxy to report the bad routes file",
    )

    assert error.startswith(f"line {bad_line}: route #1: unknown key 'mdoe'"), error
    assert "did you mean 'mode'?" in error
    modes = {route["mode"] for route in _admin(stack, "routes")["routes"]}
    assert modes == {"shadow"}
    answers = [_get(url) for _ in range(5)]
    assert {(answer.status, answer.backend) for answer in answers} == {(200, "monolith")}

    routes_path.write_text(good_text)
    _switch(stack, "service")
    assert _get(url).backend == "service"
