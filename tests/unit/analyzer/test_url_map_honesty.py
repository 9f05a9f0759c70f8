"""The static routes equal what Flask itself builds: each sample app that names its
`flask_app` is imported for real, in a child process, and its `app.url_map` compared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.usecases import AnalyzeOptions, analyze_project

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "analyzer_apps"


def _importable_apps() -> list[tuple[str, str]]:
    """(fixture, "module:app" or "module:factory()") for every app a fixture says Flask can load."""
    found = []
    for directory in sorted(FIXTURES.iterdir()):
        if (directory / "expected.json").is_file():
            data = json.loads((directory / "expected.json").read_text())
            found += [(directory.name, app) for app in data.get("flask_apps", [])]
    return found


DUMP_URL_MAP = """
import importlib, json, sys
module_name, _, attribute = sys.argv[1].partition(":")
target = getattr(importlib.import_module(module_name), attribute.removesuffix("()"))
app = target() if attribute.endswith("()") else target
print(json.dumps(sorted(
    [r.rule, r.endpoint, sorted(r.methods - {"HEAD", "OPTIONS"})] for r in app.url_map.iter_rules()
)))
"""


def real_url_map(directory: Path, flask_app: str) -> list[list[object]]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(directory)}
    result = subprocess.run(
        [sys.executable, "-c", DUMP_URL_MAP, flask_app],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rules: list[list[object]] = json.loads(result.stdout)
    return rules


@pytest.mark.parametrize(("name", "flask_app"), _importable_apps())
def test_static_routes_equal_flask_url_map(name: str, flask_app: str) -> None:
    directory = FIXTURES / name
    analysis = analyze_project(directory, AnalyzeOptions(use_cache=False, show_progress=False))
    static = sorted(
        [r.rule, r.endpoint, list(r.methods)] for r in analysis.routes if r.app == flask_app
    )
    real = real_url_map(directory, flask_app)
    # one static entry per (rule, endpoint): Flask may hold several rules for it (merged here)
    merged: dict[tuple[str, str], set[str]] = {}
    for rule, endpoint, methods in real:
        merged.setdefault((str(rule), str(endpoint)), set()).update(methods)  # type: ignore[arg-type]
    assert static == sorted([r, e, sorted(m)] for (r, e), m in merged.items())
