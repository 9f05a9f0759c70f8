"""Functions run around requests: `before_request`/`before_app_request` hooks, teardown
handlers, and login/user loaders. Reported once as "on every request"; `RouteHooks` tells which
of them run for a given route, and `fold_per_route` folds their table access per route.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analyzer.facts.python import Diagnostic
from analyzer.resolution.graph import fold_access
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    ExternalEntity,
    FlaskObject,
    FunctionEntity,
    InstanceEntity,
    SeqEntity,
)
from analyzer.resolution.results import Access, FunctionKey, Hook, Route, TableUse

# hooks that a blueprint registers for the whole app
APP_WIDE_BLUEPRINT_HOOKS = frozenset(
    {
        "before_app_request",
        "before_app_first_request",
        "after_app_request",
        "teardown_app_request",
    }
)
FLASK_HOOKS = frozenset(
    {
        "before_request",
        "before_first_request",
        "after_request",
        "teardown_request",
        "teardown_appcontext",
        "url_value_preprocessor",
        *APP_WIDE_BLUEPRINT_HOOKS,
    }
)


def collect_hooks(
    registrations: Iterable[Registration],
    app_names: Mapping[FlaskObject, str],
    blueprint_names: Mapping[FlaskObject, str],
) -> tuple[tuple[Hook, ...], tuple[Diagnostic, ...]]:
    """Hooks and user loaders with what they apply to; one per (kind, what it applies to,
    function), at its first registration in file order (a registration inside a helper such as
    `create_app` is found once per call of the helper)."""
    hooks: dict[tuple[str, str, tuple[str, str]], Hook] = {}
    diagnostics: list[Diagnostic] = []
    for reg in registrations:
        if reg.fact.kind != "hook":
            continue
        attr = reg.fact.attr
        target = reg.target
        if attr in FLASK_HOOKS and not isinstance(target, FlaskObject):
            continue  # e.g. a test client or an unrelated object with the same method name
        if isinstance(target, ClassEntity) or isinstance(reg.view, ConstEntity | SeqEntity):
            continue  # a project class's own method (`Project.verify_token(token)`), not a hook
        if not isinstance(reg.view, FunctionEntity):
            diagnostics.append(
                Diagnostic(
                    reg.file, reg.line, "unresolved-view", f"{attr} hook function not resolved"
                )
            )
            continue
        hook = Hook(
            kind=attr,
            applies_to=_applies_to(attr, target, app_names, blueprint_names),
            handler=(reg.view.module, reg.view.qualname),
            file=reg.file,
            line=reg.line,
            registered_on=_library_class(target),
        )
        key = (hook.kind, hook.applies_to, hook.handler)
        if key not in hooks or (hook.file, hook.line) < (hooks[key].file, hooks[key].line):
            hooks[key] = hook
    return tuple(sorted(hooks.values(), key=lambda h: (h.file, h.line))), tuple(diagnostics)


def _applies_to(
    attr: str,
    target: object,
    app_names: Mapping[FlaskObject, str],
    blueprint_names: Mapping[FlaskObject, str],
) -> str:
    if isinstance(target, FlaskObject):
        if target in app_names:
            return _of_app(app_names[target])
        if target in blueprint_names:
            name = blueprint_names[target]
            if attr in APP_WIDE_BLUEPRINT_HOOKS:
                return _of_every_app_registering(name)
            return _of_blueprint(name)
    return "every request that loads the current user"


def _of_app(name: str) -> str:
    return f"app {name}"


def _of_blueprint(name: str) -> str:
    return f"blueprint {name}"


def _of_every_app_registering(blueprint: str) -> str:
    return f"every app that registers blueprint {blueprint}"


def _library_class(target: object) -> str | None:
    if isinstance(target, InstanceEntity) and isinstance(target.cls, ExternalEntity):
        return target.cls.dotted
    return None


def is_loader(hook: Hook) -> bool:
    """A user loader or token/password verifier: it runs only when a guard asks for the user."""
    return hook.kind not in FLASK_HOOKS


def loader_library(hook: Hook) -> str | None:
    """`flask_login` for a loader registered on a `flask_login.LoginManager`; None if unknown."""
    return hook.registered_on.partition(".")[0] if hook.registered_on else None


class RouteHooks:
    """Which hooks run for a route: its app's, its blueprints' (a nested blueprint's parents'
    too), the app-wide hooks of every blueprint its app registers, and the loaders its guards
    make run. Which blueprints an app registers is read off the app's routes."""

    def __init__(self, hooks: Iterable[Hook], routes: Iterable[Route]) -> None:
        self._flask: dict[str, list[Hook]] = {}
        self._loaders: list[Hook] = []
        for hook in hooks:
            if is_loader(hook):
                self._loaders.append(hook)
            else:
                self._flask.setdefault(hook.applies_to, []).append(hook)
        self._app_blueprints: dict[str | None, set[str]] = {}
        for route in routes:
            registered = self._app_blueprints.setdefault(route.app, set())
            registered.update(_blueprint_chain(route.blueprint))

    def flask_hooks(self, route: Route) -> tuple[Hook, ...]:
        targets = [_of_app(route.app)] if route.app else []
        targets += [_of_blueprint(name) for name in _blueprint_chain(route.blueprint)]
        targets += [
            _of_every_app_registering(name)
            for name in sorted(self._app_blueprints.get(route.app, ()))
        ]
        return tuple(hook for target in targets for hook in self._flask.get(target, ()))

    def loaders(self, libraries: frozenset[str], guarded: bool) -> tuple[Hook, ...]:
        """The loaders of those libraries; one registered on an unknown object runs for every
        guarded route."""
        return tuple(
            hook
            for hook in self._loaders
            if loader_library(hook) in libraries or (guarded and loader_library(hook) is None)
        )


def _blueprint_chain(blueprint: str | None) -> list[str]:
    """`"parent.child"` -> `["parent.child", "parent"]`: Flask runs the hooks of both."""
    if not blueprint:
        return []
    parts = blueprint.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]


def fold_per_route(
    runs_for: Mapping[tuple[str | None, str, str], tuple[FunctionKey, ...]],
    calls: Mapping[FunctionKey, tuple[FunctionKey, ...]],
    uses: Mapping[FunctionKey, tuple[TableUse, ...]],
    external: Mapping[FunctionKey, tuple[TableUse, ...]] | None = None,
    commits: frozenset[FunctionKey] = frozenset(),
) -> dict[tuple[str | None, str, str], Access]:
    """Table access of what runs for each route besides its view (given `external`, with the
    tables of other databases it reaches); routes sharing the same hooks and decorators (most
    of a blueprint's) are folded once."""
    folded: dict[tuple[FunctionKey, ...], Access] = {}
    result = {}
    for route, roots in runs_for.items():
        key = tuple(sorted(set(roots)))
        if key not in folded:
            folded[key] = fold_access(key, calls, uses, external, commits)
        result[route] = folded[key]
    return result
