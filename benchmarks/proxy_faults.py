"""What a fault costs behind the strangler proxy: failed requests, fallbacks, recovery time.

Builds the demo's real stack (seeded SQLite monolith, backfilled catalog service on
RabbitMQ, gunicorn proxy) in a temporary directory and keeps a steady load on it: client
threads, half on a service route (`GET /api/catalog/products/<id>`, served by the
catalog over RPC), half on a forwarded one (`GET /api/inventory/stock/<id>`, the monolith).
First a quiet phase (the baseline), then one fault at a time, each followed by time to
recover: the service killed and restarted, the service stalled (SIGSTOP), the monolith
stalled, the broker closing every connection twice, the routes file edited (valid, then
invalid, then restored). Figures per phase are counts and ratios to the baseline phase of
this same run.

    .venv/bin/python benchmarks/proxy_faults.py [--clients 6] [--fault-seconds 5]

Exit status: 0 measured; 2 the stack could not start.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from strangler.errors import StranglerError
from strangler.processes import ManagedProcess, ProcessGroup, rpc_consumer_ready
from strangler_demo.seeded_stack import seeded_stack
from strangler_demo.stack import (
    START_TIMEOUT,
    RunningStack,
    StackDatabases,
    strangler_argv,
)

SEED = {"products": 300, "users": 50, "orders": 50}
PRODUCT_IDS = range(1, 101)
REQUEST_TIMEOUT = 15.0
RECOVERY_LIMIT = 30.0  # seconds after a fault ends before a phase counts as not recovered
SERVICE, FORWARDED = "service", "forwarded"


@dataclass(frozen=True)
class Sample:
    started: float
    seconds: float
    kind: str  # SERVICE or FORWARDED
    status: int  # 0: no answer (refused, reset, timed out)
    backend: str  # X-Strangler-Backend ("service", "monolith; fallback=..."), "" when absent

    @property
    def normal(self) -> bool:
        """Answered (200, or the 404 of an inactive product) by the backend its route chooses."""
        expected = "service" if self.kind == SERVICE else "monolith"
        return self.status in (200, 404) and self.backend == expected

    @property
    def fallback(self) -> bool:
        return self.kind == SERVICE and self.backend.startswith("monolith")


class Load:
    """Client threads sending requests until stopped; every answer becomes a Sample."""

    def __init__(self, proxy_url: str, clients: int) -> None:
        self._address = urlsplit(proxy_url)
        self._clients = clients
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.samples: list[Sample] = []
        self._threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)

    def between(self, start: float, end: float) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if start <= s.started < end]

    def _run(self, number: int) -> None:
        connection = self._connect()
        for count in range(10**9):
            if self._stop.is_set():
                break
            product = PRODUCT_IDS[count % len(PRODUCT_IDS)]
            kind = SERVICE if number % 2 == 0 else FORWARDED  # a stalled kind holds its own
            path = (
                f"/api/catalog/products/{product}"
                if kind == SERVICE
                else f"/api/inventory/stock/{product}"
            )
            started = time.monotonic()
            try:
                connection.request("GET", path)
                answer = connection.getresponse()
                answer.read()
                status, backend = answer.status, answer.getheader("X-Strangler-Backend", "")
                if answer.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = self._connect()
                status, backend = 0, ""
            sample = Sample(started, time.monotonic() - started, kind, status, backend)
            with self._lock:
                self.samples.append(sample)

    def _connect(self) -> http.client.HTTPConnection:
        host, port = self._address.hostname or "127.0.0.1", self._address.port or 80
        return http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)


@dataclass(frozen=True)
class Phase:
    """One fault: its window (start, end) and what happened during and after it."""

    name: str
    during: list[Sample]
    after_end: list[Sample]  # requests started after the fault ended, up to the limit
    watched: str  # the kind whose recovery is timed: the one the fault hits
    fault_end: float

    @property
    def failed(self) -> int:
        return sum(1 for s in [*self.during, *self.after_end] if s.status == 0 or s.status >= 500)

    @property
    def fallbacks(self) -> int:
        return sum(1 for s in [*self.during, *self.after_end] if s.fallback)

    @property
    def recovery_seconds(self) -> float | None:
        """From the fault's end to the first normal answer of the kind it hit, after which
        every answer of that kind is normal."""
        hit = [s for s in self.after_end if s.kind == self.watched]
        for index, sample in enumerate(hit):
            if all(later.normal for later in hit[index:]):
                return max(sample.started + sample.seconds - self.fault_end, 0.0)
        return None

    @property
    def other(self) -> str:
        """The kind of request the fault does not hit: isolation keeps it fast."""
        return FORWARDED if self.watched == SERVICE else SERVICE

    def p50(self, kind: str) -> float | None:
        """Median latency of the normal answers of `kind` during the fault."""
        times = sorted(s.seconds for s in self.during if s.kind == kind and s.normal)
        return times[len(times) // 2] if times else None


def run_phase(
    load: Load, name: str, watched: str, fault: Callable[[], None], recover_seconds: float
) -> Phase:
    started = time.monotonic()
    fault()
    ended = time.monotonic()
    time.sleep(recover_seconds)
    return Phase(
        name,
        load.between(started, ended),
        load.between(ended, time.monotonic()),
        watched,
        ended,
    )


def descendants(pid: int) -> list[int]:
    """`pid` and every process under it (from /proc, children before their parents)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return [grandchild for child in children for grandchild in descendants(child)] + [pid]


def signal_tree(process: ManagedProcess, signum: int) -> None:
    for pid in descendants(process.pid):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            continue


@contextmanager
def stopped(process: ManagedProcess) -> Iterator[None]:
    signal_tree(process, signal.SIGSTOP)
    try:
        yield
    finally:
        signal_tree(process, signal.SIGCONT)


