"""requirements.lock pins, with hashes, a version of every package pyproject.toml asks for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def _pins() -> dict[str, list[tuple[str, str | None]]]:
    """Package -> [(version, marker)], and every pin followed by at least one hash."""
    pins: dict[str, list[tuple[str, str | None]]] = {}
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    for index, line in enumerate(lines):
        match = PIN.match(line)
        if match is None:
            continue
        assert lines[index + 1].strip().startswith("--hash=sha256:"), f"{line} has no hash"
        name, version, marker = match.groups()
        pins.setdefault(canonicalize_name(name), []).append((version, marker))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(text) for text in texts]


def test_every_declared_requirement_is_pinned_within_its_range() -> None:
    pins = _pins()
    for requirement in _declared():
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is in pyproject.toml but not in requirements.lock"
        for version, _marker in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {requirement.name}=={version}, outside {requirement}"
            )


def test_the_lock_pins_the_packages_the_code_leans_on() -> None:
    pins = _pins()
    for name in ("nameko", "sqlglot", "sqlalchemy", "psycopg2-binary", "setuptools"):
        assert name in pins, f"{name} missing from requirements.lock"
    assert pins["nameko"] == [("2.14.1", None)]
