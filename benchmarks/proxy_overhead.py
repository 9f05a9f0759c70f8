"""What the strangler proxy costs: the same requests sent to the monolith directly and through it.

Builds the demo's real stack (seeded SQLite monolith, backfilled catalog
service on RabbitMQ, gunicorn proxy) in a temporary directory, then for each
scenario sends the same paths to a baseline and through the proxy, in
alternating rounds (direct, proxied, proxied, direct, ...) so drift on a busy
machine hits both sides alike. Each client thread keeps one keep-alive
connection. Figures are ratios proxied / direct, measured in this one run.

    .venv/bin/python benchmarks/proxy_overhead.py [--requests 500] [--clients 4]

Exit status: 0 when every scenario was measured, 1 when a response was not the
expected one (e.g. the proxy fell back to the monolith), 2 when the stack
cannot start (RabbitMQ down, a process failing).
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy

from extracted_services.catalog.backfill import backfill_catalog
from legacy_monolith.seed import seed_database
from strangler.broker import given_or_temporary_vhost
from strangler.errors import StranglerError
from strangler.processes import ProcessGroup
from strangler_demo.stack import RunningStack, sqlite_databases, start_stack

CATALOG_QUEUE = "rpc-catalog"
SEED = {"products": 1000, "users": 100, "orders": 100}
ROUNDS = 4
PRODUCT_IDS_USED = 200
LIST_PAGES = 10


class BenchmarkFailed(StranglerError):
    """A response was not what the scenario measures, so its figures would lie."""


class StackUnavailable(StranglerError):
    """The stack could not be started."""

    exit_code = 2


@dataclass(frozen=True)
class Scenario:
    """One kind of request: its paths (rotated), who should answer it, how many clients."""

    name: str
    paths: tuple[str, ...]
    proxied_backend: str
    clients: int


@dataclass(frozen=True)
class Timing:
    """Latencies (seconds) of one side of a scenario and the wall time they took."""

    latencies: tuple[float, ...]
    wall_seconds: float

    def percentile_ms(self, fraction: float) -> float:
        return percentile(sorted(self.latencies), fraction) * 1000

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall_seconds


@dataclass(frozen=True)
class Comparison:
    scenario: Scenario
    direct: Timing
    proxied: Timing

    def ratio(self, fraction: float) -> float:
        return self.proxied.percentile_ms(fraction) / self.direct.percentile_ms(fraction)

    @property
    def throughput_ratio(self) -> float:
        return self.proxied.throughput / self.direct.throughput

    def verdict(self) -> str:
        added = self.proxied.percentile_ms(0.5) - self.direct.percentile_ms(0.5)
        return (
            f"{self.scenario.name}: through the proxy ({self.scenario.proxied_backend}) each"
            f" request takes {added:+.2f} ms at p50 ({self.ratio(0.5):.2f}x), and the proxy"
            f" sustains {self.throughput_ratio:.0%} of the direct throughput"
        )


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence."""
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _merge(timings: Sequence[Timing]) -> Timing:
    return Timing(
        latencies=tuple(latency for timing in timings for latency in timing.latencies),
        wall_seconds=sum(timing.wall_seconds for timing in timings),
    )


class _Client:
    """One keep-alive HTTP connection that checks every answer."""

    def __init__(self, base_url: str, backend: str | None) -> None:
        parts = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self._base_url = base_url
        self._backend = backend

    def get(self, path: str) -> None:
        self._connection.request("GET", path)
        response = self._connection.getresponse()
        response.read()
        backend = response.getheader("X-Strangler-Backend")
        if response.status != 200 or (self._backend is not None and backend != self._backend):
            raise BenchmarkFailed(
                f"GET {self._base_url}{path} answered {response.status} from backend"
                f" {backend!r}; expected 200 from {self._backend or 'the monolith'}"
            )

    def close(self) -> None:
        self._connection.close()


def run_clients(
    base_url: str, paths: Sequence[str], count: int, clients: int, backend: str | None
) -> Timing:
    """Send `count` GETs over `clients` threads (one connection each) and time every one."""
    connections = [_Client(base_url, backend) for _ in range(clients)]
    for client in connections:  # opens the connection outside the timed part
        client.get(paths[0])
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[Exception] = []
    start = threading.Barrier(clients + 1)

    def work(index: int) -> None:
        client, times = connections[index], latencies[index]
        start.wait()
        try:
            for n in range(index, count, clients):
                begun = time.perf_counter()
                client.get(paths[n % len(paths)])
                times.append(time.perf_counter() - begun)
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    begun = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begun
    for client in connections:
        client.close()
    if failures:
        raise failures[0]
    return Timing(tuple(latency for times in latencies for latency in times), wall)


