"""An analysis never loads networkx (import cycles are searched without it), and a re-run
after editing one file loads only what that file needs: no sqlglot when the edited file holds
no SQL; and its report is the one a run without a cache makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SOURCES = {
    "shop/__init__.py": "",
    "shop/orders.py": "from shop import billing\n\n\ndef total():\n    return billing.TAX\n",
    "shop/billing.py": (
        "from shop import orders\n\nTAX = 2\n\n\ndef bill():\n    return orders.total()\n"
    ),
    "shop/queries.py": 'def load(db):\n    return db.execute("SELECT id FROM orders")\n',
}


def _analyze(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-X", "importtime", "-m", "strangler_cli", "analyze", str(project)]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [*command, *options], capture_output=True, text=True, check=True, env=environment
    )


def test_no_run_loads_networkx_and_a_body_edit_loads_no_sqlglot(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for rel, text in SOURCES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    cache = ("--cache-dir", str(tmp_path / "cache"))
    first = _analyze(project, *cache)
    assert "networkx" not in first.stderr and "sqlglot" in first.stderr
    billing = project / "shop" / "billing.py"
    billing.write_text(billing.read_text().replace("TAX = 2", "TAX = 3"))
    edited = _analyze(project, *cache)
    assert "networkx" not in edited.stderr
    assert "sqlglot" not in edited.stderr
    report = json.loads(edited.stdout)
    assert report["import_cycles"] == [["shop.billing", "shop.orders"]]
    assert _without_cache_counts(report) == _without_cache_counts(
        json.loads(_analyze(project, "--no-cache").stdout)
    )


def _without_cache_counts(report: dict[str, Any]) -> dict[str, Any]:
    """The report less the counts of facts read from the cache and extracted (that differ)."""
    stats = {k: v for k, v in report["stats"].items() if k not in ("from_cache", "extracted")}
    return {**report, "stats": stats}


LOADED_REPORT_MODULES = """
import sys, runpy
sys.argv = ["strangler", *sys.argv[1:]]
try:
    runpy.run_module("strangler_cli", run_name="__main__")
finally:
    print(*sorted(m for m in sys.modules if m.startswith("analyzer.reports.")), file=sys.stderr)
"""


def test_only_the_asked_formats_renderer_is_loaded(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for rel, text in SOURCES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    command = [sys.executable, "-c", LOADED_REPORT_MODULES, "analyze", str(project), "--no-cache"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.split()
    assert "analyzer.reports.as_json" in loaded  # JSON, the default format
    assert "analyzer.reports.as_html" not in loaded
    assert "analyzer.reports.as_markdown" not in loaded
