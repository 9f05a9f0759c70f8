"""Run a service package with nameko's own runner, as N competing consumers.

`nameko run` monkey-patches eventlet before importing the service, so each
instance runs in a fresh interpreter that nameko owns: one child process per
instance, all consuming the same queues, all stopped together on Ctrl-C or
SIGTERM (or when one of them exits).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from extracted_services.discovery import ServicePackage
from strangler.broker import amqp_uri_from_env
from strangler.database import parse_database_url
from strangler.errors import StranglerError, UsageError
from strangler.processes import ManagedProcess, ProcessGroup, sigterm_as_interrupt
from strangler.redaction import hide_password

AMQP_SCHEMES = ("amqp", "amqps", "pyamqp")
BROKER_CONNECT_TIMEOUT = 5.0
WATCH_INTERVAL = 0.2


class BrokerUnavailable(StranglerError):
    """The broker a service is to run on cannot be reached or refuses us."""


class InstanceExited(StranglerError):
    """One instance of a running service ended on its own; the others were stopped."""


@dataclass(frozen=True)
class NamekoCommand:
    """The argv and the extra environment of one `nameko run` process."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)


def nameko_command(
    package: ServicePackage,
    *,
    amqp_uri: str | None = None,
    database_url: str | None = None,
    python: str = sys.executable,
    environ: Mapping[str, str] = os.environ,
) -> NamekoCommand:
    """The command running `package` with its config.yml; given URLs override the environment.

    A package from a services dir is imported from that dir (put first on PYTHONPATH).
    """
    env: dict[str, str] = {}
    if amqp_uri is not None:
        if urlsplit(amqp_uri).scheme not in AMQP_SCHEMES:
            raise UsageError(
                f"--amqp-uri {hide_password(amqp_uri)!r} is not an AMQP URI",
                hint="use e.g. amqp://guest:guest@127.0.0.1:5672/",
            )
        env["AMQP_URI"] = amqp_uri
    if database_url is not None:
        parse_database_url(database_url, role=f"{package.name} service database")
        env[package.manifest.database_env] = database_url
    if package.import_root is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            path for path in (str(package.import_root), environ.get("PYTHONPATH")) if path
        )
    target = package.qualified(package.manifest.service)
    argv = (python, "-m", "nameko", "run", target, "--config", str(package.config_path))
    return NamekoCommand(argv=argv, env=env)


def broker_uri(command: NamekoCommand, environ: Mapping[str, str]) -> str:
    """The AMQP URI the service will connect to, as its config.yml resolves it."""
    return command.env.get("AMQP_URI") or amqp_uri_from_env(environ)


def check_broker(amqp_uri: str) -> None:
    """Connect once, so a wrong URI is a message now, not nameko retrying forever."""
    from amqp.exceptions import AMQPError
    from kombu import Connection

    connection = Connection(amqp_uri, connect_timeout=BROKER_CONNECT_TIMEOUT)
    try:
        connection.connect()
    except (OSError, AMQPError) as exc:
        reason = getattr(exc, "reply_text", None) or getattr(exc, "strerror", None) or str(exc)
        raise BrokerUnavailable(
            f"cannot connect to RabbitMQ at {connection.as_uri()}: {reason}",
            hint="start RabbitMQ (`scripts/ensure_services.sh rabbitmq`) or fix --amqp-uri"
            " / AMQP_URI (user, password, host, port and vhost)",
        ) from None
    finally:
        connection.release()


def run_instances(
    name: str,
    command: NamekoCommand,
    instances: int,
    *,
    on_started: Callable[[list[ManagedProcess]], None] = lambda processes: None,
) -> None:
    """Run `instances` copies of `command` until Ctrl-C or SIGTERM, then stop them all.

    Their output is this process's. Returns once they are stopped (the group ignores
    further signals meanwhile, so whoever stops us can wait for our exit); an instance
    that exits on its own stops the others and raises InstanceExited.
    """
    with sigterm_as_interrupt(), ProcessGroup(None) as group:
        try:
            processes = [
                group.start(f"{name}#{number}", command.argv, command.env)
                for number in range(1, instances + 1)
            ]
            on_started(processes)
            while all(process.running() for process in processes):
                time.sleep(WATCH_INTERVAL)
        except KeyboardInterrupt:
            return
        ended = next(process for process in processes if not process.running())
        raise InstanceExited(
            f"{ended.name} (pid {ended.pid}) exited with code {ended.returncode};"
            f" stopped the other instances",
            hint="its output above says why (a wrong service = module:Class in service.toml,"
            " an import error, a database it cannot open)",
        )
