"""What the evaluation's commands share: the apps named on the command line, and a piece of
work run on each of them in turn, an app whose work fails reported and skipped."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from evaluation.apps import AppSpec, EvaluationError, load_apps, select_apps

T = TypeVar("T")


def named_apps(names: list[str]) -> list[AppSpec] | None:
    """The apps of apps.toml named in `names` (all of them when it is empty); None, the error
    printed, when a name is not in the set."""
    try:
        return select_apps(load_apps(), names)
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return None


def run_each(
    apps: list[AppSpec], work: Callable[[AppSpec], T]
) -> tuple[list[tuple[AppSpec, T]], list[str]]:
    """`work` on each app under a `== name` line: what it gave for the apps it did, and the
    names of those where it raised EvaluationError (printed)."""
    done: list[tuple[AppSpec, T]] = []
    failed: list[str] = []
    for app in apps:
        print(f"== {app.name}", flush=True)
        try:
            done.append((app, work(app)))
        except EvaluationError as error:
            print(f"error: {error}", file=sys.stderr, flush=True)
            failed.append(app.name)
    return done, failed
