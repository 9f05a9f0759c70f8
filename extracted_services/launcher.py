"""Start an extracted service with nameko's own runner, replacing this process.

`nameko run` monkey-patches eventlet before importing the service, so the
service must run in a fresh interpreter that nameko owns: we exec it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import urlsplit

from extracted_services.registry import ServiceSpec
from strangler.broker import amqp_uri_from_env
from strangler.database import parse_database_url
from strangler.errors import StranglerError, UsageError

AMQP_SCHEMES = ("amqp", "amqps", "pyamqp")
BROKER_CONNECT_TIMEOUT = 5.0


class BrokerUnavailable(StranglerError):
    """The broker a service is to run on cannot be reached or refuses us."""


@dataclass(frozen=True)
class NamekoCommand:
    """The argv and the extra environment of a `nameko run` process."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)


def nameko_command(
    spec: ServiceSpec,
    *,
    amqp_uri: str | None = None,
    database_url: str | None = None,
    python: str = sys.executable,
) -> NamekoCommand:
    """The command running `spec` with its config.yml; given URLs override the environment."""
    config = spec.config_path
    if not config.is_file():
        raise UsageError(f"the {spec.name} service's config file {config} is missing")
    env: dict[str, str] = {}
    if amqp_uri is not None:
        if urlsplit(amqp_uri).scheme not in AMQP_SCHEMES:
            raise UsageError(
                f"--amqp-uri {amqp_uri!r} is not an AMQP URI",
                hint="use e.g. amqp://guest:guest@127.0.0.1:5672/",
            )
        env["AMQP_URI"] = amqp_uri
    if database_url is not None:
        parse_database_url(database_url, role=f"{spec.name} service database")
        env[spec.database_env] = database_url
    argv = (python, "-m", "nameko", "run", spec.service_module, "--config", str(config))
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


def exec_command(command: NamekoCommand) -> NoReturn:
    """Replace this process with `command` (it never returns)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(command.argv[0], list(command.argv), {**os.environ, **command.env})
