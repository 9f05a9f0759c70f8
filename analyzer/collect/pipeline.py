"""The facts stage: every discovered file -> `FileFacts`, from the cache when its bytes are
unchanged, otherwise extracted, in worker processes when there is enough work for them.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import os
from dataclasses import dataclass

from analyzer.collect.cache import FactCache, cache_key
from analyzer.collect.file_facts import FileSpec, extract_file
from analyzer.collect.progress import Progress
from analyzer.facts.python import Diagnostic, FileFacts
from analyzer.source.discover import SourceFile

PARALLEL_MIN_BYTES = 256 * 1024  # below this, starting workers costs more than it saves
# each chunk holds this share, per worker, of the source not yet in a chunk: chunks shrink as
# the work runs out, so the workers finish together and the last results to unpickle are small
CHUNK_SHARE = 2
MIN_CHUNK_BYTES = 32 * 1024  # smaller chunks cost more in messages than they even out


@dataclass(frozen=True, slots=True)
class FactsRun:
    facts: tuple[FileFacts, ...]
    from_cache: int
    extracted: int
    digests: dict[str, str]  # SHA-256 of each file that could be read, by relative path
    keys: dict[str, str]  # the fact-cache key of each of them, likewise


@dataclass(frozen=True, slots=True)
class _Job:
    source: bytes
    spec: FileSpec
    key: str


def collect_facts(
    files: tuple[SourceFile, ...],
    *,
    cache: FactCache | None,
    dialect: str | None,
    fingerprint: str,
    progress: Progress | None = None,
    workers: int | None = None,
) -> FactsRun:
    """Facts for `files`, in the same order; `fingerprint` identifies the toolkit."""
    results: dict[str, FileFacts] = {}
    digests: dict[str, str] = {}
    keys: dict[str, str] = {}
    jobs: list[_Job] = []
    for file in files:
        spec = FileSpec(file.rel, file.kind, file.module, file.is_package)
        try:
            source = file.path.read_bytes()
        except OSError as exc:
            results[file.rel] = FileFacts(
                file.rel,
                file.module,
                file.is_package,
                file.kind,
                0,
                diagnostics=(
                    Diagnostic(file.rel, 0, "unreadable", f"cannot read: {exc.strerror}"),
                ),
            )
            continue
        digests[file.rel] = hashlib.sha256(source).hexdigest()
        key = keys[file.rel] = cache_key(source, spec, dialect, fingerprint)
        cached = cache.load(key) if cache is not None else None
        if cached is not None:
            results[file.rel] = cached
            if progress is not None:
                progress.advance()
        else:
            jobs.append(_Job(source, spec, key))
    from_cache = len(results)
    for facts in _extract_all(jobs, dialect, cache, workers or os.cpu_count() or 1, progress):
        results[facts.path] = facts
    return FactsRun(tuple(results[f.rel] for f in files), from_cache, len(jobs), digests, keys)


def _extract_all(
    jobs: list[_Job],
    dialect: str | None,
    cache: FactCache | None,
    workers: int,
    progress: Progress | None,
) -> list[FileFacts]:
    """Extract (and cache) facts; in worker processes, which also write the cache entries,
    when there is enough source to pay for starting them."""
    total_bytes = sum(len(job.source) for job in jobs)
    if workers < 2 or len(jobs) < 2 or total_bytes < PARALLEL_MIN_BYTES:
        extracted = []
        for job in jobs:
            extracted.extend(_chunk_facts([job], dialect, cache))
            if progress is not None:
                progress.advance()
        return extracted
    # the workers fork from this process: sqlglot (loaded only once a string looks like SQL,
    # as most large trees' strings do somewhere) loaded here once rather than in each of them
    importlib.import_module("analyzer.database.sql_tables")
    # loaded here: a re-run extracting a file or two needs no process machinery
    from concurrent.futures import ProcessPoolExecutor, as_completed

    chunks = _shrinking_chunks(jobs, workers)
    extracted = []
    # the cycle collector only slows workers down: they build acyclic facts and exit
    with ProcessPoolExecutor(max_workers=workers, initializer=gc.disable) as pool:
        futures = {pool.submit(_worker_chunk, chunk, dialect, cache): chunk for chunk in chunks}
        for future in as_completed(futures):
            chunk = futures[future]
            for job, facts in zip(chunk, future.result(), strict=True):
                extracted.append(facts if facts is not None else _stored(job, dialect, cache))
            if progress is not None:
                progress.advance(len(chunk))
    return extracted


def _worker_chunk(
    jobs: list[_Job], dialect: str | None, cache: FactCache | None
) -> list[FileFacts | None]:
    """In a worker: the facts of each job, None for those sent back through the cache.

    With a cache, the worker has just written every entry: reading one back costs this
    process about what unpickling its facts would, and spares the worker pickling them."""
    return [None if cache is not None else facts for facts in _chunk_facts(jobs, dialect, cache)]


def _stored(job: _Job, dialect: str | None, cache: FactCache | None) -> FileFacts:
    """A job's facts from the cache entry a worker wrote; extracted again in the rare case
    there is none (a write that failed, facts the cache format cannot hold)."""
    facts = cache.load(job.key) if cache is not None else None
    return facts if facts is not None else extract_file(job.source, job.spec, dialect)


def _chunk_facts(jobs: list[_Job], dialect: str | None, cache: FactCache | None) -> list[FileFacts]:
    """Facts for each job, each written to the cache (by the worker, when run in one)."""
    chunk = []
    for job in jobs:
        facts = extract_file(job.source, job.spec, dialect)
        if cache is not None:
            cache.store(job.key, facts)
        chunk.append(facts)
    return chunk


def _shrinking_chunks(jobs: list[_Job], workers: int) -> list[list[_Job]]:
    """Jobs, largest first, in chunks of shrinking size (see CHUNK_SHARE), for the workers to
    take in turn."""
    remaining = sum(len(job.source) for job in jobs)
    chunks: list[list[_Job]] = []
    chunk: list[_Job] = []
    size = 0
    for job in sorted(jobs, key=lambda j: len(j.source), reverse=True):
        chunk.append(job)
        size += len(job.source)
        if size >= max(remaining // (workers * CHUNK_SHARE), MIN_CHUNK_BYTES):
            chunks.append(chunk)
            remaining -= size
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks
