"""Faults an e2e test injects into real processes: a crash, a broker dropping connections."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from strangler.processes import ManagedProcess


def kill_hard(process: ManagedProcess) -> None:
    """SIGKILL `strangler service run` and its `nameko run` (in a session of its own, which
    would otherwise get SIGTERM from its parent's death and stop gracefully): a crash."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert children, "the service's nameko process is not running"
    for child in children:
        os.killpg(int(child), signal.SIGKILL)
    os.killpg(process.pid, signal.SIGKILL)


def close_all_connections(amqp_uri: str, reason: str) -> None:
    """RabbitMQ closes every connection of the URI's vhost (needs `rabbitmqctl`)."""
    vhost = unquote(urlsplit(amqp_uri).path[1:]) or "/"
    subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, reason],
        check=True,
        capture_output=True,
    )


def sleep_until(moment: float) -> None:
    """Sleep until `time.monotonic()` reaches `moment` (at once if it has)."""
    time.sleep(max(moment - time.monotonic(), 0.0))
