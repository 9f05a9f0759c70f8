"""The broker every part talks to by default, and a vhost of one's own for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from strangler.errors import StranglerError

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"


def amqp_uri_from_env(environ: Mapping[str, str] | None = None) -> str:
    """AMQP_URI from the environment, else the local broker's default."""
    source = os.environ if environ is None else environ
    return source.get("AMQP_URI") or DEFAULT_AMQP_URI


class BrokerSetupFailed(StranglerError):
    """rabbitmqctl refused to create the vhost."""


def _rabbitmqctl(ctl: str, *args: str) -> None:
    done = subprocess.run([ctl, "-q", *args], check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise BrokerSetupFailed(
            f"`rabbitmqctl {' '.join(args)}` failed: {done.stderr.strip() or done.stdout.strip()}",
            hint="start RabbitMQ (`make services`) or point AMQP_URI at a running broker",
        )


@contextmanager
def temporary_vhost(amqp_uri: str, prefix: str) -> Iterator[str]:
    """`amqp_uri` moved to a new vhost, deleted with all its queues on exit.

    Needs rabbitmqctl and root (the local broker); elsewhere `amqp_uri` is
    yielded unchanged and the caller shares its vhost.
    """
    ctl = shutil.which("rabbitmqctl")
    if ctl is None or os.geteuid() != 0:
        yield amqp_uri
        return
    vhost = f"{prefix}-{uuid.uuid4().hex[:8]}"
    parts = urlsplit(amqp_uri)
    try:
        _rabbitmqctl(ctl, "add_vhost", vhost)
        _rabbitmqctl(
            ctl, "set_permissions", "-p", vhost, parts.username or "guest", ".*", ".*", ".*"
        )
        yield urlunsplit((parts.scheme, parts.netloc, "/" + vhost, "", ""))
    finally:
        subprocess.run([ctl, "-q", "delete_vhost", vhost], check=False, capture_output=True)


@contextmanager
def given_or_temporary_vhost(prefix: str) -> Iterator[str]:
    """AMQP_URI as given; else a throw-away vhost on the local broker when rabbitmqctl allows,
    so another stack on the default vhost (a `strangler demo --keep-running`) cannot consume
    from the same queues and answer part of the calls."""
    given = os.environ.get("AMQP_URI")
    if given is not None:
        yield given
        return
    with temporary_vhost(DEFAULT_AMQP_URI, prefix) as amqp_uri:
        yield amqp_uri
