"""The RPC-methods style: which chosen views become `@rpc` methods, and their module.

A view converts when it reads JSON in and writes JSON out (`codemods/rpc_methods.py`),
it is a plain function serving one HTTP method, each guard protecting it checks only
request headers (`guard_headers.py`), and no project function it runs (its helpers, its
guards' own code and callbacks: the analyzer's call graph, followed to the end) needs
more of the request than an RPC call carries: the path, query, JSON body and the headers
the proxy passes as context data. The headers they read that the proxy passes only when
a route names them are that route's `context`. Every other view stays transplant-only,
with the reason. The methods are written into `rpc_methods.py`, a class the service
class inherits from, so they sit on the same Nameko service as the envelope method.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from analyzer.resolution.results import Analysis, FunctionKey, Guard, Route
from extracted_services.shared.caller_headers import CONTEXT_DATA
from extractor.codemods.names import bound_name, dotted, import_target
from extractor.codemods.rpc_methods import (
    RpcMethod,
    ViewCall,
    convert_view,
    find_function,
    state_use,
)
from extractor.guard_headers import HEADER_GUARDS, library_guard_headers
from extractor.selection import Selection

MODULE = "rpc_methods"
TAKEN_NAMES = frozenset(
    {"http", "name", "app", "idempotency", "apply_changes", CONTEXT_DATA}
)  # the service's own attributes
OWN_IMPORTS = {  # what `rpc_methods.py` imports for itself, and from where
    "rpc": "nameko.rpc:rpc",
    "json_view": "extracted_services.shared.json_view:json_view",
    "ContextData": "extracted_services.shared.caller_headers:ContextData",
    "MultiDict": "werkzeug.datastructures:MultiDict",
}


@dataclass
class RpcStyle:
    """Route -> its method's name, or -> why it stays transplant-only; the methods with the
    module each view came from."""

    methods: dict[Route, str] = field(default_factory=dict)
    kept: dict[Route, str] = field(default_factory=dict)
    converted: list[tuple[str, RpcMethod]] = field(default_factory=list)  # (module, method)
    # a name the methods use -> the view module `rpc_methods.py` imports it from
    imports: dict[str, str] = field(default_factory=dict)
    # a converted route -> the headers its method reads that the route must pass (`context`)
    headers: dict[Route, tuple[str, ...]] = field(default_factory=dict)


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
    origins = dict(OWN_IMPORTS)  # a name rpc_methods.py imports -> what it really is
    for handler, routes in by_handler.items():
        outcome = _convert(analysis, sources, handler, routes, taken)
        names = outcome.module_names if isinstance(outcome, RpcMethod) else frozenset()
        found = {n: sources.origin(handler[0], n) for n in names}
        clash = sorted(n for n, origin in found.items() if origins.get(n, origin) != origin)
        if clash:
            other = origins[clash[0]]
            outcome = f"uses `{clash[0]}` of {handler[0]}, which {MODULE}.py has as `{other}`"
        if isinstance(outcome, str):
            style.kept.update((route, outcome) for route in routes)
            continue
        taken.add(outcome.name)
        style.imports.update((n, handler[0]) for n in found if n not in origins)
        origins.update(found)
        style.converted.append((handler[0], outcome))
        style.methods.update((route, outcome.name) for route in routes)
        if outcome.headers:
            style.headers.update((route, outcome.headers) for route in routes)
    return style


@dataclass(frozen=True)
class _RequestUse:
    """The headers some functions read by name, and why one needs more than an RPC call
    carries (None: none does)."""

    headers: frozenset[str] = frozenset()
    reason: str | None = None


@dataclass(frozen=True)
class _Guarding:
    """A view's guards that check only headers: the decorators kept on its method (by
    name), and the headers the guards read."""

    decorators: frozenset[str]
    headers: frozenset[str]


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
    guarding = _guarding(analysis, sources, routes)
    if isinstance(guarding, str):
        return guarding
    module = sources.module(handler[0])
    if module is None:
        return f"its module {handler[0]} was not found"
    helpers = _request_use(analysis, sources, analysis.calls.get(handler, ()))
    if helpers.reason is not None:
        return f"calls {helpers.reason}"
    route = routes[0]
    name = handler[1] if handler[1] not in taken else route.endpoint.replace(".", "_")
    if name in taken:
        return f"its method name `{name}` is taken"
    call = ViewCall(route.methods[0], route.endpoint, route.rule, f"{route.file}:{route.line}")
    headers = helpers.headers | guarding.headers
    return convert_view(module, handler[1], call, name, guards=guarding.decorators, headers=headers)


def _guarding(analysis: Analysis, sources: _Sources, routes: list[Route]) -> _Guarding | str:
    """The routes' guards, when each checks only headers; else why one does not."""
    guards = dict.fromkeys(
        g for r in routes for g in analysis.route_guards.get((r.app, r.rule, r.endpoint), ())
    )
    decorators: set[str] = set()
    headers: set[str] = set()
    for guard in guards:
        use = _guard_use(analysis, sources, guard)
        if use.reason is not None:
            return f"guarded by `{guard.name}`: {use.reason}"
        headers |= use.headers
        if guard.kind == "decorator":  # a hook guards in the before-request hooks
            decorators.add(guard.name.replace(":", ".").rpartition(".")[2])
    return _Guarding(frozenset(decorators), frozenset(headers))


