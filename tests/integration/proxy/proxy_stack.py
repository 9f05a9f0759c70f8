"""Start the real pieces the proxy's integration tests need, as managed child processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pika
from pika.adapters.blocking_connection import BlockingChannel

from strangler.processes import ManagedProcess, ProcessGroup, free_port, http_ok, rpc_consumer_ready
from strangler_demo.stack import strangler_argv

HERE = Path(__file__).resolve().parent
SLOW_SECONDS = 1.5  # how long the echo service's slow_write sleeps


def start_service(
    group: ProcessGroup,
    amqp_uri: str,
    class_name: str,
    service: str,
    module: str = "proxy_echo_service",
) -> ManagedProcess:
    """`nameko run` one of the test services of this folder, once it consumes its queue."""
    process = group.start(
        service,
        [sys.executable, "-m", "nameko", "run", "--broker", amqp_uri, f"{module}:{class_name}"],
        env={"PYTHONPATH": str(HERE), "PROXY_ECHO_SLOW_SECONDS": str(SLOW_SECONDS)},
    )
    process.wait_ready(rpc_consumer_ready(amqp_uri, service), timeout=60)
    return process


def start_monolith(group: ProcessGroup) -> str:
    port = free_port()
    process = group.start(
        "monolith", [sys.executable, str(HERE / "proxy_test_monolith.py"), str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    process.wait_ready(http_ok(url + "/api/items/1"), timeout=30)
    return url


def start_proxy(
    group: ProcessGroup,
    routes: Path,
    *,
    workers: int = 1,
    options: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> tuple[str, str]:
    """`strangler proxy` (gunicorn) on a routes file: its public and admin base URLs, once up."""
    port, admin_port = free_port(), free_port()
    argv = strangler_argv(
        "proxy", "--routes", str(routes), "--port", str(port), "--admin-port", str(admin_port)
    )
    process = group.start(
        f"proxy-{port}", [*argv, "--workers", str(workers), "--threads", "4", *options], env
    )
    admin = f"http://127.0.0.1:{admin_port}"
    process.wait_ready(http_ok(admin + "/_strangler/health"), timeout=30)
    return f"http://127.0.0.1:{port}", admin


@contextmanager
def hand_made_service(amqp_uri: str, name: str, *, taking: bool) -> Iterator[BlockingChannel]:
    """A service's RPC queue made by hand, removed after the block: with no instance
    consuming it (`taking` False: a stopped service), or with one that takes every call
    and never answers; the channel that made it, for looking at the queue."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    queue = f"rpc-{name}"
    channel.exchange_declare("nameko-rpc", exchange_type="topic", durable=True)
    channel.queue_declare(queue, auto_delete=False)
    channel.queue_bind(queue, "nameko-rpc", routing_key=f"{name}.*")
    if taking:
        channel.basic_consume(queue, lambda *delivered: None)
    try:
        yield channel
    finally:
        channel.queue_delete(queue)
        connection.close()


def delete_queues(amqp_uri: str, *names: str) -> None:
    """Remove the durable queues a test made (the vhost may be the shared default one)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        for name in names:
            channel.queue_delete(name)  # deleting a missing queue is not an error
    finally:
        connection.close()


def close_connection_from_broker(connection_name: str) -> None:
    """Make RabbitMQ itself close the connection with that name (needs rabbitmqctl)."""
    marker = f'{{"connection_name","{connection_name}"}}'
    assert close_connections_from_broker(lambda vhost, properties: marker in properties) == 1


def close_connections_from_broker(select: Callable[[str, str], bool]) -> int:
    """Make RabbitMQ itself close each connection `select(vhost, client properties)` picks
    (needs rabbitmqctl); how many it closed."""
    listing = subprocess.run(
        [
            "rabbitmqctl",
            "-q",
            "list_connections",
            "--no-table-headers",
            "pid",
            "vhost",
            "client_properties",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split("\t", 2) for line in listing.splitlines() if line.count("\t") >= 2]
    pids = [pid for pid, vhost, properties in rows if select(vhost, properties)]
    for pid in pids:
        subprocess.run(
            ["rabbitmqctl", "-q", "close_connection", pid, "closed by a strangler test"],
            check=True,
            capture_output=True,
        )
    return len(pids)
