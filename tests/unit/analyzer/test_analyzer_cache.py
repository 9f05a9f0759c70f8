"""Per-file facts are cached by content hash: unchanged files are not re-extracted."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzer.collect import pipeline
from analyzer.collect.file_facts import FileSpec
from analyzer.collect.pipeline import PARALLEL_MIN_BYTES, collect_facts
from analyzer.facts.python import FileFacts
from analyzer.resolution.results import Analysis
from analyzer.source.discover import discover
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
    entries = sorted(cache.rglob("facts/*/*.json"))
    assert len(entries) == cold.stats["files"]
    damaged = [b"", b"{not json", b'{"strangler-facts": 1, "facts": {"@": "Popen", "f": []}}']
    for index, entry in enumerate(entries):
        entry.write_bytes(damaged[index % len(damaged)])
    again = run(project, cache)
    assert again.stats["extracted"] == again.stats["files"]
    assert endpoints(again) == endpoints(cold)


def _module_source(number: int, padding: int) -> str:
    """A view module with real facts (a route, raw SQL), padded with comments past `padding`."""
    code = (
        "from flask import Blueprint\n\n"
        f"bp = Blueprint('part{number}', __name__)\n\n\n"
        f"@bp.get('/part{number}')\n"
        f"def view_{number}(db):\n"
        f"    return db.execute('SELECT * FROM table_{number}').fetchall()\n"
    )
    comment = "# " + "x" * 77 + "\n"
    return code + comment * (padding // len(comment) + 1)


def _recording_extract(log: Path) -> Callable[[bytes, FileSpec, str | None], FileFacts]:
    """`extract_file` that appends the pid of the process running it to `log` first."""
    real = pipeline.extract_file

    def extract(source: bytes, spec: FileSpec, dialect: str | None) -> FileFacts:
        with log.open("a") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(0.05)  # keep one worker busy long enough for the other to take a chunk
        return real(source, spec, dialect)

    return extract


def test_enough_source_is_extracted_in_worker_processes_with_the_same_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the recording extract_file reaches the workers only when they are forked")
    files_count = 12
    (tmp_path / "app").mkdir()
    for number in range(files_count):
        source = _module_source(number, PARALLEL_MIN_BYTES // files_count + 1)
        (tmp_path / "app" / f"part{number}.py").write_text(source)
    files = discover(tmp_path / "app").files
    assert len(files) == files_count
    assert sum(file.size for file in files) >= PARALLEL_MIN_BYTES
    serial = collect_facts(files, cache=None, dialect=None, fingerprint="test", workers=1)

    log = tmp_path / "pids.txt"
    monkeypatch.setattr(pipeline, "extract_file", _recording_extract(log))
    parallel = collect_facts(files, cache=None, dialect=None, fingerprint="test", workers=2)

    pids = [int(line) for line in log.read_text().split()]
    assert len(pids) == files_count  # each file extracted once
    assert os.getpid() not in pids
    assert len(set(pids)) == 2
    assert parallel.facts == serial.facts
    assert (parallel.from_cache, parallel.extracted) == (0, files_count)
    tables = {
        access.table
        for facts in parallel.facts
        for function in (facts.db.functions if facts.db else ())
        for access in function.accesses
    }
    assert tables == {f"table_{number}" for number in range(files_count)}


def test_unwritable_cache_is_a_diagnostic(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    analysis = run(FIXTURES / "decorators", blocker / "cache")
    assert "cache" in {d.kind for d in analysis.diagnostics}
    assert ("/", "index") in endpoints(analysis)
