"""`strangler analyze --output FILE` creates FILE's missing parent folders."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from strangler.errors import StranglerError
from strangler_cli import cli

BLUEPRINTS = str(Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps" / "blueprints")


def test_output_into_missing_folders_creates_them(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir" / "a.md"
    result = CliRunner().invoke(
        cli,
        ["analyze", BLUEPRINTS, "--no-cache", "--format", "markdown", "--output", str(target)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert target.is_file()
    assert "## Summary" in target.read_text(encoding="utf-8")


def test_output_under_a_file_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder\n")
    target = tmp_path / "taken" / "a.md"
    result = CliRunner().invoke(cli, ["analyze", BLUEPRINTS, "--no-cache", "--output", str(target)])
    assert isinstance(result.exception, StranglerError)
    assert f"cannot write {target}" in str(result.exception)
