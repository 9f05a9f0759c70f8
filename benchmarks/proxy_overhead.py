"""What the strangler proxy costs: the same requests sent to the monolith directly and through it.

Builds the demo's real stack (seeded SQLite monolith, backfilled catalog
service on RabbitMQ, gunicorn proxy) in a temporary directory. Two parts:

- rounds: for each scenario, the same paths to a baseline and through the
  proxy in alternating rounds (direct, proxied, proxied, direct, ...), each
  client thread on one keep-alive `http.client` connection;
- load (with `wrk` installed): `wrk` at one and at 8 connections, 3 runs of 10 s
  per side, the sides interleaved in every run, medians: a forwarded endpoint
  directly, through nginx (when installed: a minimal keep-alive reverse proxy to
  the same monolith) and through the proxy; a service-routed read directly (the
  monolith answering it), through the proxy, and from the proxy's own AMQP client
  without HTTP at the same concurrency. Ratios against the issue's goals.

Figures are ratios measured in this one run.

    .venv/bin/python benchmarks/proxy_overhead.py [--quick] [--requests 500] [--clients 4]
        [--wrk-seconds 10] [--wrk-runs 3] [--connections 8] [--skip-rounds] [--skip-load]

Exit status: 0 when every scenario was measured, 1 when a response was not the
expected one (e.g. the proxy fell back to the monolith), 2 when the stack
cannot start (RabbitMQ down, a process failing).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import sqlalchemy
import uvloop

from strangler.errors import StranglerError
from strangler.processes import ProcessGroup, free_port, http_ok
from strangler_demo.seeded_stack import StackUnavailable, seeded_stack
from strangler_demo.stack import RunningStack
from strangler_proxy.backends.loop_rpc import Failure, LoopRpc
from strangler_proxy.rpc_client import CALLER_NAME

CATALOG_QUEUE = "rpc-catalog"
SEED = {"products": 1000, "users": 100, "orders": 100}
ROUNDS = 4
PRODUCT_IDS_USED = 200
LIST_PAGES = 10


class BenchmarkFailed(StranglerError):
    """A response was not what the scenario measures, so its figures would lie."""


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

    wall = run_together(work, clients, start)
    for client in connections:
        client.close()
    if failures:
        raise failures[0]
    return Timing(tuple(latency for times in latencies for latency in times), wall)


def run_together(work: Callable[[int], None], count: int, start: threading.Barrier) -> float:
    """Run `work(index)` on `count` threads that each wait on `start` (of count + 1 parties,
    the last this thread); the seconds from their release until the last one ended."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    start.wait()
    begun = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - begun


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


# ---- load: wrk against direct, nginx and the proxy; the proxy's AMQP client alone ----

