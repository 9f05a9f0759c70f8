"""Which routes to extract, and what else must come along for them to behave the same.

Pure: works from the analyzer's `Analysis` alone. The routes are chosen by blueprint name
or by rule; everything that runs for them in the monolith comes along: the app-wide hooks
(also those a blueprint registers for every app), the hooks of their blueprints, the
blueprints that register app-wide hooks (kept registered, their own routes dropped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.resolution.results import Analysis, App, FunctionKey, Route
from strangler.errors import UsageError
from strangler.tomlfiles import did_you_mean

_EVERY_APP = "every app that registers blueprint "


class SelectionError(UsageError):
    """The chosen blueprints or rules do not name routes of one app."""


@dataclass(frozen=True)
class Selection:
    """The routes to extract and what the service's copy of the app keeps and drops."""

    app: App
    routes: tuple[Route, ...]  # chosen (static routes excluded: Flask adds its own)
    kept_blueprints: frozenset[str]  # stay registered: chosen routes or app-wide hooks
    dropped_blueprints: frozenset[str]  # their registration is removed from the copy
    dropped_views: frozenset[FunctionKey]  # handlers of routes not chosen
    dropped_routes: tuple[Route, ...]  # routes not chosen (their registrations go)
    hook_modules: frozenset[str]  # modules of the hooks that run for the chosen routes


def select_routes(
    analysis: Analysis,
    *,
    blueprints: Iterable[str] = (),
    rules: Iterable[str] = (),
    endpoints: Iterable[str] = (),
    app: str | None = None,
) -> Selection:
    """The routes named by `blueprints`, `rules` and `endpoints` (a plan's area names its
    routes by endpoint), of `app` when given (a blueprint two apps register);
    SelectionError when a name matches none."""
    wanted_blueprints, wanted_rules = tuple(blueprints), tuple(rules)
    wanted_endpoints = tuple(endpoints)
    if not wanted_blueprints and not wanted_rules and not wanted_endpoints:
        raise SelectionError(
            "choose what to extract", hint="give --blueprint NAME or --route RULE (repeatable)"
        )
    routes = [r for r in analysis.routes if r.kind != "static" and r.app is not None]
    if app is not None:
        _check_names((app,), sorted({a.name for a in analysis.apps}), "app")
        routes = [r for r in routes if r.app == app]
    _check_names(
        wanted_blueprints, sorted({r.blueprint for r in routes if r.blueprint}), "blueprint"
    )
    _check_names(wanted_rules, sorted({r.rule for r in routes}), "route")
    _check_names(wanted_endpoints, sorted({r.endpoint for r in routes}), "endpoint")
    chosen = tuple(
        r
        for r in routes
        if r.blueprint in wanted_blueprints
        or r.rule in wanted_rules
        or r.endpoint in wanted_endpoints
    )
    chosen_app = _one_app(analysis, chosen)
    of_app = [r for r in routes if r.app == chosen_app.name]
    dropped = tuple(r for r in of_app if r not in chosen)
    every_app_hooks = {
        h.applies_to.removeprefix(_EVERY_APP)
        for h in analysis.hooks
        if h.applies_to.startswith(_EVERY_APP)
    }
    all_blueprints = {r.blueprint for r in of_app if r.blueprint} | every_app_hooks
    kept = {r.blueprint for r in chosen if r.blueprint} | every_app_hooks
    chosen_handlers = {key for r in chosen for key in r.handlers}
    return Selection(
        app=chosen_app,
        routes=chosen,
        kept_blueprints=frozenset(kept),
        dropped_blueprints=frozenset(all_blueprints - kept),
        dropped_views=frozenset(k for r in dropped for k in r.handlers) - chosen_handlers,
        dropped_routes=dropped,
        hook_modules=frozenset(
            h.handler[0] for h in analysis.hooks if _runs_for(h.applies_to, chosen_app.name, kept)
        ),
    )


def _runs_for(applies_to: str, app: str, blueprints: set[str]) -> bool:
    if applies_to == f"app {app}":
        return True
    if applies_to.startswith(_EVERY_APP):
        return applies_to.removeprefix(_EVERY_APP) in blueprints
    return applies_to.removeprefix("blueprint ") in blueprints


def _check_names(wanted: tuple[str, ...], known: list[str], what: str) -> None:
    for name in wanted:
        if name not in known:
            raise SelectionError(
                f"no {what} {name!r} in the analyzed app{did_you_mean(name, known)}",
                hint=f"`strangler analyze PATH` lists every {what}",
            )


def _one_app(analysis: Analysis, chosen: tuple[Route, ...]) -> App:
    names = sorted({r.app for r in chosen if r.app is not None})
    if len(names) != 1:
        raise SelectionError(
            f"the chosen routes belong to {len(names)} apps ({', '.join(names)})",
            hint="choose one with --app (as `strangler analyze` names it), or other routes",
        )
    return next(a for a in analysis.apps if a.name == names[0])
