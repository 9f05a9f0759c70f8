"""`strangler sync` mistakes are one clear message and an exit code, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from legacy_monolith.seed import seed_database
from strangler.processes import free_port

REPOSITORY = Path(__file__).resolve().parents[3]


def strangler(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strangler_cli", *args],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'monolith.sqlite3'}"
    seed_database(url, products=3, users=1, orders=0)
    return url


def test_an_unknown_service_is_named(seeded: str) -> None:
    done = strangler("sync", "install", "catalgo", "--database-url", seeded)
    assert done.returncode == 2
    assert "no service package named 'catalgo'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_database_file_is_refused(tmp_path: Path) -> None:
    done = strangler("sync", "run", "--database-url", f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert done.returncode == 1
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_the_relay_refuses_a_database_without_capture(seeded: str) -> None:
    done = strangler("sync", "run", "--database-url", seeded)
    assert done.returncode == 2
    assert "capture is not installed" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_broker_is_one_line_and_installs_nothing(seeded: str) -> None:
    uri = f"amqp://guest:secret@127.0.0.1:{free_port()}/"
    done = strangler("sync", "install", "catalog", "--database-url", seeded, "--amqp-uri", uri)
    assert done.returncode == 1
    assert "cannot connect to RabbitMQ at amqp://guest:***@127.0.0.1" in done.stderr
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
    uninstalled = strangler("sync", "uninstall", "catalog", "--database-url", seeded)
    assert uninstalled.stdout.strip() == "no capture was installed for catalog"
