"""The differential check of `benchmarks/rerun_identity.py`, small: the sample monolith, one
scripted edit of each kind (`tests/support/source_edits.py`) to one of its files, and the
report of a re-run reusing the cache compared byte for byte with a cold run's. The same
check, with reuse made wrong on purpose (a stale fact entry, a stale report), must fail."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from source_edits import EDIT_KINDS

from analyzer.collect import pipeline, reuse
from analyzer.reports.as_json import render_json
from analyzer.usecases import AnalyzeOptions, report_project

MONOLITH = Path(__file__).resolve().parents[3] / "legacy_monolith"
# the file each kind edits: one that has what the kind changes (routes, SQL, a model)
EDITED = {
    "add a function": "helpers.py",
    "change a body": "catalog/queries.py",
    "add an import": "orders/views.py",
    "remove an import": "cart/views.py",
    "add a route": "accounts/views.py",
    "change a SQL string": "inventory/views.py",
    "rename a model's table": "reviews/models.py",
    "delete a function": "catalog/queries.py",
    "edit a comment": "orders/views.py",
}


def _normalized(text: str) -> str:
    report = json.loads(text)
    for count in ("from_cache", "extracted"):  # how the facts were had: differs by design
        report["stats"].pop(count, None)
    return json.dumps(report, indent=2, ensure_ascii=False)


def _edited_rerun_and_cold(tmp_path: Path, kind: str, seed: int) -> tuple[str, str, str]:
    """(report before the edit, re-run's after it, cold run's after it), normalized."""
    root = tmp_path / "tree"
    shutil.copytree(MONOLITH, root / "legacy_monolith")
    cached = AnalyzeOptions(show_progress=False, workers=1, cache_dir=tmp_path / "cache")
    before = report_project(root, cached, "json", render_json).report.text
    path = root / "legacy_monolith" / EDITED[kind]
    edited = EDIT_KINDS[kind](path.read_text(), random.Random(seed), seed)
    assert edited is not None and edited != path.read_text()
    path.write_text(edited)
    rerun = report_project(root, cached, "json", render_json).report.text
    cold = report_project(
        root, AnalyzeOptions(show_progress=False, workers=1, use_cache=False), "json", render_json
    ).report.text
    return _normalized(before), _normalized(rerun), _normalized(cold)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("kind", list(EDIT_KINDS))
def test_a_rerun_after_a_realistic_edit_is_a_cold_run(tmp_path: Path, kind: str, seed: int) -> None:
    _, rerun, cold = _edited_rerun_and_cold(tmp_path, kind, seed)
    assert rerun == cold


@pytest.mark.parametrize(
    "kind", ["add a route", "change a SQL string", "rename a model's table", "delete a function"]
)
def test_the_edits_change_what_the_report_says(tmp_path: Path, kind: str) -> None:
    before, rerun, _ = _edited_rerun_and_cold(tmp_path, kind, 1)
    assert rerun != before


def test_the_check_fails_when_a_changed_file_keeps_its_old_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red: fact entries keyed without the file's bytes (a skipped invalidation)."""
    keyed = pipeline.cache_key
    monkeypatch.setattr(pipeline, "cache_key", lambda source, spec, *rest: keyed(b"", spec, *rest))
    _, rerun, cold = _edited_rerun_and_cold(tmp_path, "add a route", 1)
    assert rerun != cold


def test_the_check_fails_when_a_stale_report_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red: every file taken as unchanged since the last report."""
    monkeypatch.setattr(reuse, "_unchanged", lambda file, stamp, started_ns: stamp is not None)
    _, rerun, cold = _edited_rerun_and_cold(tmp_path, "rename a model's table", 1)
    assert rerun != cold
