"""Apply each keyed RPC call at most once: the shared Nameko dependency every service declares.

    class OrdersService:
        name = "orders"
        idempotency = Idempotency()  # the database of config DATABASE_URL

Nameko re-delivers a call whose worker did not acknowledge it (a broker
connection closed mid-call, a killed process), and callers retry. A call that
carries the context data `idempotency_key` (the proxy sends one with every
request that may write; `strangler/idempotency.py`) runs through `_apply_once`:
the key is claimed in the service's `strangler_idempotency` table
(`idempotency_store.py`); a key answered before gets that answer again, one
still running is refused with `RequestInProgress` (the proxy's 409 with
Retry-After), and otherwise the method runs.

The key is marked applied inside the method's own write: a listener on every
SQLAlchemy engine's `commit` (ORM sessions, Flask-SQLAlchemy's included, and
Core transactions all end there) runs the mark on the committing connection,
for the worker whose greenthread commits. So the hand-written service, the
RPC-method one and the transplanted Flask app are covered alike, without
handing the dependency their session. A commit to another database is not
covered: it is logged as such (`not_covered`), as are, unseen, writes outside
a SQLAlchemy transaction (autocommit, raw driver connections, files, calls to
other services). Calls without a key, and event handlers, run as they are.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventlet.corolocal import local
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from sqlalchemy import Connection, Engine, event

from extracted_services.shared.errors import Conflict, RequestInProgress
from extracted_services.shared.idempotency_store import (
    Answered,
    Claimed,
    claim,
    create_table,
    keep_answer,
    mark_applied,
    release_or_keep,
)
from strangler.database import database_identity, display_url, open_engine
from strangler.idempotency import IDEMPOTENCY_CONTEXT_KEY

log = logging.getLogger(__name__)

DATABASE_URL_KEY = "DATABASE_URL"
LEASE_SECONDS_KEY = "IDEMPOTENCY_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 60.0  # how long a worker that never finished keeps its key

# why a key cannot run now -> the wire error a caller gets (`idempotency_store.Refused`)
REFUSALS: dict[str, tuple[type[Exception], str]] = {
    "in_progress": (RequestInProgress, "a request with this idempotency key is still running"),
    "answer_lost": (
        Conflict,
        "a request with this idempotency key was already applied; its answer was not kept",
    ),
    "other_scope": (Conflict, "this idempotency key was already used for another request"),
}


class ClaimLost(Exception):
    """The worker's key was taken over (its lease ran out): its write must not commit."""


class ReplayedError(Exception):
    """Base of the exceptions that repeat a stored failure under its original class name."""


@dataclass(frozen=True)
class _Holding:
    """The key a worker holds while its method runs."""

    key: str
    token: str
    scope: str


class Idempotency(DependencyProvider):
    """Claims each keyed call's key, marks it in the call's own commit, keeps its answer."""

    engine: Engine

    def __init__(self, database_url_key: str = DATABASE_URL_KEY) -> None:
        self._database_url_key = database_url_key
        self.not_covered: set[tuple[str, str]] = set()  # (scope, database) committed elsewhere

    def setup(self) -> None:
        url = self.container.config[self._database_url_key]
        self.engine = open_engine(url, role="idempotency key database", green=True)
        create_table(self.engine)
        self._database = database_identity(url)
        self._lease = float(self.container.config.get(LEASE_SECONDS_KEY, DEFAULT_LEASE_SECONDS))
        self._holding = local()  # per greenthread: the key its worker holds
        event.listen(Engine, "commit", self._on_commit)

    def stop(self) -> None:
        event.remove(Engine, "commit", self._on_commit)
        self.engine.dispose()

    def worker_setup(self, worker_ctx: Any) -> None:
        """Put `_apply_once` around a keyed RPC method, for this worker only."""
        key = worker_ctx.data.pop(IDEMPOTENCY_CONTEXT_KEY, None)  # not passed on to calls it makes
        if not key or not isinstance(worker_ctx.entrypoint, Rpc):
            return
        name = worker_ctx.entrypoint.method_name
        scope = f"{self.container.service_name}.{name}"
        method = getattr(worker_ctx.service, name)
        setattr(
            worker_ctx.service, name, functools.partial(self._apply_once, str(key), scope, method)
        )

    def _apply_once(
        self, key: str, scope: str, method: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        token = uuid.uuid4().hex
        verdict = claim(self.engine, key, scope, token, now=time.time(), lease=self._lease)
        if isinstance(verdict, Answered):
            return _replay(verdict.answer)
        if not isinstance(verdict, Claimed):
            error, message = REFUSALS[verdict.reason]
            raise error(message)
        self._holding.value = _Holding(key, token, scope)
        try:
            result = method(*args, **kwargs)
        except Exception as exc:
            self._holding.value = None
            release_or_keep(self.engine, key, token, _failure(exc))
            raise
        self._holding.value = None
        keep_answer(self.engine, key, token, {"result": result})
        return result

    def _on_commit(self, connection: Connection) -> None:
        holding: _Holding | None = getattr(self._holding, "value", None)
        if holding is None:
            return
        if database_identity(connection.engine.url) != self._database:
            self._report_not_covered(holding.scope, display_url(connection.engine.url))
            return
        try:
            if not mark_applied(connection, holding.key, holding.token):
                raise ClaimLost(f"the idempotency key of this {holding.scope} call was taken over")
        except BaseException:
            # a raise here skips the commit but leaves the transaction open on a connection the
            # pool would take back as finished; dropping the connection rolls the write back
            connection.invalidate()
            raise

    def _report_not_covered(self, scope: str, database: str) -> None:
        if (scope, database) not in self.not_covered:
            self.not_covered.add((scope, database))
            log.warning(
                "%s committed to %s, which does not hold its idempotency keys:"
                " that write is not covered (a re-delivered call may apply it again)",
                scope,
                database,
            )


def _failure(exc: Exception) -> dict[str, Any]:
    """A raised exception as nameko puts it on the wire (class name, message)."""
    return {"error": {"exc_type": type(exc).__name__, "value": str(exc)}}


def _replay(answer: dict[str, Any]) -> Any:
    """The stored answer again: the result, or the stored failure raised under its name."""
    if "error" in answer:
        error = answer["error"]
        raise type(error["exc_type"], (ReplayedError,), {})(error["value"])
    return answer["result"]
