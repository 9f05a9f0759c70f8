"""The `strangler_idempotency` table: which keyed calls a service has applied, and their answers.

One row per idempotency key, in the service's own database. Its `state`:

- `running`: a worker claimed the key (in a transaction of its own, committed
  before the method runs) and holds it until `claimed_at + lease`;
- `applied`: the method's write committed; the row was marked in that very
  transaction (`mark_applied`), so the write and the mark stand or fall together;
- `done`: the method returned; `answer` holds what it answered.

A worker killed before its write committed leaves `running` (nothing applied: a
repeat takes the key over once the lease ran out); killed after, `applied`
(applied, its answer lost). A worker whose claim was taken over cannot mark the
row, so its commit is refused: a key is applied at most once whatever the lease.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column, Connection, Engine, Float, MetaData, Table, Text, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from strangler.database import DatabaseUnavailable
from strangler.idempotency import IDEMPOTENCY_TABLE

TABLE_NAME = IDEMPOTENCY_TABLE
# the service databases the toolkit supports (both have INSERT ... ON CONFLICT DO NOTHING)
SUPPORTED_DIALECTS = frozenset({"postgresql", "sqlite"})

_metadata = MetaData()
keys = Table(
    TABLE_NAME,
    _metadata,
    Column("key", Text, primary_key=True),
    Column("scope", Text, nullable=False),  # "<service>.<method>"
    Column("state", Text, nullable=False),  # running | applied | done
    Column("claim", Text, nullable=False),  # the token of the worker holding the key
    Column("claimed_at", Float, nullable=False),  # unix time
    Column("answer", Text),  # JSON {"result": ...} or {"error": {"exc_type", "value"}}
)


@dataclass(frozen=True)
class Claimed:
    """The key is this worker's: run the method."""


@dataclass(frozen=True)
class Answered:
    """The key was applied and answered before: answer the same."""

    answer: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """The key cannot run now: `in_progress` (another worker holds it), `answer_lost`
    (applied, but its worker died before keeping the answer) or `other_scope` (the key
    was used for another method)."""

    reason: Literal["in_progress", "answer_lost", "other_scope"]


Verdict = Claimed | Answered | Refused


def create_table(engine: Engine) -> None:
    """Create the table if the database lacks it."""
    if engine.dialect.name not in SUPPORTED_DIALECTS:
        raise DatabaseUnavailable(
            f"idempotency keys need SQLite or PostgreSQL, not {engine.dialect.name}",
            hint="point the service's DATABASE_URL at sqlite:/// or postgresql://",
        )
    try:
        _metadata.create_all(engine, checkfirst=True)
    except SQLAlchemyError:
        # another instance of the service created it at the same moment
        if not inspect(engine).has_table(TABLE_NAME):
            raise


def claim(engine: Engine, key: str, scope: str, token: str, *, now: float, lease: float) -> Verdict:
    """Take `key` for the worker `token`, or say why not; committed before returning."""
    with engine.begin() as connection:
        if _insert_if_absent(connection, key, scope, token, now):
            return Claimed()
        row = connection.execute(
            select(keys.c.scope, keys.c.state, keys.c.claimed_at, keys.c.answer)
            .where(keys.c.key == key)
            .with_for_update()
        ).one()
        if row.scope != scope:
            return Refused("other_scope")
        if row.state == "done":
            return Answered(json.loads(row.answer))
        if row.claimed_at + lease > now:
            return Refused("in_progress")
        if row.state == "applied":
            return Refused("answer_lost")
        # a worker that died before its write committed: nothing applied, take the key over
        connection.execute(
            keys.update().where(keys.c.key == key).values(claim=token, claimed_at=now)
        )
        return Claimed()


def mark_applied(connection: Connection, key: str, token: str) -> bool:
    """Mark `key` applied inside the write's own transaction; False when the claim was lost."""
    marked = connection.execute(
        keys.update()
        .where(keys.c.key == key, keys.c.claim == token, keys.c.state.in_(("running", "applied")))
        .values(state="applied")
    )
    return marked.rowcount == 1


def keep_answer(engine: Engine, key: str, token: str, answer: dict[str, Any]) -> None:
    """Store the method's answer: the key is done, repeats get this answer."""
    with engine.begin() as connection:
        connection.execute(
            keys.update()
            .where(keys.c.key == key, keys.c.claim == token)
            .values(state="done", answer=json.dumps(answer))
        )


def release_or_keep(engine: Engine, key: str, token: str, answer: dict[str, Any]) -> None:
    """After a failed call: free the key if nothing was applied, else keep the failure as
    the answer (a repeat must not apply the write again)."""
    with engine.begin() as connection:
        freed = connection.execute(
            keys.delete().where(keys.c.key == key, keys.c.claim == token, keys.c.state == "running")
        )
        if freed.rowcount == 0:
            connection.execute(
                keys.update()
                .where(keys.c.key == key, keys.c.claim == token, keys.c.state == "applied")
                .values(state="done", answer=json.dumps(answer))
            )


def _insert_if_absent(connection: Connection, key: str, scope: str, token: str, now: float) -> bool:
    values = {"key": key, "scope": scope, "state": "running", "claim": token, "claimed_at": now}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(keys).values(values).on_conflict_do_nothing()
    return connection.execute(statement).rowcount == 1
