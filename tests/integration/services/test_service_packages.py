"""A service package made in tmp_path, outside the repository, with no edit to the toolkit:
listed, backfilled and run (real `nameko run` processes on the real broker)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pika
import pytest
from click.testing import CliRunner
from nameko.standalone.rpc import ClusterRpcProxy
from shop_package import CUSTOMERS, build_monolith, table_rows, write_shop_package
from waiting import wait_until

from extracted_services.commands import service as service_command
from strangler_demo.stack import strangler_argv

START_TIMEOUT = 60.0
STARTED = re.compile(r"running (\d+) instance\(s\) of \w+ \(pids ([\d, ]+)\)")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _consumers(amqp_uri: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        if connection.is_open:
            connection.close()


def _delete_queue(amqp_uri: str, queue: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        connection.channel().queue_delete(queue)
    finally:
        connection.close()


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


class Runner:
    """`strangler service run ...` as a real child process, its output in a log file."""

    def __init__(self, argv: list[str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            argv, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def instance_pids(self) -> list[int]:
        assert wait_until(lambda: STARTED.search(self.output()) is not None, START_TIMEOUT), (
            self.output()
        )
        found = STARTED.search(self.output())
        assert found is not None
        return [int(pid) for pid in found.group(2).split(", ")]

    def stop(self) -> None:
        """Whatever happened, nothing it started is left running."""
        pids = [pid for pid in self._pids_seen() if _alive(pid)]
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        for pid in pids:
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
        self._log_file.close()

    def _pids_seen(self) -> list[int]:
        found = STARTED.search(self.output())
        return [] if found is None else [int(pid) for pid in found.group(2).split(", ")]


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Callable[[list[str]], Runner]]:
    started: list[Runner] = []

    def start(args: list[str]) -> Runner:
        started.append(Runner(strangler_argv(*args), tmp_path / f"run-{len(started)}.log"))
        return started[-1]

    yield start
    for run in started:
        run.stop()


def test_list_shows_packages_of_every_services_dir_beside_the_toolkits(tmp_path: Path) -> None:
    first = write_shop_package(tmp_path / "team-a")
    second = write_shop_package(tmp_path / "elsewhere" / "team-b")
    result = CliRunner().invoke(
        service_command,
        [
            "list",
            "--services-dir",
            str(tmp_path / "team-a"),
            "--services-dir",
            str(tmp_path / "elsewhere" / "team-b"),
        ],
        env={f"{second.upper()}_DATABASE_URL": "postgresql://app:secret@db:5432/shop"},
    )
    assert result.exit_code == 0, result.output
    blocks = result.output.strip().split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == ["catalog", "inventory", first, second]
    assert blocks[2].splitlines()[1:] == [
        "  tables    customers, orders -> shop_orders, order_notes",
        "  owns      (none yet)",
        f"  database  sqlite:///var/{first}.sqlite3 (default; ${first.upper()}_DATABASE_URL"
        " overrides)",
        "  backfill  generic copy of the tables",
        f"  found in  {tmp_path / 'team-a' / first}",
    ]
    assert (
        f"  database  postgresql://app:***@db:5432/shop (from ${second.upper()}_DATABASE_URL)"
        in blocks[3].splitlines()
    )


def _two_instances(name: str, services: Path, amqp_uri: str, database_url: str) -> list[str]:
    """`strangler service run` arguments for two competing instances of `name`."""
    return [
        *("service", "run", name, "--services-dir", str(services)),
        *("--amqp-uri", amqp_uri, "--database-url", database_url, "--instances", "2"),
    ]


@pytest.mark.rabbitmq
@pytest.mark.postgres
def test_a_package_found_in_a_services_dir_is_backfilled_and_runs_as_competing_consumers(
    tmp_path: Path, amqp_uri: str, postgres_url: str, runner: Callable[[list[str]], Runner]
) -> None:
    services = tmp_path / "services"
    name = write_shop_package(services)
    monolith = sqlite_url(tmp_path / "monolith.db")
    build_monolith(monolith)
    filled = CliRunner().invoke(
        service_command,
        ["backfill", name, "--services-dir", str(services), "--from-url", monolith],
        env={f"{name.upper()}_DATABASE_URL": postgres_url},
    )
    assert filled.exit_code == 0, filled.output
    assert table_rows(postgres_url, "customers") == sorted(CUSTOMERS, key=repr)

    queue = f"rpc-{name}"
    run = runner(_two_instances(name, services, amqp_uri, postgres_url))
    try:
        pids = run.instance_pids()
        assert len(pids) == 2
        assert wait_until(lambda: _consumers(amqp_uri, queue) == 2, START_TIMEOUT), run.output()
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=20) as cluster:
            answer = getattr(cluster, name).customer(customer_id=7)
        # the copy answers, through the driver eventlet makes cooperative
        assert answer == {"name": "Bob", "driver": "psycopg2"}

        run.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)  # a second signal, as a shell's `kill` then its exit trap send,
        if run.process.poll() is None:  # must not cut the stop short
            run.process.send_signal(signal.SIGTERM)
        assert run.process.wait(timeout=30) == 0, run.output()
        assert not any(_alive(pid) for pid in pids)  # gone by the time the command is
        assert _consumers(amqp_uri, queue) == 0
    finally:
        _delete_queue(amqp_uri, queue)


@pytest.mark.rabbitmq
def test_an_instance_that_dies_stops_the_others(
    tmp_path: Path, amqp_uri: str, runner: Callable[[list[str]], Runner]
) -> None:
    services = tmp_path / "services"
    name = write_shop_package(services)
    queue = f"rpc-{name}"
    run = runner(_two_instances(name, services, amqp_uri, sqlite_url(tmp_path / "shop.db")))
    try:
        first, second = run.instance_pids()
        assert wait_until(lambda: _consumers(amqp_uri, queue) == 2, START_TIMEOUT), run.output()
        os.kill(first, signal.SIGKILL)
        assert run.process.wait(timeout=30) == 1
        assert f"{name}#1 (pid {first}) exited with code -9; stopped the other instances" in (
            run.output()
        )
        assert not _alive(second)
    finally:
        _delete_queue(amqp_uri, queue)


GOOD_BACKFILL = """
from dataclasses import dataclass


