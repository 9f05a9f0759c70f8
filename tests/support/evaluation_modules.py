"""evaluation/ is not installed in the venv: its modules are imported from the checkout."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def evaluation_module(name: str) -> ModuleType:
    """`evaluation.<name>`, the checkout appended to sys.path (installed packages come first)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return importlib.import_module(f"evaluation.{name}")
