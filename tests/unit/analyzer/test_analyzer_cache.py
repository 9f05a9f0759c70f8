"""Per-file facts are cached by content hash: unchanged files are not re-extracted."""

from __future__ import annotations

import shutil
from pathlib import Path

from analyzer.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"


def run(project: Path, cache: Path | None, *, workers: int = 1) -> Analysis:
    options = AnalyzeOptions(
        use_cache=cache is not None, cache_dir=cache, show_progress=False, workers=workers
    )
    return analyze_project(project, options)


def endpoints(analysis: Analysis) -> set[tuple[str, str]]:
    return {(r.rule, r.endpoint) for r in analysis.routes}


def test_warm_run_reads_every_file_from_the_cache(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "blueprints", project)
    cache = tmp_path / "cache"
    cold = run(project, cache)
    warm = run(project, cache)
    assert cold.stats["extracted"] == cold.stats["files"] > 0
    assert warm.stats["from_cache"] == warm.stats["files"]
    assert warm.stats["extracted"] == 0
    assert endpoints(warm) == endpoints(cold)
    assert warm.route_access == cold.route_access


def test_only_the_changed_file_is_extracted_again(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "blueprints", project)
    cache = tmp_path / "cache"
    run(project, cache)
    orders = project / "shop" / "orders.py"
    orders.write_text(orders.read_text().replace('"/<int:order_id>"', '"/by-id/<int:order_id>"'))
    changed = run(project, cache)
    assert changed.stats["extracted"] == 1
    assert ("/api/orders/by-id/<int:order_id>", "orders.get_order") in endpoints(changed)


def test_damaged_cache_entries_are_misses(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "decorators", project)
    cache = tmp_path / "cache"
    cold = run(project, cache)
    for entry in cache.rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    again = run(project, cache)
    assert again.stats["extracted"] == again.stats["files"]
    assert endpoints(again) == endpoints(cold)


def test_parallel_extraction_gives_the_same_facts(tmp_path: Path) -> None:
    serial = run(FIXTURES / "orm", None, workers=1)
    project = tmp_path / "orm"
    shutil.copytree(FIXTURES / "orm", project)
    # pad files so the work is big enough for worker processes
    (project / "padding.py").write_text("X = 1\n" * 60_000)
    parallel = run(project, None, workers=2)
    assert endpoints(parallel) == endpoints(serial)
    assert parallel.route_access == serial.route_access


def test_unwritable_cache_is_a_diagnostic(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    analysis = run(FIXTURES / "decorators", blocker / "cache")
    assert "cache" in {d.kind for d in analysis.diagnostics}
    assert ("/", "index") in endpoints(analysis)
