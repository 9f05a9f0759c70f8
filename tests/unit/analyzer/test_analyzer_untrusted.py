"""The analyzer reads code it must not trust: it runs none of it, unpickles nothing,
and writes nothing into the tree it reads."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from strangler_cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"


class _Plant:
    """Unpickling this creates the file named by `marker` (os.system would do worse)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` with its size and modification time."""
    listing = {}
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        listing[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return listing


def _analyze(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["analyze", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def _endpoints(report: dict[str, object]) -> set[str]:
    routes = report["routes"]
    assert isinstance(routes, list)
    return {route["endpoint"] for route in routes}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "blueprints", target)
    return target


def test_the_cache_lives_under_xdg_cache_home_not_in_the_tree(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    before = _listing(project)
    _analyze(str(project))
    _analyze(str(project))
    assert _listing(project) == before
    (project_cache,) = (cache_home / "strangler").iterdir()
    entries = list(project_cache.rglob("facts/*/*.json"))
    assert len(entries) == len(list(project.rglob("*.py")))


def test_code_planted_in_the_tree_never_runs(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"open({str(marker)!r}, 'w').close()\n"
    for name in ("setup.py", "conftest.py", "shop/__init__.py", "evil.py"):
        path = project / name
        path.write_text(payload + path.read_text() if path.exists() else payload)
    stale_cache = project / ".strangler-cache" / "ab"
    stale_cache.mkdir(parents=True)
    for index in range(3):
        (stale_cache / f"ab{index}.pickle").write_bytes(pickle.dumps(_Plant(marker)))
    _analyze(str(project))
    _analyze(str(project), "--no-cache")
    assert not marker.exists()


def test_entries_planted_in_the_cache_run_nothing_and_are_misses(
    project: Path, tmp_path: Path
) -> None:
    cache_root = tmp_path / "cache"
    marker = tmp_path / "ran"
    expected = _endpoints(_analyze(str(project), "--cache-dir", str(cache_root)))
    entries = sorted(cache_root.rglob("*.json"))
    assert entries
    for entry in entries:
        entry.write_bytes(pickle.dumps(_Plant(marker)))
    again = _analyze(str(project), "--cache-dir", str(cache_root))
    assert not marker.exists()
    assert _endpoints(again) == expected
    stats = again["stats"]
    assert isinstance(stats, dict)
    assert stats["from_cache"] == 0


def test_a_cache_dir_inside_the_tree_is_refused(project: Path) -> None:
    before = _listing(project)
    inside = project / "shop" / "cache"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "strangler_cli",
            "analyze",
            str(project),
            "--cache-dir",
            str(inside),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert f"error: --cache-dir {inside} is inside the analyzed tree" in done.stderr
    assert "Traceback" not in done.stderr
    assert _listing(project) == before


def test_the_default_cache_inside_the_tree_only_turns_the_cache_off(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(project / ".cache"))
    before = _listing(project)
    report = _analyze(str(project))
    assert _listing(project) == before
    diagnostics = report["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [d["kind"] for d in diagnostics if d["kind"] == "cache"] == ["cache"]


def test_a_relative_xdg_cache_home_is_ignored(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The XDG spec says so; a relative one would land wherever the command was started."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.chdir(project)
    before = _listing(project)
    _analyze(".")
    assert _listing(project) == before
    assert (home / ".cache" / "strangler").is_dir()
    assert os.listdir(home / ".cache" / "strangler")