@dataclass(frozen=True)
class Copied:
    source: str
    target: str

    def describe(self):
        return "copied by hand"

    def is_empty(self):
        return False


def copy(source_url, target_url):
    return Copied(source_url, target_url)
"""


def test_a_hand_written_backfill_of_a_services_dir_package_runs(tmp_path: Path) -> None:
    services = tmp_path / "services"
    name = write_shop_package(
        services, manifest_extra='backfill = "fill:copy"\n', files={"fill.py": GOOD_BACKFILL}
    )
    result = CliRunner().invoke(
        service_command,
        ["backfill", name, "--services-dir", str(services), "--from-url", "sqlite:///a.db"],
        env={f"{name.upper()}_DATABASE_URL": "sqlite:///b.db"},
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"backfilled {name}: copied by hand\n  from sqlite:///a.db\n  into sqlite:///b.db\n"
    )
    assert str(services) not in sys.path


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "def copy(source_url, target_url):\n    return (3, 'rows')\n",
            "returned a tuple, not a summary",
        ),
        (
            "def copy(source_url, target_url):\n    raise KeyError('products')\n",
            "failed: KeyError: 'products'",
        ),
        ("import not_a_module_anywhere\n", "cannot be imported: ModuleNotFoundError"),
        ("def other(source_url, target_url):\n    pass\n", "has no function 'copy'"),
    ],
)
def test_a_broken_hand_written_backfill_is_a_clear_error_naming_it(
    tmp_path: Path, code: str, message: str
) -> None:
    services = tmp_path / "services"
    name = write_shop_package(
        services, manifest_extra='backfill = "fill:copy"\n', files={"fill.py": code}
    )
    done = subprocess.run(
        strangler_argv(
            "service",
            "backfill",
            name,
            "--services-dir",
            str(services),
            "--from-url",
            sqlite_url(tmp_path / "a.db"),
            "--to-url",
            sqlite_url(tmp_path / "b.db"),
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: backfill function {name}.fill:copy (service {name})")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
