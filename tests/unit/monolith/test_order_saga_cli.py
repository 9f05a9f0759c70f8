"""`strangler monolith saga-run` parses its options and hands them to the runner process,
a plain one: the monolith's saga code loads neither eventlet nor nameko."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from legacy_monolith import commands
from legacy_monolith.orders import saga_runner


def test_saga_run_starts_the_runner_with_the_given_urls_and_timings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[tuple[Any, ...]] = []

    def run_saga_process(database_url: str, amqp_uri: str, **timings: float) -> None:
        started.append((database_url, amqp_uri, timings))

    monkeypatch.setattr(saga_runner, "run_saga_process", run_saga_process)
    result = CliRunner().invoke(
        commands.monolith,
        [
            "saga-run",
            "--database-url",
            "sqlite:////tmp/shop.sqlite3",
            "--amqp-uri",
            "amqp://guest:secret@broker:5672/",
            "--stale-after",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "saga runner: database sqlite:////tmp/shop.sqlite3, broker amqp://guest:***@broker:5672/\n"
    )
    assert started == [
        (
            "sqlite:////tmp/shop.sqlite3",
            "amqp://guest:secret@broker:5672/",
            {"step_timeout": 3.0, "poll_interval": 1.0, "stale_after": 5.0},
        )
    ]


def test_the_monolith_and_its_saga_runner_load_no_eventlet() -> None:
    code = (
        "import sys, legacy_monolith.app, legacy_monolith.orders.saga_runner;"
        " print(sorted({'eventlet', 'nameko'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