def close_broker_connections(amqp_uri: str) -> None:
    vhost = unquote(urlsplit(amqp_uri).path[1:]) or "/"
    subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "proxy_faults benchmark"],
        check=True,
        capture_output=True,
    )


class Faults:
    """The faults, each a blocking call that lasts `seconds` and leaves things restartable."""

    def __init__(
        self,
        group: ProcessGroup,
        stack: RunningStack,
        databases: StackDatabases,
        seconds: float,
    ) -> None:
        self._group, self._stack, self._databases = group, stack, databases
        self._seconds = seconds

    def _named(self, prefix: str) -> ManagedProcess:
        return [p for p in self._group.processes if p.name.startswith(prefix) and p.running()][-1]

    def kill_service(self) -> None:
        signal_tree(self._named("catalog-service"), signal.SIGKILL)
        time.sleep(self._seconds)
        restarted = self._group.start(
            "catalog-service-restarted",
            strangler_argv(
                "service",
                "run",
                "catalog",
                "--amqp-uri",
                self._stack.amqp_uri,
                "--database-url",
                self._databases.catalog_url,
            ),
        )
        restarted.wait_ready(rpc_consumer_ready(self._stack.amqp_uri, "catalog"), START_TIMEOUT)

    def stall_service(self) -> None:
        with stopped(self._named("catalog-service")):
            time.sleep(self._seconds)

    def stall_monolith(self) -> None:
        with stopped(self._named("monolith")):
            time.sleep(self._seconds)

    def close_connections_twice(self) -> None:
        close_broker_connections(self._stack.amqp_uri)
        time.sleep(self._seconds / 2)
        close_broker_connections(self._stack.amqp_uri)
        time.sleep(self._seconds / 2)

    def edit_routes(self) -> None:
        path = self._stack.routes_path
        original = path.read_text(encoding="utf-8")
        try:
            path.write_text(original + "\n# edited by proxy_faults\n", encoding="utf-8")
            time.sleep(self._seconds / 2)
            path.write_text(original + "\n[[route]]\nbogus = 1\n", encoding="utf-8")
            time.sleep(self._seconds / 2)
        finally:
            path.write_text(original, encoding="utf-8")


def measure(clients: int, fault_seconds: float) -> tuple[Phase, list[Phase]]:
    with seeded_stack(**SEED) as seeded:
        stack = seeded.stack
        faults = Faults(seeded.group, stack, seeded.databases, fault_seconds)
        plan: list[tuple[str, str, Callable[[], None]]] = [
            ("service killed, restarted", SERVICE, faults.kill_service),
            ("service stalled (SIGSTOP)", SERVICE, faults.stall_service),
            ("monolith stalled (SIGSTOP)", FORWARDED, faults.stall_monolith),
            ("routes file edited, then invalid", SERVICE, faults.edit_routes),
        ]
        if shutil.which("rabbitmqctl") and os.geteuid() == 0:
            closing = ("broker connections closed x2", SERVICE, faults.close_connections_twice)
            plan.insert(3, closing)
        print(f"stack up; {clients} clients; faults of {fault_seconds:g} s", flush=True)
        with Load(stack.proxy_url, clients) as load:
            time.sleep(2)  # warm-up: pools filled, first RPC replies queue declared
            baseline = run_phase(load, "baseline (no fault)", SERVICE, _idle(fault_seconds), 0)
            phases = []
            for name, watched, fault in plan:
                phases.append(run_phase(load, name, watched, fault, RECOVERY_LIMIT / 3))
                print(f"  measured: {name}", flush=True)
        return baseline, phases


def _idle(seconds: float) -> Callable[[], None]:
    return lambda: time.sleep(seconds * 2)


def format_table(baseline: Phase, phases: Sequence[Phase]) -> str:
    served = baseline.during
    rate = len(served) / max(served[-1].started - served[0].started, 1e-9) if served else 0.0
    base = {kind: baseline.p50(kind) for kind in (SERVICE, FORWARDED)}
    header = (
        f"{'phase':<34} {'requests':>8} {'failed':>7} {'fallbacks':>9} {'recovery s':>10}"
        f" {'unhit p50 ratio':>15}"
    )
    lines = [
        f"baseline: {len(served)} requests ({rate:.0f}/s), p50 service route"
        f" {_ms(base[SERVICE])}, forwarded {_ms(base[FORWARDED])}, {baseline.failed} failed",
        "",
        header,
        "-" * len(header),
    ]
    for phase in phases:
        recovery = phase.recovery_seconds
        unhit, unhit_base = phase.p50(phase.other), base[phase.other]
        ratio = "-" if unhit is None or not unhit_base else f"{unhit / unhit_base:.2f}x"
        lines.append(
            f"{phase.name:<34} {len(phase.during) + len(phase.after_end):>8} {phase.failed:>7}"
            f" {phase.fallbacks:>9} {'never' if recovery is None else f'{recovery:.2f}':>10}"
            f" {ratio:>15}"
        )
    lines += [
        "",
        "failed: no answer or 5xx; fallbacks: service-route requests the monolith answered;",
        "recovery: fault end -> the hit kind of request is answered normally from then on;",
        "unhit p50 ratio: during the fault, the other kind's median latency / the baseline's.",
    ]
    return "\n".join(lines)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def _positive(text: str) -> int:
    if not text.isdigit() or (value := int(text)) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=_positive, default=6, help="client threads")
    parser.add_argument("--fault-seconds", type=_positive, default=5, help="how long each lasts")
    args = parser.parse_args(argv)
    try:
        baseline, phases = measure(args.clients, args.fault_seconds)
    except StranglerError as exc:
        print(f"proxy_faults: {exc}", file=sys.stderr)
        return exc.exit_code
    print()
    print(format_table(baseline, phases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