def compare(stack: RunningStack, scenario: Scenario, *, requests: int, warmup: int) -> Comparison:
    """Warm both sides up, then measure them in alternating rounds."""
    sides = {
        "direct": (stack.monolith_url, None),
        "proxied": (stack.proxy_url, scenario.proxied_backend),
    }
    for url, backend in sides.values():
        run_clients(url, scenario.paths, warmup, scenario.clients, backend)
    measured: dict[str, list[Timing]] = {"direct": [], "proxied": []}
    per_round = max(1, requests // ROUNDS)
    for round_number in range(ROUNDS):
        order = ("direct", "proxied") if round_number % 2 == 0 else ("proxied", "direct")
        for side in order:
            url, backend = sides[side]
            measured[side].append(
                run_clients(url, scenario.paths, per_round, scenario.clients, backend)
            )
    return Comparison(scenario, _merge(measured["direct"]), _merge(measured["proxied"]))


def scenarios(product_ids: Sequence[int], clients: int) -> list[Scenario]:
    ids = list(product_ids)[:PRODUCT_IDS_USED]
    stock = tuple(f"/api/inventory/stock/{i}" for i in ids)
    product = tuple(f"/api/catalog/products/{i}" for i in ids)
    listing = tuple(
        f"/api/catalog/products?page={page}&per_page=20&sort={sort}"
        for page in range(1, LIST_PAGES + 1)
        for sort in ("name", "-price")
    )
    return [
        Scenario("forward /healthz", ("/healthz",), "monolith", 1),
        Scenario("forward stock/<id>", stock, "monolith", 1),
        Scenario("catalog product/<id>", product, "service", 1),
        Scenario("catalog product list", listing, "service", 1),
        Scenario(f"forward stock/<id> x{clients}", stock, "monolith", clients),
        Scenario(f"catalog product/<id> x{clients}", product, "service", clients),
    ]


def format_table(comparisons: Sequence[Comparison]) -> str:
    header = (
        f"{'scenario':<26} {'direct p50/p95 ms':>18} {'proxied p50/p95 ms':>19}"
        f" {'ratio p50':>9} {'ratio p95':>9} {'req/s direct/proxied':>21} {'tput ratio':>10}"
    )
    lines = [header, "-" * len(header)]
    for c in comparisons:
        direct = f"{c.direct.percentile_ms(0.5):.2f}/{c.direct.percentile_ms(0.95):.2f}"
        proxied = f"{c.proxied.percentile_ms(0.5):.2f}/{c.proxied.percentile_ms(0.95):.2f}"
        rates = f"{c.direct.throughput:.0f}/{c.proxied.throughput:.0f}"
        lines.append(
            f"{c.scenario.name:<26} {direct:>18} {proxied:>19} {c.ratio(0.5):>8.2f}x"
            f" {c.ratio(0.95):>8.2f}x {rates:>21} {c.throughput_ratio:>9.2f}x"
        )
    return "\n".join(lines)


def active_product_ids(database_url: str) -> list[int]:
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = sqlalchemy.text("SELECT id FROM products WHERE is_active ORDER BY id")
            return [row[0] for row in connection.execute(query)]
    finally:
        engine.dispose()


def run(requests: int, warmup: int, clients: int) -> list[Comparison]:
    with (
        given_or_temporary_vhost("strangler-bench") as amqp_uri,
        tempfile.TemporaryDirectory(prefix="strangler-bench-") as tmp,
    ):
        workdir = Path(tmp)
        databases = sqlite_databases(workdir)
        seed_database(databases.monolith_url, **SEED)
        backfill_catalog(databases.monolith_url, databases.catalog_url)
        product_ids = active_product_ids(databases.monolith_url)
        with ProcessGroup(workdir / "logs") as group:
            try:
                stack = start_stack(group, databases, amqp_uri=amqp_uri, workdir=workdir)
            except StranglerError as exc:
                raise StackUnavailable(f"the stack did not start: {exc}") from exc
            print(
                f"stack up: monolith {stack.monolith_url}, proxy {stack.proxy_url};"
                f" {requests} requests per side per scenario, warm-up {warmup}",
                flush=True,
            )
            comparisons = []
            for scenario in scenarios(product_ids, clients):
                comparisons.append(compare(stack, scenario, requests=requests, warmup=warmup))
                print(f"  measured {scenario.name}", flush=True)
            return comparisons


def _positive(text: str) -> int:
    if not text.isdigit() or (value := int(text)) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=_positive, default=500, help="per side per scenario")
    parser.add_argument("--warmup", type=_positive, default=50, help="unmeasured, per side")
    parser.add_argument("--clients", type=_positive, default=4, help="threads, concurrent rows")
    args = parser.parse_args(argv)
    try:
        comparisons = run(args.requests, args.warmup, args.clients)
    except StranglerError as exc:
        print(f"proxy_overhead: {exc}", file=sys.stderr)
        return exc.exit_code
    print()
    print(format_table(comparisons))
    print()
    for comparison in comparisons:
        print(comparison.verdict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