WRK_READY_LINE = "strangler-wrk"
FALLBACK_SHARE = 0.01  # of a load run's service-routed answers that may come from the monolith
# wrk's Lua: rotate over the paths; at the end print the figures on one line
WRK_SCRIPT = """
local paths = {%(paths)s}
local n = 0
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%(marker)s %%f %%f %%f %%f %%f %%f\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
NGINX_CONF = """
worker_processes 1;
error_log logs/error.log warn;
pid nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    upstream monolith {{
        server {monolith};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://monolith;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_max_temp_file_size 0;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class LoadSettings:
    seconds: int
    runs: int
    connections: int


@dataclass(frozen=True)
class Load:
    """One timed run under load: answers, wall seconds, median and 99th percentile latency."""

    answered: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds


Measure = Callable[[int], Load]  # run for this many seconds


@dataclass(frozen=True)
class LoadRow:
    """One kind of request under load: every run of every side (runs interleaved)."""

    name: str
    runs: dict[str, tuple[Load, ...]]

    def median(self, side: str, figure: Callable[[Load], float]) -> float:
        return statistics.median(figure(load) for load in self.runs[side])

    def per_run(
        self, side: str, baseline: str, compare: Callable[[Load, Load], float]
    ) -> list[float]:
        """`compare(side's run, baseline's run)` for each run (measured back to back)."""
        return [compare(a, b) for a, b in zip(self.runs[side], self.runs[baseline], strict=True)]


def wrk_measure(
    workdir: Path,
    url: str,
    paths: Sequence[str],
    connections: int,
    check: Callable[[Load], None],
) -> Measure:
    """Measure with wrk: `connections` keep-alive connections sending `paths` in turn; every
    answer must be 2xx or 3xx and no connection may fail, and `check(the run)` must pass."""
    script = workdir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    quoted = ", ".join(json.dumps(path) for path in paths)
    script.write_text(WRK_SCRIPT % {"paths": quoted, "marker": WRK_READY_LINE}, encoding="utf-8")

    def measure(seconds: int) -> Load:
        argv = [
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        figures = [line for line in done.stdout.splitlines() if line.startswith(WRK_READY_LINE)]
        if done.returncode != 0 or not figures:
            raise BenchmarkFailed(f"wrk on {url} failed: {done.stderr.strip() or done.stdout}")
        answered, micros, bad_status, failed, p50, p99 = map(float, figures[-1].split()[1:])
        if bad_status or failed:
            raise BenchmarkFailed(
                f"wrk on {url}: {bad_status:.0f} answers were not 2xx/3xx and {failed:.0f}"
                " connections failed; the figures would lie"
            )
        load = Load(int(answered), micros / 1e6, p50 / 1000, p99 / 1000)
        check(load)
        return load

    return measure


def rpc_measure(amqp_uri: str, product_ids: Sequence[int], concurrency: int) -> Measure:
    """Measure the proxy's own AMQP client for reads (`LoopRpc` on a uvloop, as a proxy
    worker has it; no HTTP): `concurrency` calls at a time of catalog.get_product, as the
    proxy makes them for GET /api/catalog/products/<id>."""

    def measure(seconds: int) -> Load:
        return uvloop.run(_rpc_load(amqp_uri, product_ids, concurrency, seconds))

    return measure


async def _rpc_load(
    amqp_uri: str, product_ids: Sequence[int], concurrency: int, seconds: int
) -> Load:
    rpc = LoopRpc(amqp_uri, caller=CALLER_NAME, timeout=10.0)
    loop = asyncio.get_running_loop()

    async def call(n: int) -> float:
        begun = time.perf_counter()
        told: asyncio.Future[Failure | None] = loop.create_future()
        rpc.call(
            "catalog",
            "get_product",
            {"product_id": product_ids[n % len(product_ids)], "query": {}},
            call_id=uuid.uuid4().hex,
            context=None,
            reply=lambda result, failure: told.set_result(failure),
        )
        failure = await told
        if failure is not None:
            raise BenchmarkFailed(f"the AMQP client's call failed: {failure}")
        return time.perf_counter() - begun

    async def work(index: int, deadline: float) -> list[float]:
        latencies, n = [], index
        while time.perf_counter() < deadline:
            latencies.append(await call(n))
            n += concurrency
        return latencies

    try:
        await call(0)  # the connection and the consumer check, outside the timing
        started = time.perf_counter()
        deadline = started + seconds
        each = await asyncio.gather(*(work(index, deadline) for index in range(concurrency)))
        wall = time.perf_counter() - started
    finally:
        rpc.close()
    ordered = sorted(latency for latencies in each for latency in latencies)
    return Load(
        len(ordered), wall, percentile(ordered, 0.5) * 1000, percentile(ordered, 0.99) * 1000
    )


def measure_row(name: str, sides: dict[str, Measure], settings: LoadSettings) -> LoadRow:
    """Warm every side up (1 s), then `settings.runs` runs of each, interleaved, the order
    rotated each run so drift on a busy machine hits every side alike."""
    for measure in sides.values():
        measure(1)
    names = list(sides)
    runs: dict[str, list[Load]] = {side: [] for side in names}
    for run_number in range(settings.runs):
        shift = run_number % len(names)
        for side in names[shift:] + names[:shift]:
            runs[side].append(sides[side](settings.seconds))
    print(f"  measured {name}", flush=True)
    return LoadRow(name, {side: tuple(loads) for side, loads in runs.items()})


def start_nginx(group: ProcessGroup, workdir: Path, monolith_url: str) -> str | None:
    """nginx as a minimal keep-alive reverse proxy to the monolith (a child process, stopped
    with the group); None when nginx is not installed."""
    nginx = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(path).exists()),
        None,
    )
    if nginx is None:
        return None
    prefix = workdir / "nginx"
    for folder in ("logs", "tmp"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    monolith = urlsplit(monolith_url).netloc
    conf.write_text(NGINX_CONF.format(monolith=monolith, port=port), encoding="utf-8")
    process = group.start(
        "nginx",
        [nginx, "-p", f"{prefix}/", "-e", "logs/error.log", "-c", str(conf), "-g", "daemon off;"],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_ready(http_ok(f"{url}/healthz"), 20)
    except StranglerError as exc:
        raise StackUnavailable(f"nginx did not start: {exc}") from exc
    return url


def _fallbacks(admin_url: str) -> Counter[str]:
    """How many requests the proxy sent to the monolith in place of a service so far, by
    reason."""
    with urlopen(f"{admin_url}/_strangler/stats", timeout=5) as answer:
        stats: dict[str, Any] = json.load(answer)
    counts: Counter[str] = Counter()
    for route in stats.get("routes", {}).values():
        counts.update(route.get("fallbacks", {}))
    return counts


def measure_load(
    stack: RunningStack,
    nginx_url: str | None,
    workdir: Path,
    product_ids: Sequence[int],
    settings: LoadSettings,
) -> list[LoadRow]:
    ids = list(product_ids)[:PRODUCT_IDS_USED]
    stock = [f"/api/inventory/stock/{i}" for i in ids]
    product = [f"/api/catalog/products/{i}" for i in ids]
    seen = _fallbacks(stack.admin_url)

    def few_fallbacks(load: Load) -> None:
        """At most FALLBACK_SHARE of a run's service-routed answers came from the monolith
        (each one is said); more, and the run did not measure the service path."""
        nonlocal seen
        now = _fallbacks(stack.admin_url)
        fallen, seen = now - seen, now
        if not fallen:
            return
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(fallen.items()))
        print(f"    {fallen.total()} of {load.answered} fell back ({reasons})", flush=True)
        if fallen.total() > FALLBACK_SHARE * load.answered:
            raise BenchmarkFailed(
                f"{fallen.total()} of {load.answered} service-routed requests fell back to the"
                f" monolith ({reasons}): the service path was not measured"
            )

    def nothing(load: Load) -> None:
        pass

    rows = []
    for connections in (settings.connections, 1):
        sides = {"direct": wrk_measure(workdir, stack.monolith_url, stock, connections, nothing)}
        if nginx_url is not None:
            sides["nginx"] = wrk_measure(workdir, nginx_url, stock, connections, nothing)
        sides["proxy"] = wrk_measure(workdir, stack.proxy_url, stock, connections, nothing)
        rows.append(measure_row(f"forwarded stock/<id> x{connections}", sides, settings))
    for connections in (1, settings.connections):
        sides = {
            "direct": wrk_measure(workdir, stack.monolith_url, product, connections, nothing),
            "proxy": wrk_measure(workdir, stack.proxy_url, product, connections, few_fallbacks),
            "amqp": rpc_measure(stack.amqp_uri, ids, connections),
        }
        rows.append(measure_row(f"service product/<id> x{connections}", sides, settings))
    return rows


def format_load(rows: Sequence[LoadRow], settings: LoadSettings) -> str:
    header = f"{'load (medians)':<30} {'side':<7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    lines = [
        f"wrk: {settings.runs} runs of {settings.seconds} s per side, interleaved;"
        " amqp = the proxy's own AMQP client for reads, no HTTP, as many calls at once"
        " as connections",
        header,
        "-" * len(header),
    ]
    for row in rows:
        for index, side in enumerate(row.runs):
            lines.append(
                f"{row.name if index == 0 else '':<30} {side:<7}"
                f" {row.median(side, lambda load: load.throughput):>8.0f}"
                f" {row.median(side, lambda load: load.p50_ms):>8.2f}"
                f" {row.median(side, lambda load: load.p99_ms):>8.2f}"
            )
    return "\n".join(lines)


def _spread(values: Sequence[float], unit: str) -> str:
    return (
        f"{statistics.median(values):.2f}{unit} (runs {min(values):.2f}..{max(values):.2f}{unit})"
    )


def _throughput_ratio(a: Load, b: Load) -> float:
    return a.throughput / b.throughput


def _p50_added(a: Load, b: Load) -> float:
    return a.p50_ms - b.p50_ms


def goal_lines(rows: Sequence[LoadRow], connections: int) -> list[str]:
    """The issue's goals, each with its figure (median of the per-run ratios) and verdict."""
    by_name = {row.name: row for row in rows}
    crowd, one = f"forwarded stock/<id> x{connections}", "forwarded stock/<id> x1"
    lines = []

    def goal(text: str, values: list[float], unit: str, met: bool) -> None:
        verdict = "met" if met else "MISSED"
        lines.append(f"{verdict:>6}  {text}: {_spread(values, unit)}")

    forwarded, single = by_name[crowd], by_name[one]
    if "nginx" in forwarded.runs:
        ratios = forwarded.per_run("proxy", "nginx", _throughput_ratio)
        goal(
            f"forwarded throughput proxy/nginx at {connections} connections >= 0.95x",
            ratios,
            "x",
            statistics.median(ratios) >= 0.95,
        )
    else:
        lines.append("   n/a  forwarded throughput proxy/nginx: nginx is not installed")
    ratios = forwarded.per_run("proxy", "direct", _throughput_ratio)
    lines.append(f"  info  forwarded throughput proxy/direct: {_spread(ratios, 'x')}")
    for row, label in ((single, "1 connection"), (forwarded, f"{connections} connections")):
        added = row.per_run("proxy", "direct", _p50_added)
        goal(
            f"forwarded p50 overhead over direct at {label} <= 1 ms",
            added,
            " ms",
            statistics.median(added) <= 1.0,
        )
        if "nginx" in row.runs:
            added = row.per_run("nginx", "direct", _p50_added)
            lines.append(
                f"  info  nginx's p50 overhead over direct at {label}: {_spread(added, ' ms')}"
            )
    service_one = by_name["service product/<id> x1"]
    added = service_one.per_run("proxy", "direct", _p50_added)
    goal(
        "service-routed read p50 at 1 client <= direct p50 + 2 ms",
        added,
        " ms",
        statistics.median(added) <= 2.0,
    )
    added = service_one.per_run("proxy", "amqp", _p50_added)
    lines.append(
        f"  info  the HTTP hop over the AMQP client alone, p50 at 1 client: {_spread(added, ' ms')}"
    )
    service_crowd = by_name[f"service product/<id> x{connections}"]
    ratios = service_crowd.per_run("proxy", "amqp", _throughput_ratio)
    goal(
        f"service-routed read throughput at {connections} connections >= 0.9x the AMQP client's",
        ratios,
        "x",
        statistics.median(ratios) >= 0.9,
    )
    return lines


def run(args: argparse.Namespace) -> tuple[list[Comparison], list[LoadRow]]:
    settings = LoadSettings(args.wrk_seconds, args.wrk_runs, args.connections)
    wrk = shutil.which("wrk") is not None
    if not args.skip_load and not wrk:
        print(
            "proxy_overhead: wrk is not installed: no load rows"
            " (scripts/ensure_bench_tools.sh installs it)",
            file=sys.stderr,
        )
    with seeded_stack(**SEED) as seeded:
        stack, group, workdir = seeded.stack, seeded.group, seeded.workdir
        product_ids = active_product_ids(seeded.databases.monolith_url)
        nginx_url = (
            None if args.skip_load or not wrk else start_nginx(group, workdir, stack.monolith_url)
        )
        print(
            f"stack up: monolith {stack.monolith_url}, proxy {stack.proxy_url},"
            f" nginx {nginx_url or '(not run)'}",
            flush=True,
        )
        comparisons = []
        if not args.skip_rounds:
            print(
                f"rounds: {args.requests} requests per side per scenario, warm-up {args.warmup}",
                flush=True,
            )
            for scenario in scenarios(product_ids, args.clients):
                comparisons.append(
                    compare(stack, scenario, requests=args.requests, warmup=args.warmup)
                )
                print(f"  measured {scenario.name}", flush=True)
        rows = []
        if not args.skip_load and wrk:
            print(
                f"load: wrk, {settings.runs} runs of {settings.seconds} s per side",
                flush=True,
            )
            rows = measure_load(stack, nginx_url, workdir, product_ids, settings)
        return comparisons, rows


def _positive(text: str) -> int:
    if not text.isdigit() or (value := int(text)) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=_positive, default=500, help="per side per scenario")
    parser.add_argument("--warmup", type=_positive, default=50, help="unmeasured, per side")
    parser.add_argument("--clients", type=_positive, default=4, help="threads, concurrent rows")
    parser.add_argument("--wrk-seconds", type=_positive, default=10, help="seconds per load run")
    parser.add_argument("--wrk-runs", type=_positive, default=3, help="load runs per side")
    parser.add_argument("--connections", type=_positive, default=8, help="of the loaded rows")
    parser.add_argument("--skip-rounds", action="store_true", help="only the load part")
    parser.add_argument("--skip-load", action="store_true", help="only the rounds")
    parser.add_argument(
        "--quick", action="store_true", help="2 s load runs and 200 requests per round side"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.wrk_seconds, args.requests, args.warmup = 2, 200, 20
    try:
        comparisons, rows = run(args)
    except StranglerError as exc:
        print(f"proxy_overhead: {exc}", file=sys.stderr)
        return exc.exit_code
    if comparisons:
        print()
        print(format_table(comparisons))
        print()
        for comparison in comparisons:
            print(comparison.verdict())
    if rows:
        print()
        print(format_load(rows, LoadSettings(args.wrk_seconds, args.wrk_runs, args.connections)))
        print()
        print("goals (median of the per-run figures, each run's sides back to back):")
        for line in goal_lines(rows, args.connections):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
