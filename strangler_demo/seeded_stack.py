"""The demo's stack over freshly seeded SQLite databases in a temporary directory, on a
throw-away vhost (or AMQP_URI's): what the benchmarks measure."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from extracted_services.catalog.backfill import backfill_catalog
from legacy_monolith.seed import seed_database
from strangler.broker import given_or_temporary_vhost
from strangler.errors import StranglerError
from strangler.processes import ProcessGroup
from strangler_demo.stack import RunningStack, StackDatabases, sqlite_databases, start_stack


class StackUnavailable(StranglerError):
    """The stack could not be started."""

    exit_code = 2


@dataclass(frozen=True)
class SeededStack:
    stack: RunningStack
    group: ProcessGroup  # the stack's processes; more may join it
    databases: StackDatabases
    workdir: Path  # temporary: the databases, the processes' logs


@contextmanager
def seeded_stack(*, products: int, users: int, orders: int) -> Iterator[SeededStack]:
    """Seed a monolith, backfill the catalog service's database from it and start the stack
    over them; all stopped and removed afterwards. StackUnavailable when it cannot start."""
    with (
        given_or_temporary_vhost("strangler-bench") as amqp_uri,
        tempfile.TemporaryDirectory(prefix="strangler-bench-") as tmp,
    ):
        workdir = Path(tmp)
        databases = sqlite_databases(workdir)
        seed_database(databases.monolith_url, products=products, users=users, orders=orders)
        backfill_catalog(databases.monolith_url, databases.catalog_url)
        with ProcessGroup(workdir / "logs") as group:
            try:
                stack = start_stack(group, databases, amqp_uri=amqp_uri, workdir=workdir)
            except StranglerError as exc:
                raise StackUnavailable(f"the stack did not start: {exc}") from exc
            yield SeededStack(stack, group, databases, workdir)
