"""An unchanged tree gets the previous run's report back, without loading the extractors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.collect.reuse import RACY_NS, Report, ReportCache, run_start
from analyzer.reports.as_json import render_json
from analyzer.source.discover import discover
from analyzer.usecases import AnalyzeOptions, ReportRun, report_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"
OPTIONS = AnalyzeOptions(show_progress=False, workers=1)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(FIXTURES / "blueprints", target)
    return target


def _report(project: Path, options: AnalyzeOptions = OPTIONS) -> ReportRun:
    return report_project(project, options, "json", render_json)


def _age(path: Path, seconds: float) -> None:
    """Set the file's times `seconds` into the past, as if it was written then."""
    past = path.stat().st_mtime_ns - int(seconds * 1e9)
    os.utime(path, ns=(past, past))


def _age_tree(project: Path) -> None:
    for path in project.rglob("*.py"):
        _age(path, 60)


def test_an_unchanged_tree_reuses_the_report_byte_for_byte(project: Path) -> None:
    _age_tree(project)
    first = _report(project)
    second = _report(project)
    assert (first.reused, second.reused) == (False, True)
    assert second.report == first.report


def test_a_touched_file_with_the_same_bytes_still_reuses(project: Path) -> None:
    _age_tree(project)
    first = _report(project)
    orders = project / "shop" / "orders.py"
    os.utime(orders)  # a checkout or `touch`: new time, same content
    again = _report(project)
    assert again.reused
    assert again.report == first.report


def test_a_changed_file_makes_a_new_report(project: Path) -> None:
    _age_tree(project)
    _report(project)
    orders = project / "shop" / "orders.py"
    orders.write_text(orders.read_text().replace('"/<int:order_id>"', '"/by-id/<int:order_id>"'))
    changed = _report(project)
    assert not changed.reused
    assert "/api/orders/by-id/<int:order_id>" in changed.report.text


def test_an_added_or_removed_file_makes_a_new_report(project: Path) -> None:
    _age_tree(project)
    _report(project)
    (project / "extra.py").write_text("X = 1\n")
    assert not _report(project).reused
    (project / "extra.py").unlink()
    assert not _report(project).reused


def test_options_that_shape_facts_and_the_format_each_have_their_own_report(
    project: Path,
) -> None:
    _age_tree(project)
    _report(project)
    other_dialect = AnalyzeOptions(show_progress=False, workers=1, dialect="postgres")
    assert not _report(project, other_dialect).reused
    markdown = report_project(project, OPTIONS, "markdown", lambda analysis: "md")
    assert not markdown.reused
    assert markdown.report.text == "md"


def test_a_new_toolkit_makes_a_new_report(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _age_tree(project)
    _report(project)
    monkeypatch.setattr("analyzer.usecases.toolkit_fingerprint", lambda: "another-version")
    assert not _report(project).reused


def test_a_file_written_too_close_to_the_run_is_checked_by_its_bytes(tmp_path: Path) -> None:
    """Same size and time but other bytes: only the hash can tell, and it is asked."""
    source = tmp_path / "app.py"
    source.write_text("A = 1\n")
    files = discover(tmp_path).files
    cache = ReportCache(tmp_path / "cache", "kind")
    cache.store(files, {"app.py": "0" * 64}, Report("old", 0, 0), run_started_ns=run_start())
    assert cache.lookup(files) is None  # its time is within RACY_NS of the run: hashed
    cache.store(
        files, {"app.py": "0" * 64}, Report("old", 0, 0), run_started_ns=run_start() + RACY_NS * 2
    )
    assert cache.lookup(files) == Report("old", 0, 0)  # old enough: size and time suffice


def test_the_warm_path_loads_neither_sqlglot_nor_the_extractors(project: Path) -> None:
    """Nor package metadata: the toolkit is told apart by its files' stamps alone."""
    _age_tree(project)
    command = [sys.executable, "-X", "importtime", "-m", "strangler_cli", "analyze", str(project)]
    cold = subprocess.run(command, capture_output=True, text=True, check=True)
    warm = subprocess.run(command, capture_output=True, text=True, check=True)
    assert warm.stdout == cold.stdout
    assert "sqlglot" in cold.stderr
    assert "sqlglot" not in warm.stderr
    assert "analyzer.collect.pipeline" not in warm.stderr
    assert "analyzer.resolution.resolve" in cold.stderr  # the resolution stage: cold only
    assert "analyzer.resolution.resolve" not in warm.stderr
    assert "importlib.metadata" not in warm.stderr
