"""Reading a plan file back (for `strangler extract --plan`): the routes of one area, with
errors that name the file, the line where they can, and the closest area name."""

from __future__ import annotations

import json
from pathlib import Path

from strangler.errors import UsageError
from strangler.tomlfiles import did_you_mean


class PlanFileError(UsageError):
    """The plan file cannot be read, is not a plan, or does not fit the request."""


def area_routes(path: Path, area: str, project_hash: str) -> tuple[str, ...]:
    """The endpoints the plan at `path` assigns to `area`, refusing a plan made from another
    analysis than `project_hash` (the project changed, or it is another project)."""
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
    routes = services[names.index(area)].get("routes")
    if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes):
        raise PlanFileError(f"{path}: area {area!r} has no list of routes")
    return tuple(routes)
