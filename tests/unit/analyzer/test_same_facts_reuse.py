"""A re-run after edits that leave every file's facts as they were (a comment) reuses the
last report; one whose facts differ only in a literal's type (`1` -> `True`, equal under
`==`) does not, and reports what a cold run does."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from analyzer.collect import same_facts
from analyzer.collect.cache import FactCache
from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.reports.as_json import render_json
from analyzer.source.discover import SourceFile
from analyzer.usecases import AnalyzeOptions, ReportRun, report_project

APP = """
from flask import Flask

VERSION = 1  # the API's version


def create_app():
    app = Flask(__name__)

    @app.route(f"/v{VERSION}/items")
    def items():
        return "x"  # a comment

    return app
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tree" / "app").mkdir(parents=True)
    (tmp_path / "tree" / "app" / "__init__.py").write_text(APP)
    return tmp_path / "tree"


def _run(project: Path, cache: Path | None) -> ReportRun:
    options = AnalyzeOptions(
        show_progress=False, workers=1, cache_dir=cache, use_cache=cache is not None
    )
    return report_project(project, options, "json", render_json)


def _edit(project: Path, old: str, new: str) -> None:
    path = project / "app" / "__init__.py"
    path.write_text(path.read_text().replace(old, new))


def _rules(run: ReportRun) -> list[str]:
    return [route["rule"] for route in json.loads(run.report.text)["routes"]]


def test_a_reworded_comment_reuses_the_report(project: Path, tmp_path: Path) -> None:
    first = _run(project, tmp_path / "cache")
    _edit(project, "# a comment", "# a longer comment")
    rerun = _run(project, tmp_path / "cache")
    assert rerun.reused and rerun.same_facts
    assert rerun.report == first.report
    again = _run(project, tmp_path / "cache")  # the entry now stamps the edited bytes
    assert again.reused and not again.same_facts


def test_a_literal_of_another_type_is_not_taken_for_the_same_fact(
    project: Path, tmp_path: Path
) -> None:
    before = _run(project, tmp_path / "cache")
    _edit(project, "VERSION = 1", "VERSION = True")
    rerun = _run(project, tmp_path / "cache")
    assert not rerun.reused
    assert _rules(rerun) == _rules(_run(project, None)) != _rules(before)


def test_comparing_facts_with_equality_would_reuse_a_wrong_report(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red: `Lit(1) == Lit(True)`, so facts compared with `==` pass the edit as no change."""

    def by_equality(
        changed: Sequence[tuple[SourceFile, str]],
        cache: FactCache,
        *,
        dialect: str | None,
        fingerprint: str,
    ) -> dict[str, tuple[str, str]] | None:
        for file, earlier_key in changed:
            spec = FileSpec(file.rel, file.kind, file.module, file.is_package)
            if cache.load(earlier_key) != extract_file(file.path.read_bytes(), spec, dialect):
                return None
        return {}

    monkeypatch.setattr(same_facts, "facts_unchanged", by_equality)
    _run(project, tmp_path / "cache")
    _edit(project, "VERSION = 1", "VERSION = True")
    rerun = _run(project, tmp_path / "cache")
    assert rerun.reused
    assert _rules(rerun) != _rules(_run(project, None))


def test_a_missing_earlier_entry_means_a_full_run(project: Path, tmp_path: Path) -> None:
    _run(project, tmp_path / "cache")
    for entry in (tmp_path / "cache").rglob("facts/*/*.json"):
        entry.write_text("{damaged")
    _edit(project, "# a comment", "# a longer comment")
    rerun = _run(project, tmp_path / "cache")
    assert not rerun.reused
    assert _rules(rerun) == _rules(_run(project, None))


def test_a_new_discovery_diagnostic_is_not_hidden_by_a_reused_report(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file skipped as huge adds no file to compare, only a diagnostic: the report
    reused before this change lacked it."""
    monkeypatch.setattr("analyzer.source.discover.HUGE_FILE_BYTES", 1000)
    _run(project, tmp_path / "cache")
    (project / "app" / "generated.py").write_text("X = 1\n" * 500)
    rerun = _run(project, tmp_path / "cache")
    assert not rerun.reused
    assert "huge-file" in {d["kind"] for d in json.loads(rerun.report.text)["diagnostics"]}
