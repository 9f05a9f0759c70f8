"""Facts extracted in worker processes reach the parent through the cache entries the workers
write (not pickled back), and are the same facts a serial run without a cache gives."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from analyzer.collect.cache import FactCache
from analyzer.collect.pipeline import PARALLEL_MIN_BYTES, collect_facts
from analyzer.facts.python import FileFacts
from analyzer.source.discover import SourceFile, discover

FILES = 12


@pytest.fixture(autouse=True)
def _forked_workers() -> None:
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched cache reaches the workers only when they are forked")


def _project(root: Path) -> tuple[SourceFile, ...]:
    """Enough source for worker processes: views with a route and raw SQL each."""
    (root / "app").mkdir()
    padding = "# " + "x" * 77 + "\n"
    for number in range(FILES):
        code = (
            "from flask import Blueprint\n\n"
            f"bp = Blueprint('part{number}', __name__)\n\n\n"
            f"@bp.get('/part{number}')\n"
            f"def view_{number}(db):\n"
            f"    return db.execute('SELECT * FROM table_{number}').fetchall()\n"
        )
        filler = padding * (PARALLEL_MIN_BYTES // FILES // len(padding) + 1)
        (root / "app" / f"part{number}.py").write_text(code + filler)
    files = discover(root / "app").files
    assert sum(file.size for file in files) >= PARALLEL_MIN_BYTES
    return files


def _serial(files: tuple[SourceFile, ...]) -> tuple[FileFacts, ...]:
    return collect_facts(files, cache=None, dialect=None, fingerprint="test", workers=1).facts


def test_facts_read_back_from_the_workers_cache_entries_are_the_same(tmp_path: Path) -> None:
    files = _project(tmp_path)
    cache = FactCache.open(tmp_path / "cache")
    parallel = collect_facts(files, cache=cache, dialect=None, fingerprint="test", workers=2)
    assert parallel.facts == _serial(files)
    assert len(list((tmp_path / "cache").rglob("facts/*/*.json"))) == FILES


def test_a_file_whose_entry_was_not_written_is_extracted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _project(tmp_path)
    real_store = FactCache.store

    def store_all_but_part3(self: FactCache, key: str, facts: FileFacts) -> None:
        if not facts.path.endswith("part3.py"):  # as when the cache cannot hold its facts
            real_store(self, key, facts)

    monkeypatch.setattr(FactCache, "store", store_all_but_part3)
    cache = FactCache.open(tmp_path / "cache")
    parallel = collect_facts(files, cache=cache, dialect=None, fingerprint="test", workers=2)
    assert parallel.facts == _serial(files)
    assert len(list((tmp_path / "cache").rglob("facts/*/*.json"))) == FILES - 1
