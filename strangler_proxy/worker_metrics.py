"""Counters summed across gunicorn's worker processes: one small file per worker.

Each worker writes all its samples (counted since it started) to its own
`worker-<pid>-<token>.json` in the proxy's metrics directory, replacing the
file atomically, at most every `interval` seconds and only when they changed;
the admin endpoints sum every file (their own worker's written first). A
worker that exits leaves its file, so its counts stay in the sums and
counters never go down while the proxy runs; the token keeps a reused pid
from overwriting a dead worker's file. Gauges (`stats.GAUGES`: a worker's
breaker states) describe a worker now, so only the files of running workers
count for them. The directory is the proxy's own: made when it starts,
removed when it stops.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from strangler_proxy.stats import GAUGES, ProxyStats, SampleKey, Samples

log = logging.getLogger(__name__)

PUBLISH_INTERVAL = 0.5


def sum_worker_files(directory: Path) -> dict[SampleKey, float]:
    """The samples of every worker's file, added up; an unreadable file is logged and skipped."""
    total: defaultdict[SampleKey, float] = defaultdict(float)
    for path in sorted(directory.glob("worker-*.json")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            running = _running(path)
            for name, labels, value in entries:
                if name in GAUGES and not running:
                    continue
                total[(name, tuple((key, label) for key, label in labels))] += value
        except (OSError, ValueError, TypeError) as exc:
            log.warning("skipping the worker metrics file %s: %s", path.name, exc)
    return dict(total)


def _running(path: Path) -> bool:
    """Whether the worker that writes `path` (`worker-<pid>-<token>.json`) still runs."""
    pid = path.name.split("-")[1]
    return pid.isdigit() and Path(f"/proc/{pid}").exists()


class WorkerMetrics:
    """This worker's samples, written to its file by a background thread; `gauges` gives
    its gauges' current values (set it before `start`)."""

    def __init__(
        self, directory: Path, stats: ProxyStats, *, interval: float = PUBLISH_INTERVAL
    ) -> None:
        self.path = directory / f"worker-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
        self.gauges: Callable[[], Samples] = dict
        self._stats = stats
        self._interval = interval
        self._written: tuple[int, Samples] = (-1, {})  # the stats version and gauges written
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="strangler-metrics", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write once more, then end the thread."""
        self._stop.set()
        self._thread.join()
        self.publish()

    def publish(self) -> None:
        """Write the samples if they changed since the last write."""
        with self._lock:
            written = (self._stats.version, self.gauges())
            if written == self._written:
                return
            samples = {**self._stats.samples(), **written[1]}
            entries = [
                [name, [list(label) for label in labels], value]
                for (name, labels), value in samples.items()
            ]
            temporary = self.path.with_name(f".{self.path.name}.tmp")
            temporary.write_text(json.dumps(entries), encoding="utf-8")
            os.replace(temporary, self.path)
            self._written = written

    def gather(self) -> dict[SampleKey, float]:
        """Every worker's samples, this one's up to date."""
        self.publish()
        return sum_worker_files(self.path.parent)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.publish()
            except OSError as exc:
                log.warning("could not write this worker's metrics: %s", exc.strerror)


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """A private directory for the workers' files, removed by the process that made it.

    gunicorn forks its workers inside this block, and a worker leaves by
    `sys.exit` through the same frames: only the master may remove it.
    """
    owner = os.getpid()
    path = Path(tempfile.mkdtemp(prefix="strangler-proxy-metrics-"))
    try:
        yield path
    finally:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)
