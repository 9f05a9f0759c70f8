"""The distributions a project requires, read from its manifests as text (never run):
`requirements*.txt`, `pyproject.toml` (`[project]` dependencies and optional dependencies,
PEP 735 `[dependency-groups]`, Poetry's dependencies and groups), `setup.cfg`
(`install_requires`, `extras_require`), Apache Airflow's `generated/provider_dependencies.json`
(each provider's `deps`, which its `hatch_build.py` turns into extras), and a `setup.py`'s
`setup(install_requires=[...], extras_require={...})` when they are literals.

A line, entry or file that does not parse is left out: a manifest never stops the analysis.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import tomllib
from collections.abc import Iterable, Iterator

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Parsed
from packaging.utils import canonicalize_name

from analyzer.facts.python import Requirement

AIRFLOW_PROVIDERS = "provider_dependencies.json"
# a wheel's `*.dist-info/entry_points.txt`: entry points only (`source/entry_points.py`)
ENTRY_POINTS_TXT = "entry_points.txt"
MANIFEST_NAMES = frozenset({"pyproject.toml", "setup.cfg", AIRFLOW_PROVIDERS, ENTRY_POINTS_TXT})
SETUP_PY = "setup.py"


def is_manifest(name: str) -> bool:
    """Whether a file of this name declares requirements (or entry points)."""
    return name in MANIFEST_NAMES or (name.startswith("requirements") and name.endswith(".txt"))


def manifest_requirements(text: str, name: str) -> tuple[Requirement, ...]:
    """What the manifest called `name` requires."""
    if name == "pyproject.toml":
        written = _pyproject(text)
    elif name == "setup.cfg":
        written = _setup_cfg(text)
    elif name == AIRFLOW_PROVIDERS:
        written = _airflow_providers(text)
    elif name == ENTRY_POINTS_TXT:
        written = []
    else:
        written = _requirements_txt(text)
    return tuple(_parsed(written))


def setup_py_requirements(tree: ast.Module) -> tuple[Requirement, ...]:
    """The literal `install_requires` and `extras_require` of `setup(...)` calls."""
    written: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and called_name(node.func) == "setup"):
            continue
        for keyword in node.keywords:
            if keyword.arg == "install_requires":
                written += _literal_strings(keyword.value)
            elif keyword.arg == "extras_require" and isinstance(keyword.value, ast.Dict):
                for value in keyword.value.values:
                    written += _literal_strings(value)
    return tuple(_parsed(written))


def _parsed(written: Iterable[str]) -> Iterator[Requirement]:
    for text in written:
        try:
            parsed = Parsed(text)
        except InvalidRequirement:
            continue
        yield Requirement(canonicalize_name(parsed.name), str(parsed.specifier))


def _requirements_txt(text: str) -> list[str]:
    """One requirement a line; comments, options (`-r`, `-e`, `--hash`) and URLs left out."""
    found = []
    for line in text.splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
        line = re.split(r"\s--?[a-z]", line, maxsplit=1)[0].strip()
        if line and not line.startswith("-"):
            found.append(line)
    return found


def _pyproject(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    project = _table(data.get("project"))
    found = _strings(project.get("dependencies"))
    for extra in _table(project.get("optional-dependencies")).values():
        found += _strings(extra)
    for group in _table(data.get("dependency-groups")).values():
        found += _strings(group)
    poetry = _table(_table(data.get("tool")).get("poetry"))
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [_table(group).get("dependencies") for group in _table(poetry.get("group")).values()]
    for table in tables:
        for name, constraint in _table(table).items():
            found += [f"{name}{spec}" for spec in _poetry_specifiers(constraint)]
    return found


def _poetry_specifiers(constraint: object) -> list[str]:
    """Poetry's constraint (`"^4.5"`, `{version = "~4.5"}`, a list of those) as PEP 440."""
    if isinstance(constraint, list):
        return [spec for item in constraint for spec in _poetry_specifiers(item)]
    if isinstance(constraint, dict):
        constraint = constraint.get("version", "")
    if not isinstance(constraint, str):
        return []
    if "||" in constraint:  # either of two ranges: no one PEP 440 specifier says it
        return [""]
    clauses = [_poetry_clause(c.strip()) for c in re.split(r",|\s+(?=[<>=!~^])", constraint)]
    return [",".join(c for c in clauses if c)]


def _poetry_clause(clause: str) -> str:
    """One clause: `^1.2.3` is `>=1.2.3,<2.0.0`, `~1.2` is `>=1.2,<1.3`, `1.2` is `==1.2`."""
    if clause in ("", "*"):
        return ""
    if clause[0] in "^~" and clause[1:2] != "=":
        release = [int(part) for part in re.findall(r"\d+", clause)[:3]]
        if not release:
            return ""
        if clause[0] == "^":  # the first non-zero part may not change
            kept = next((i for i, part in enumerate(release) if part), len(release) - 1)
        else:  # `~1` allows 1.x, `~1.2` and `~1.2.3` allow 1.2.x
            kept = 1 if len(release) > 1 else 0
        upper = [*release[:kept], release[kept] + 1]
        return f">={'.'.join(map(str, release))},<{'.'.join(map(str, upper))}"
    return clause if clause[0] in "<>=!~" else f"=={clause}"


def _setup_cfg(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    values = [parser.get("options", "install_requires", fallback="")]
    if parser.has_section("options.extras_require"):
        values += [value for _, value in parser.items("options.extras_require")]
    return [line for value in values for line in _requirements_txt(value)]


def _airflow_providers(text: str) -> list[str]:
    """`{"<provider>": {"deps": ["flask-appbuilder==4.5.2", ...], ...}, ...}`."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    return [
        dep for provider in _table(data).values() for dep in _strings(_table(provider).get("deps"))
    ]


def _table(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _literal_strings(node: ast.expr) -> list[str]:
    if not isinstance(node, ast.List | ast.Tuple):
        return []
    return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
