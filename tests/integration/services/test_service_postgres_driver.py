"""Nameko services reach PostgreSQL without blocking eventlet's hub.

Services run under eventlet (`nameko run` monkey-patches it); a database wait
that blocks the hub stops every other worker of the service. A ticker
greenlet counts how often it ran while one connection sits in `pg_sleep`.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.postgres

SLEEP_SECONDS = 1.0
TICK_SECONDS = 0.05

TICKS_DURING_QUERY = f"""
import eventlet

eventlet.monkey_patch()

import sys

from sqlalchemy import text

from strangler.database import open_engine

engine = open_engine(sys.argv[1], role="service database", green=sys.argv[2] == "green")
ticks = []


def ticker():
    while True:
        ticks.append(1)
        eventlet.sleep({TICK_SECONDS})


eventlet.spawn(ticker)
with engine.connect() as connection:
    eventlet.sleep(0)
    before = len(ticks)
    connection.execute(text("SELECT pg_sleep({SLEEP_SECONDS})"))
    during = len(ticks) - before
    print(connection.dialect.driver, during)
engine.dispose()
"""


def _ticks_while_sleeping(database_url: str, mode: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", TICKS_DURING_QUERY, database_url, mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    driver, ticks = done.stdout.split()
    return driver, int(ticks)


def test_a_service_engine_lets_other_greenlets_run_during_a_query(postgres_url: str) -> None:
    driver, ticks = _ticks_while_sleeping(postgres_url, "green")
    assert driver == "psycopg2"
    # about SLEEP_SECONDS / TICK_SECONDS = 20 when cooperative; 0 when the hub is blocked
    assert ticks >= 5


def test_the_default_driver_would_block_the_hub(postgres_url: str) -> None:
    """Why services need their own driver: psycopg 3 does not cooperate with eventlet."""
    driver, ticks = _ticks_while_sleeping(postgres_url, "default")
    assert driver == "psycopg"
    assert ticks == 0
