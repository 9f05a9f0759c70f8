"""The top-level CLI: user mistakes give a message and an exit code, not a traceback."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from strangler.cli import SUBCOMMANDS, cli


def test_every_registered_subcommand_imports_and_has_help() -> None:
    runner = CliRunner()
    for name in SUBCOMMANDS:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output


def test_unknown_subcommand_is_a_usage_error_without_traceback() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "strangler", "analyse"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert "No such command 'analyse'" in completed.stderr
    assert "Traceback" not in completed.stderr
