"""Each app's published source: downloaded once from PyPI with pip, unpacked per run.

The archive is cached under var/evaluation/downloads/<app>/ (one folder per app, so the file
name pip picks, `FlaskBB-2.0.2.tar.gz` or `changedetection_io-...`, needs no guessing) and
unpacked into a fresh temporary folder each time, so no run sees another's leftovers.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from evaluation.apps import WORK_DIR, AppSpec, EvaluationError

DOWNLOADS = WORK_DIR / "downloads"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".whl")
DOWNLOAD_TIMEOUT_SECONDS = 600


def cached_archive(app: AppSpec) -> Path:
    """The app's archive, downloaded with `pip download --no-deps` the first time."""
    folder = DOWNLOADS / app.name
    found = _archives_in(folder)
    if not found:
        print(f"  downloading {app.requirement} ({app.archive}) ...", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        kind = ["--no-binary", ":all:"] if app.archive == "sdist" else ["--only-binary", ":all:"]
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind]
        result = subprocess.run(
            [*command, "--dest", str(folder), app.requirement],
            capture_output=True,
            text=True,
            timeout=DOWNLOAD_TIMEOUT_SECONDS,
            check=False,
        )
        found = _archives_in(folder)
        if result.returncode != 0 or not found:
            reason = result.stderr.strip().splitlines()[-1:] or ["no archive"]
            raise EvaluationError(f"{app.name}: pip download failed: {reason[0]}")
    if len(found) > 1:
        names = ", ".join(path.name for path in found)
        raise EvaluationError(f"{app.name}: several archives in {folder}: {names}; keep one")
    return found[0]


def unpack(archive: Path, destination: Path) -> Path:
    """Unpack into `destination`; return the project's top folder (the sdist's single one)."""
    if archive.name.endswith((".zip", ".whl")):
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(destination)
    else:
        with tarfile.open(archive) as bundle:
            bundle.extractall(destination, filter="data")
    entries = list(destination.iterdir())
    if archive.name.endswith(".whl") or len(entries) != 1 or not entries[0].is_dir():
        return destination  # a wheel, or an archive without one top folder
    return entries[0]


def _archives_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.name.endswith(ARCHIVE_SUFFIXES))
