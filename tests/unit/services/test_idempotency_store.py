"""The idempotency table's verdicts, on a real SQLite file (the service side of issue 12).

The real-process tests (`tests/integration/proxy/test_proxy_at_most_once.py`)
cover the dependency around live services; these pin each state change.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from extracted_services.shared.idempotency_store import (
    Answered,
    Claimed,
    Refused,
    claim,
    create_table,
    keep_answer,
    mark_applied,
    release_or_keep,
)

LEASE = 10.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'service.sqlite3'}")
    create_table(engine)
    create_table(engine)  # a second instance starting finds it there
    yield engine
    engine.dispose()


def take(engine: Engine, token: str, *, at: float, scope: str = "shop.place") -> object:
    return claim(engine, "k", scope, token, now=at, lease=LEASE)


def applied(engine: Engine, token: str) -> bool:
    with engine.begin() as connection:
        return mark_applied(connection, "k", token)


def test_a_new_key_is_claimed_and_a_second_worker_is_told_it_runs(engine: Engine) -> None:
    assert take(engine, "w1", at=0) == Claimed()
    assert take(engine, "w2", at=1) == Refused("in_progress")


def test_a_finished_key_answers_the_same_to_every_repeat(engine: Engine) -> None:
    take(engine, "w1", at=0)
    assert applied(engine, "w1")
    keep_answer(engine, "k", "w1", {"result": {"order_id": 7}})
    assert take(engine, "w2", at=1) == Answered({"result": {"order_id": 7}})
    assert take(engine, "w3", at=LEASE * 10) == Answered({"result": {"order_id": 7}})


def test_a_key_is_never_shared_by_two_methods(engine: Engine) -> None:
    take(engine, "w1", at=0)
    assert take(engine, "w2", at=LEASE * 10, scope="shop.cancel") == Refused("other_scope")


def test_a_worker_that_died_before_committing_is_taken_over_and_cannot_commit_after(
    engine: Engine,
) -> None:
    take(engine, "w1", at=0)
    assert take(engine, "w2", at=LEASE + 1) == Claimed()
    assert not applied(engine, "w1")  # the first worker's late commit is refused
    assert applied(engine, "w2")


def test_a_worker_that_died_after_committing_leaves_an_applied_key(engine: Engine) -> None:
    take(engine, "w1", at=0)
    assert applied(engine, "w1")
    assert take(engine, "w2", at=1) == Refused("in_progress")
    assert take(engine, "w2", at=LEASE + 1) == Refused("answer_lost")


def test_a_failure_before_any_write_frees_the_key(engine: Engine) -> None:
    take(engine, "w1", at=0)
    release_or_keep(engine, "k", "w1", {"error": {"exc_type": "BadRequest", "value": "no"}})
    assert take(engine, "w2", at=1) == Claimed()


def test_a_failure_after_the_write_is_kept_as_the_answer(engine: Engine) -> None:
    take(engine, "w1", at=0)
    applied(engine, "w1")
    failure = {"error": {"exc_type": "KeyError", "value": "'x'"}}
    release_or_keep(engine, "k", "w1", failure)
    assert take(engine, "w2", at=1) == Answered(failure)


def test_the_mark_rolls_back_with_the_write(engine: Engine) -> None:
    take(engine, "w1", at=0)
    with engine.connect() as connection:
        assert mark_applied(connection, "k", "w1")
        connection.rollback()
    assert take(engine, "w2", at=LEASE + 1) == Claimed()  # still `running`: nothing applied
    with engine.connect() as connection:
        assert connection.execute(text("SELECT state FROM strangler_idempotency")).all() == [
            ("running",)
        ]
