"""What a real process said in its log file."""

from __future__ import annotations

from strangler.processes import ManagedProcess


def stopped_line(process: ManagedProcess, prefix: str) -> str:
    """Stop the process (SIGTERM); the last line of its log containing `prefix` (the summary
    it printed as it stopped), once it exited 0."""
    process.stop()
    assert process.returncode == 0, process.log_tail()
    assert process.log_path is not None
    lines = [line for line in process.log_path.read_text().splitlines() if prefix in line]
    assert lines, process.log_tail()
    return lines[-1]