def _guard_use(analysis: Analysis, sources: _Sources, guard: Guard) -> _RequestUse:
    """What a guard reads: a project guard's own code and what it calls; a library guard's
    headers, and its callbacks (`verify_token`...) with what they call."""
    module, colon, qualname = guard.name.partition(":")
    if colon:
        use = _request_use(analysis, sources, [(module, qualname)])
        return _RequestUse(use.headers, use.reason and f"its code: {use.reason}")
    headers = sources.library_guard_headers(guard.name)
    if isinstance(headers, str):
        return _RequestUse(reason=headers)
    library = HEADER_GUARDS[guard.name]
    callbacks = [
        hook.handler
        for hook in analysis.hooks
        if (hook.registered_on or "").partition(".")[0] == library
    ]
    use = _request_use(analysis, sources, callbacks)
    return _RequestUse(headers | use.headers, use.reason and f"its callback {use.reason}")


def _request_use(
    analysis: Analysis, sources: _Sources, functions: Iterable[FunctionKey]
) -> _RequestUse:
    """The headers `functions` and every project function they call, at any depth, read;
    the reason is "`module.function`, which ...", for the first that needs more."""
    pending = deque(dict.fromkeys(functions))
    seen = set(pending)
    headers: set[str] = set()
    while pending:
        key = pending.popleft()
        module = sources.module(key[0])
        function = find_function(module, key[1]) if module is not None else None
        if function is not None:
            use = state_use(function)
            if use.reason is not None:
                return _RequestUse(reason=f"`{key[0]}.{key[1]}`, which {use.reason}")
            headers |= use.headers
        for callee in analysis.calls.get(key, ()):
            if callee not in seen:
                seen.add(callee)
                pending.append(callee)
    return _RequestUse(frozenset(headers))


class _Sources:
    """The project's modules, parsed once each (read only), and what is read from them."""

    def __init__(self, analysis: Analysis) -> None:
        self._root = Path(analysis.root)
        self._files = {info.name: info.file for info in analysis.modules}
        self._parsed: dict[str, cst.Module] = {}
        self._imports: dict[str, dict[str, str]] = {}
        self._guard_headers: dict[str, frozenset[str] | str] = {}

    def module(self, name: str) -> cst.Module | None:
        if name not in self._files:
            return None
        if name not in self._parsed:
            text = (self._root / self._files[name]).read_text(encoding="utf-8")
            self._parsed[name] = cst.parse_module(text)
        return self._parsed[name]

    def library_guard_headers(self, guard: str) -> frozenset[str] | str:
        """`library_guard_headers` read over every module of the project, once a guard."""
        if guard not in self._guard_headers:
            modules = [m for name in self._files if (m := self.module(name)) is not None]
            self._guard_headers[guard] = library_guard_headers(guard, modules)
        return self._guard_headers[guard]

    def origin(self, module: str, name: str) -> str:
        """What `module`'s `name` is: `pkg.mod:name` for what it imports at its top level,
        `module:name` for its own."""
        if module not in self._imports:
            self._imports[module] = self._imported(module)
        return self._imports[module].get(name, f"{module}:{name}")

    def _imported(self, module: str) -> dict[str, str]:
        """The names `module` imports at its top level -> `pkg.mod:name` (or `pkg.mod`)."""
        tree = self.module(module)
        is_package = self._files[module].endswith("__init__.py")
        statements = [
            statement
            for line in (tree.body if tree is not None else ())
            if isinstance(line, cst.SimpleStatementLine)
            for statement in line.body
        ]
        found: dict[str, str] = {}
        for statement in statements:
            if not isinstance(statement, cst.Import | cst.ImportFrom) or isinstance(
                statement.names, cst.ImportStar
            ):
                continue
            source = (
                import_target(statement, module, is_package)
                if isinstance(statement, cst.ImportFrom)
                else None
            )
            for alias in statement.names:
                local, written = bound_name(alias), dotted(alias.name)
                if local is None or written is None:
                    continue
                if isinstance(statement, cst.ImportFrom):
                    if source is not None:
                        found[local] = f"{source}:{written}"
                else:
                    found[local] = written if alias.asname else local
        return found


def rpc_methods_py(service: str, class_name: str, import_prefix: str, style: RpcStyle) -> str:
    """`rpc_methods.py`: the converted views, and the names they use, each imported once
    from a view's module."""
    imports: dict[str, set[str]] = {}
    for name, module in style.imports.items():
        imports.setdefault(module, set()).add(name)
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
inside the copied app, in a request context holding the call's data and the caller's
headers the proxy passed as context data, behind the view's header-checking guards, so the
view's helpers, the app's before-request hooks and its database session work as in the
monolith; an error answer (`abort(...)`, the app's own error helpers, a guard's 401) is
the app's, raised as `ErrorAnswer`.
"""

from __future__ import annotations

from typing import Any

from nameko.rpc import rpc
from werkzeug.datastructures import MultiDict

from extracted_services.shared.caller_headers import ContextData
from extracted_services.shared.json_view import json_view
{"".join(lines)}

class {class_name}:
    """Inherited by the service class (service.py), whose `app` is the copied Flask app."""

    {CONTEXT_DATA} = ContextData()  # what the proxy passed of the request: its headers
'''
    tree = cst.parse_module(header)
    cls = tree.body[-1]
    assert isinstance(cls, cst.ClassDef)
    methods = [method.node for _, method in style.converted]
    cls = cls.with_changes(body=cls.body.with_changes(body=[*cls.body.body, *methods]))
    return tree.with_changes(body=[*tree.body[:-1], cls]).code
