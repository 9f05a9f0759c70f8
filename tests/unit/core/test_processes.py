"""ProcessGroup really stops what it starts, grandchildren included."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from strangler.processes import ProcessFailed, ProcessGroup, free_port, http_ok

SPAWNS_GRANDCHILD = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(child.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); read its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _wait_for_line(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"nothing written to {path}")


def test_stop_all_kills_children_and_grandchildren(tmp_path: Path) -> None:
    with ProcessGroup(tmp_path) as group:
        parent = group.start("spawner", [sys.executable, "-c", SPAWNS_GRANDCHILD])
        grandchild_pid = int(_wait_for_line(tmp_path / "spawner.log"))
        assert _alive(parent.pid) and _alive(grandchild_pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(grandchild_pid):
        time.sleep(0.05)
    assert not _alive(parent.pid)
    assert not _alive(grandchild_pid)


def test_a_stopped_process_is_never_signalled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its process group id may belong to someone else by the time of a second stop."""
    signalled: list[tuple[int, int]] = []
    real_killpg = os.killpg

    def recording_killpg(pgid: int, signum: int) -> None:
        signalled.append((pgid, signum))
        real_killpg(pgid, signum)

    monkeypatch.setattr(os, "killpg", recording_killpg)
    with ProcessGroup(tmp_path) as group:
        sleeper = group.start("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"])
        sleeper.stop()
        assert signalled and {pgid for pgid, _ in signalled} == {sleeper.pid}
        signalled.clear()
    assert signalled == []


def test_wait_ready_reports_early_exit_with_its_output(tmp_path: Path) -> None:
    with ProcessGroup(tmp_path) as group:
        process = group.start(
            "crasher", [sys.executable, "-c", "print('boom: missing config'); raise SystemExit(3)"]
        )
        with pytest.raises(ProcessFailed, match=r"exited with code 3(.|\n)*boom: missing config"):
            process.wait_ready(lambda: False, timeout=10)


def test_wait_ready_times_out_with_a_clear_message(tmp_path: Path) -> None:
    with ProcessGroup(tmp_path) as group:
        process = group.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
        with pytest.raises(ProcessFailed, match="sleeper was not ready after 1s"):
            process.wait_ready(lambda: False, timeout=1)


def test_http_ok_is_false_when_nothing_listens() -> None:
    assert http_ok(f"http://127.0.0.1:{free_port()}/")() is False


def test_a_group_without_a_log_dir_shares_our_output(capfd: pytest.CaptureFixture[str]) -> None:
    with ProcessGroup(None) as group:
        child = group.start("echo", [sys.executable, "-c", "print('from the child')"])
        deadline = time.monotonic() + 10
        while child.running() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert child.returncode == 0
    assert "from the child" in capfd.readouterr().out
