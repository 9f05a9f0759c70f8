"""How a test treats something real it needs and cannot find: fail in CI, skip elsewhere."""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(message: str) -> None:
    """Fail under CI=true (the test must run there); skip with the reason elsewhere."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: this test must run)")
    pytest.skip(message)


def require_command(name: str, why: str) -> None:
    if shutil.which(name) is None:
        missing(f"`{name}` is not on PATH; {why}")
