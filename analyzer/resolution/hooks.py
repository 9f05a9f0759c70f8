"""Functions run around every request: `before_request`/`before_app_request` hooks, teardown
handlers, and login/user loaders. Reported once as "on every request", not folded into routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analyzer.facts.python import Diagnostic
from analyzer.resolution.registrations import Registration
from analyzer.resolution.resolve import (
    ClassEntity,
    ConstEntity,
    FlaskObject,
    FunctionEntity,
    SeqEntity,
)
from analyzer.resolution.results import Hook

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
            return f"app {app_names[target]}"
        if target in blueprint_names:
            name = blueprint_names[target]
            if attr in APP_WIDE_BLUEPRINT_HOOKS:
                return f"every app that registers blueprint {name}"
            return f"blueprint {name}"
    return "every request that loads the current user"
