"""Analyze a small project written into a temporary directory, without cache or workers."""

from __future__ import annotations

from pathlib import Path

from analyzer.resolution.results import Analysis
from analyzer.usecases import AnalyzeOptions, analyze_project


def analyze(path: Path) -> Analysis:
    return analyze_project(path, AnalyzeOptions(use_cache=False, show_progress=False, workers=1))


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path
