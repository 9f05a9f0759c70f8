"""Reading a plan file back: the routes of one area (for `strangler extract --plan`) and the
boundaries it agreed (for `strangler check`), with errors that name the file, the line where
they can, and the closest area name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from strangler.errors import UsageError
from strangler.tomlfiles import did_you_mean


class PlanFileError(UsageError):
    """The plan file cannot be read, is not a plan, or does not fit the request."""


@dataclass(frozen=True)
class PlannedService:
    """What the plan gives one service, as far as its boundaries go."""

    name: str
    routes: tuple[str, ...]  # endpoints
    modules: tuple[str, ...]
    tables: tuple[str, ...]  # what the partition puts with it
    owns: tuple[str, ...]  # written by its routes only
    reads_from_others: tuple[str, ...]


@dataclass(frozen=True)
class PlannedBoundaries:
    services: tuple[PlannedService, ...]
    shared_modules: tuple[str, ...]  # the plan's unassigned modules: they stay with the monolith


def area_routes(path: Path, area: str, project_hash: str) -> tuple[str, ...]:
    """The endpoints the plan at `path` assigns to `area`, refusing a plan made from another
    analysis than `project_hash` (the project changed, or it is another project)."""
    plan, services = _read(path)
    project = plan.get("project")
    made_from = project.get("hash") if isinstance(project, dict) else None
    if made_from != project_hash:
        raise PlanFileError(
            f"{path}: the plan was made from another analysis ({made_from}) than this project's",
            hint="the project changed since, or it is another project: run `strangler plan` again",
        )
    names = [str(s.get("name")) for s in services]
    if area not in names:
        raise PlanFileError(f"{path}: no area {area!r} in the plan{did_you_mean(area, names)}")
    return _names(path, services[names.index(area)], "routes", f"area {area!r}")


def read_boundaries(path: Path) -> PlannedBoundaries:
    """Each service's routes, modules and tables in the plan at `path`, and its shared modules."""
    plan, services = _read(path)
    unassigned = plan.get("unassigned")
    return PlannedBoundaries(
        services=tuple(_service(path, s) for s in services),
        shared_modules=_names(path, unassigned, "modules", "unassigned")
        if isinstance(unassigned, dict)
        else (),
    )


def _read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan's JSON and its list of services."""
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the plan: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    services = plan.get("services") if isinstance(plan, dict) else None
    if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
        raise PlanFileError(
            f"{path}: not a plan: no list of services", hint="write one with `strangler plan`"
        )
    return plan, services


def _service(path: Path, entry: dict[str, Any]) -> PlannedService:
    name = str(entry.get("name"))
    names = partial(_names, path, entry, where=f"service {name!r}")
    return PlannedService(
        name=name,
        routes=names("routes"),
        modules=names("modules"),
        tables=names("tables"),
        owns=names("owns"),
        reads_from_others=names("reads_from_others"),
    )


def _names(path: Path, entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    names = entry.get(key)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PlanFileError(f"{path}: {where} has no list of {key}")
    return tuple(names)
