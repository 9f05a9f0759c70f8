"""The RPC-methods style: which chosen views become `@rpc` methods, and their module.

A view converts when it reads JSON in and writes JSON out (`codemods/rpc_methods.py`),
it is a plain function serving one HTTP method, no guard protects it, and no project
function it calls (the analyzer's call graph, followed to the end) needs more of the
request than an RPC call carries. Every other view stays transplant-only, with the
reason. The methods are written into `rpc_methods.py`, a class the service class
inherits from, so they sit on the same Nameko service as the envelope method.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from analyzer.resolution.results import Analysis, FunctionKey, Route
from extractor.codemods.rpc_methods import (
    RpcMethod,
    ViewCall,
    convert_view,
    find_function,
    state_use,
)
from extractor.selection import Selection

MODULE = "rpc_methods"
TAKEN_NAMES = frozenset({"http", "name", "app", "idempotency", "apply_changes"})  # service's
OWN_IMPORTS = {  # what `rpc_methods.py` imports for itself
    "rpc": "nameko.rpc",
    "json_view": "extracted_services.shared.json_view",
    "MultiDict": "werkzeug.datastructures",
}


@dataclass
class RpcStyle:
    """Route -> its method's name, or -> why it stays transplant-only; the methods with the
    module each view came from."""

    methods: dict[Route, str] = field(default_factory=dict)
    kept: dict[Route, str] = field(default_factory=dict)
    converted: list[tuple[str, RpcMethod]] = field(default_factory=list)  # (module, method)


def rpc_style(analysis: Analysis, selection: Selection, skipped: Mapping[Route, str]) -> RpcStyle:
    """Convert the chosen routes' views that can be (routes in `skipped` stay out)."""
    sources = _Sources(analysis)
    style = RpcStyle()
    by_handler: dict[FunctionKey, list[Route]] = {}
    for route in sorted(selection.routes, key=lambda r: (r.rule, r.methods)):
        if route in skipped:
            continue
        if route.kind != "view" or len(route.handlers) != 1:
            style.kept[route] = "a class-based view: one class answers several ways"
            continue
        by_handler.setdefault(route.handlers[0], []).append(route)
    taken = set(TAKEN_NAMES)
    providers = dict(OWN_IMPORTS)  # a name rpc_methods.py imports -> the module it comes from
    for handler, routes in by_handler.items():
        outcome = _convert(analysis, sources, handler, routes, taken)
        if isinstance(outcome, RpcMethod):
            clash = sorted(
                n for n in outcome.module_names if providers.get(n, handler[0]) != handler[0]
            )
            if clash:
                other = providers[clash[0]]
                outcome = (
                    f"uses `{clash[0]}` of {handler[0]}, which {MODULE}.py imports from {other}"
                )
        if isinstance(outcome, str):
            style.kept.update((route, outcome) for route in routes)
            continue
        taken.add(outcome.name)
        providers.update((name, handler[0]) for name in outcome.module_names)
        style.converted.append((handler[0], outcome))
        style.methods.update((route, outcome.name) for route in routes)
    return style


def _convert(
    analysis: Analysis,
    sources: _Sources,
    handler: FunctionKey,
    routes: list[Route],
    taken: set[str],
) -> RpcMethod | str:
    methods = {route.methods for route in routes}
    if len(methods) != 1 or len(next(iter(methods))) != 1:
        return "serves several HTTP methods"
    guards = [g for r in routes for g in analysis.route_guards.get((r.app, r.rule, r.endpoint), ())]
    if guards:
        return f"guarded by `{guards[0].name}`: who may call it depends on the session or token"
    module = sources.module(handler[0])
    if module is None:
        return f"its module {handler[0]} was not found"
    helper = _stateful_helper(analysis, sources, handler)
    if helper is not None:
        return helper
    route = routes[0]
    name = handler[1] if handler[1] not in taken else route.endpoint.replace(".", "_")
    if name in taken:
        return f"its method name `{name}` is taken"
    call = ViewCall(route.methods[0], route.endpoint, route.rule, f"{route.file}:{route.line}")
    return convert_view(module, handler[1], call, name)


def _stateful_helper(analysis: Analysis, sources: _Sources, handler: FunctionKey) -> str | None:
    """Why a project function the view calls, at any depth, needs more than an RPC call
    carries, or None."""
    pending = deque(analysis.calls.get(handler, ()))
    seen = set(pending)
    while pending:
        callee = pending.popleft()
        module = sources.module(callee[0])
        function = find_function(module, callee[1]) if module is not None else None
        reason = state_use(function) if function is not None else None
        if reason is not None:
            return f"calls `{callee[0]}.{callee[1]}`, which {reason}"
        for next_callee in analysis.calls.get(callee, ()):
            if next_callee not in seen:
                seen.add(next_callee)
                pending.append(next_callee)
    return None


class _Sources:
    """The project's modules, parsed once each (read only)."""

    def __init__(self, analysis: Analysis) -> None:
        self._root = Path(analysis.root)
        self._files = {info.name: info.file for info in analysis.modules}
        self._parsed: dict[str, cst.Module] = {}

    def module(self, name: str) -> cst.Module | None:
        if name not in self._files:
            return None
        if name not in self._parsed:
            text = (self._root / self._files[name]).read_text(encoding="utf-8")
            self._parsed[name] = cst.parse_module(text)
        return self._parsed[name]


def rpc_methods_py(service: str, class_name: str, import_prefix: str, style: RpcStyle) -> str:
    """`rpc_methods.py`: the converted views, each importing what it uses from its module."""
    imports: dict[str, set[str]] = {}
    for module, method in style.converted:
        imports.setdefault(module, set()).update(method.module_names)
    lines = [
        f"from {import_prefix}.{module} import (\n"
        + "".join(f"    {n},\n" for n in sorted(names))
        + ")\n"
        for module, names in sorted(imports.items())
        if names
    ]
    header = f'''"""RPC methods of the {service} service: its JSON views, one `@rpc` method each.

Generated by `strangler extract --style rpc` from the views' own code (`request.args` read
as `query`, the JSON body as `body`, `jsonify(x)` returned as `x`). `json_view` runs each
inside the copied app, in a request context holding the call's data, so the view's helpers,
the app's before-request hooks and its database session work as in the monolith; an error
answer (`abort(...)`, the app's own error helpers) is the app's, raised as `ErrorAnswer`.
"""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc
from werkzeug.datastructures import MultiDict

from extracted_services.shared.json_view import json_view
{"".join(lines)}

class {class_name}:
    """Inherited by the service class (service.py), whose `app` is the copied Flask app."""
'''
    tree = cst.parse_module(header)
    cls = tree.body[-1]
    assert isinstance(cls, cst.ClassDef)
    methods = [method.node for _, method in style.converted]
    cls = cls.with_changes(body=cls.body.with_changes(body=[*cls.body.body, *methods]))
    return tree.with_changes(body=[*tree.body[:-1], cls]).code
