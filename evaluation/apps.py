"""The evaluation set: `evaluation/apps.toml` read into frozen `AppSpec`s, checked on the way in.

One place knows the file's keys, so the truth dumper and the scorer cannot disagree on them,
and a typo in the file stops both with the app and the key named instead of a KeyError.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

EVALUATION_DIR = Path(__file__).resolve().parent
APPS_FILE = EVALUATION_DIR / "apps.toml"
TRUTH_DIR = EVALUATION_DIR / "truth"
WORK_DIR = EVALUATION_DIR.parent / "var" / "evaluation"  # downloads and venvs, gitignored

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
TARGET_PATTERN = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(.*\))?")
ARCHIVE_KINDS = ("sdist", "wheel")
KNOWN_KEYS = frozenset(
    {"name", "why", "requirement", "extra_requirements", "archive", "target", "env", "prelude"}
    | {"analyze", "analyzer_app", "route_truth", "dependencies"}
)


class EvaluationError(Exception):
    """A mistake in the evaluation set or its environment, reported as one line, no traceback."""


@dataclass(frozen=True)
class AppSpec:
    """One real Flask application of the set, as apps.toml describes it."""

    name: str  # file names: truth/<name>.json, var/evaluation/<name>/
    why: str  # the registration patterns it exercises
    requirement: str  # pinned PyPI requirement, "privacyidea==3.14"
    target: str  # "module:app" or "module:create_app(...)", evaluated in the module
    analyze: str = "."  # folder inside the unpacked archive given to `strangler analyze`
    archive: str = "sdist"  # "wheel" for projects that publish no sdist
    extra_requirements: tuple[str, ...] = ()  # pins the app needs to import today
    env: dict[str, str] = field(default_factory=dict)  # set while importing the app
    prelude: str = ""  # Python run in the import's working directory first (config files)
    analyzer_app: str | None = None  # score only this app of the report; None: every route
    route_truth: bool = True  # False: no url_map can be dumped; table-access evaluation only
    # False: the release's own pinned dependencies no longer install; it is installed without
    # them (`pip install --no-deps`) and `extra_requirements` lists what it needs instead
    dependencies: bool = True


def load_apps(path: Path = APPS_FILE) -> list[AppSpec]:
    """Every app of the file, in file order."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EvaluationError(f"{path}: cannot read: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise EvaluationError(f"{path}: {error}") from error
    entries = document.get("app", [])
    if not isinstance(entries, list) or not entries:
        raise EvaluationError(f"{path}: no [[app]] entries")
    apps = [_app_from_entry(path, index, entry) for index, entry in enumerate(entries, 1)]
    names = [app.name for app in apps]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise EvaluationError(f"{path}: app names used twice: {', '.join(duplicates)}")
    return apps


def select_apps(apps: list[AppSpec], wanted: list[str]) -> list[AppSpec]:
    """The apps named in `wanted` (all when it is empty); an unknown name is an error."""
    if not wanted:
        return apps
    by_name = {app.name: app for app in apps}
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise EvaluationError(
            f"unknown app {', '.join(unknown)}; the set has: {', '.join(sorted(by_name))}"
        )
    return [by_name[name] for name in wanted]


def _app_from_entry(path: Path, index: int, entry: object) -> AppSpec:
    where = f"{path}: [[app]] #{index}"
    if not isinstance(entry, dict):
        raise EvaluationError(f"{where}: not a table")
    unknown = sorted(set(entry) - KNOWN_KEYS)
    if unknown:
        raise EvaluationError(f"{where}: unknown keys {', '.join(unknown)}")
    for key in ("name", "why", "requirement", "target"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise EvaluationError(f"{where}: `{key}` must be a non-empty string")
    if not NAME_PATTERN.fullmatch(entry["name"]):
        raise EvaluationError(f"{where}: `name` must be lower-case letters, digits, - or _")
    if not TARGET_PATTERN.fullmatch(entry["target"]):
        raise EvaluationError(f"{where}: `target` must read module:attr or module:factory(...)")
    if entry.get("archive", "sdist") not in ARCHIVE_KINDS:
        raise EvaluationError(f"{where}: `archive` must be one of {', '.join(ARCHIVE_KINDS)}")
    env = entry.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise EvaluationError(f"{where}: `env` must be a table of strings")
    extra = entry.get("extra_requirements", [])
    if not isinstance(extra, list) or not all(isinstance(item, str) for item in extra):
        raise EvaluationError(f"{where}: `extra_requirements` must be a list of strings")
    for switch in ("route_truth", "dependencies"):
        if not isinstance(entry.get(switch, True), bool):
            raise EvaluationError(f"{where}: `{switch}` must be true or false")
    return AppSpec(
        name=entry["name"],
        why=entry["why"],
        requirement=entry["requirement"],
        target=entry["target"],
        analyze=str(entry.get("analyze", ".")),
        archive=entry.get("archive", "sdist"),
        extra_requirements=tuple(extra),
        env=dict(env),
        prelude=str(entry.get("prelude", "")),
        analyzer_app=entry.get("analyzer_app"),
        route_truth=entry.get("route_truth", True),
        dependencies=entry.get("dependencies", True),
    )
