"""Route guards: the authentication/authorization checks that protect each route, and what runs
for a route besides its view (hooks, user loaders, decorators), whose tables it also touches.

A guard is a library guard used as a decorator (`@login_required`, `@jwt_required()`,
`@auth.login_required`), listed in a class view's `decorators` / a Resource's
`method_decorators`, or a project function (decorator or `before_request` hook) that, itself or
through what it calls, applies a library guard or refuses the request: a call whose first
argument is 401 or 403 (`abort(403)`, a project `abort_json(401, "login required")`), or
an exception named for refusing (werkzeug's `Forbidden`, a project `AuthError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analyzer.facts.python import CallFact
from analyzer.facts.values import Attr, CallOf, Imported, Lit, ModuleRef, Pairs, Ref, Seq, Value
from analyzer.resolution.calls import callable_function, library_call_overrides
from analyzer.resolution.hooks import RouteHooks
from analyzer.resolution.resolve import (
    ClassEntity,
    Ctx,
    ExternalEntity,
    InstanceEntity,
    Resolved,
    Resolver,
    constant,
)
from analyzer.resolution.results import FunctionKey, Guard, Hook, Route

RouteKey = tuple[str | None, str, str]

# library guards, by the dotted name they are reached through, with their library
LIBRARY_GUARDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "flask_login.login_required",
            "flask_login.fresh_login_required",
            "flask_login.utils.login_required",
            "flask_login.utils.fresh_login_required",
        ),
        "flask_login",
    ),
    **dict.fromkeys(
        (
            "flask_jwt_extended.jwt_required",
            "flask_jwt_extended.fresh_jwt_required",
            "flask_jwt_extended.verify_jwt_in_request",
            "flask_jwt_extended.view_decorators.jwt_required",
            "flask_jwt_extended.view_decorators.verify_jwt_in_request",
        ),
        "flask_jwt_extended",
    ),
    **dict.fromkeys(
        (
            f"flask_httpauth.{auth}.login_required"
            for auth in ("HTTPBasicAuth", "HTTPTokenAuth", "HTTPDigestAuth", "MultiAuth")
        ),
        "flask_httpauth",
    ),
    # an Authlib protector called as a decorator factory (`@require_oauth("profile")`)
    **dict.fromkeys(
        (
            "authlib.integrations.flask_oauth2.ResourceProtector.__call__",
            "authlib.integrations.flask_oauth2.resource_protector.ResourceProtector.__call__",
        ),
        "authlib",
    ),
}
AUTH_LIBRARIES = frozenset(LIBRARY_GUARDS.values())
REFUSED_STATUSES = frozenset({401, 403})
REFUSALS = frozenset({"flask_login.LoginManager.unauthorized"})
# exception classes (library or project) by their own name
REFUSING_EXCEPTIONS = frozenset(
    {
        "Unauthorized",
        "Forbidden",
        "AuthError",
        "AuthenticationError",
        "AuthorizationError",
        "PermissionDenied",
        "AccessDenied",
    }
)
GUARD_HOOKS = frozenset({"before_request", "before_app_request"})
CLASS_DECORATOR_ATTRS = ("decorators", "method_decorators")


@dataclass(frozen=True, slots=True)
class Protection:
    """A route's guards, and the project functions that run for it besides its view."""

    guards: tuple[Guard, ...]
    runs_also: tuple[FunctionKey, ...]


@dataclass(frozen=True, slots=True)
class _Applied:
    """What one decorator does: the guard it is (if any), the auth libraries whose user
    loaders it makes run, and the project functions it runs."""

    guard: str | None
    libraries: frozenset[str]
    functions: tuple[FunctionKey, ...] = ()


_NOTHING = _Applied(None, frozenset())


def protect_routes(
    resolver: Resolver,
    routes: Iterable[Route],
    hooks: Iterable[Hook],
    calls: Mapping[FunctionKey, tuple[FunctionKey, ...]],
) -> dict[RouteKey, Protection]:
    """Each route's guards and the hooks, loaders and decorators that run for it."""
    listed = tuple(routes)
    finder = _GuardFinder(resolver, calls)
    route_hooks = RouteHooks(hooks, listed)
    return {
        (route.app, route.rule, route.endpoint): finder.protection(route, route_hooks)
        for route in listed
    }


class _GuardFinder:
    def __init__(
        self, resolver: Resolver, calls: Mapping[FunctionKey, tuple[FunctionKey, ...]]
    ) -> None:
        self.resolver = resolver
        self.calls = calls
        self._applied: dict[tuple[str, Value], _Applied] = {}
        self._guarding: dict[FunctionKey, frozenset[str] | None] = {}
        self._evidence: dict[FunctionKey, frozenset[str] | None] = {}

    def protection(self, route: Route, route_hooks: RouteHooks) -> Protection:
        guards: dict[tuple[str, str], Guard] = {}
        libraries: set[str] = set()
        runs_also: list[FunctionKey] = []
        for kind, file, line, applied in self.decorations(route):
            if applied.guard is not None:
                guards.setdefault((applied.guard, kind), Guard(applied.guard, kind, file, line))
            libraries |= applied.libraries
            runs_also += applied.functions
        for hook in route_hooks.flask_hooks(route):
            runs_also.append(hook.handler)
            found = self.guarding(hook.handler) if hook.kind in GUARD_HOOKS else None
            if found is not None:
                name = f"{hook.handler[0]}:{hook.handler[1]}"
                guards.setdefault((name, "hook"), Guard(name, "hook", hook.file, hook.line))
                libraries |= found
        loaders = route_hooks.loaders(frozenset(libraries), guarded=bool(guards))
        runs_also += [loader.handler for loader in loaders]
        ordered = sorted(guards.values(), key=lambda g: (g.file, g.line, g.kind, g.name))
        return Protection(tuple(ordered), tuple(dict.fromkeys(runs_also)))

    def decorations(self, route: Route) -> list[tuple[str, str, int, _Applied]]:
        """(kind, file, line, what it does) for each decorator on the view's functions and in
        its classes' `decorators` / `method_decorators`."""
        found = []
        classes: dict[ClassEntity, None] = {}
        for module, qualname in route.handlers:
            function = self.resolver.functions.get((module, qualname))
            if function is None:
                continue
            path = self.resolver.files[module].path
            for decorator in function.decorators:
                found.append(("decorator", path, function.line, self.applied(decorator, module)))
            if function.class_qualname is not None:
                classes[ClassEntity(module, function.class_qualname)] = None
        methods = {m.lower() for m in route.methods}
        for cls in classes:
            for attr in CLASS_DECORATOR_ATTRS:
                owner, listed = self.class_decorators(cls, attr, methods)
                if owner is None:
                    continue
                path = self.resolver.files[owner.module].path
                line = self.resolver.classes[(owner.module, owner.qualname)].line
                for decorator in listed:
                    applied = self.applied(decorator, owner.module)
                    found.append(("class-decorators", path, line, applied))
        return found

    def class_decorators(
        self, cls: ClassEntity, attr: str, methods: set[str]
    ) -> tuple[ClassEntity | None, tuple[Value, ...]]:
        """The class along the MRO that sets `attr`, and the decorators it lists for these
        methods (`method_decorators` may map method names to lists)."""
        for klass in self.resolver.mro(cls):
            if isinstance(klass, ExternalEntity):
                break  # a library base: its own `decorators` are not the project's guards
            fact = self.resolver.classes.get((klass.module, klass.qualname))
            value = dict(fact.class_attrs).get(attr) if fact else None
            if isinstance(value, Seq):
                return klass, value.items
            if isinstance(value, Pairs):
                return klass, tuple(
                    item
                    for key, listed in value.items
                    if isinstance(key, Lit) and key.value in methods and isinstance(listed, Seq)
                    for item in listed.items
                )
            if value is not None:
                return klass, ()
        return None, ()

    def applied(self, decorator: Value, module: str) -> _Applied:
        key = (module, decorator)
        known = self._applied.get(key)
        if known is None:
            known = self._applied[key] = self._classify(decorator, Ctx(module))
        return known

    def _classify(self, decorator: Value, ctx: Ctx) -> _Applied:
        func = decorator.func if isinstance(decorator, CallOf) else decorator
        name = library_name(self.resolver, func, ctx)
        if name is not None:
            library = LIBRARY_GUARDS.get(name)
            if library is None:
                return _NOTHING
            return _Applied(name, frozenset({library}))
        called = self.resolver.resolve(func, ctx)
        function = callable_function(self.resolver, called)
        if function is None:
            return self._inherited_call(called)
        libraries = self.guarding(function)
        if libraries is None:
            return _Applied(None, frozenset(), (function,))
        return _Applied(f"{function[0]}:{function[1]}", libraries, (function,))

    def _inherited_call(self, called: Resolved) -> _Applied:
        """A project object whose class inherits a library guard's `__call__` (a subclass of
        Authlib's `ResourceProtector`): that guard, running the project's overrides of the
        methods it calls on its object."""
        if not isinstance(called, InstanceEntity) or not isinstance(called.cls, ClassEntity):
            return _NOTHING
        for klass in self.resolver.mro(called.cls):
            name = f"{klass.dotted}.__call__" if isinstance(klass, ExternalEntity) else None
            if name in LIBRARY_GUARDS:
                overrides = library_call_overrides(self.resolver, called)
                return _Applied(name, frozenset({LIBRARY_GUARDS[name]}), overrides)
        return _NOTHING

    def guarding(self, root: FunctionKey) -> frozenset[str] | None:
        """The auth libraries a project function guards with (possibly none, for a bare
        `abort(403)`), or None when neither it nor anything it calls guards."""
        if root in self._guarding:
            return self._guarding[root]
        stack, seen = [root], {root}
        libraries: set[str] = set()
        guards = False
        while stack:
            function = stack.pop()
            evidence = self.evidence(function)
            if evidence is not None:
                guards = True
                libraries |= evidence
            for callee in self.calls.get(function, ()):
                if callee not in seen:
                    seen.add(callee)
                    stack.append(callee)
        result = frozenset(libraries) if guards else None
        self._guarding[root] = result
        return result

    def evidence(self, key: FunctionKey) -> frozenset[str] | None:
        """What a function does itself that guards: the libraries of the library guards it
        applies, plus, when it refuses requests, the auth libraries its module imports (a
        check such as `current_user.is_authenticated` is read, not called)."""
        if key in self._evidence:
            return self._evidence[key]
        module, qualname = key
        function = self.resolver.functions.get(key)
        if function is None:
            return None
        libraries: set[str] = set()
        refuses = False
        ctx = Ctx(module, qualname)
        for call in function.calls:
            name = library_name(self.resolver, call.func, ctx)
            if name in LIBRARY_GUARDS:
                libraries.add(LIBRARY_GUARDS[name])
            elif self.refuses(call, name, ctx):
                refuses = True
        for decorator in function.decorators:
            func = decorator.func if isinstance(decorator, CallOf) else decorator
            name = library_name(self.resolver, func, Ctx(module))
            if name in LIBRARY_GUARDS:
                libraries.add(LIBRARY_GUARDS[name])
        if refuses:
            libraries |= self.imported_auth_libraries(module)
        result = frozenset(libraries) if libraries or refuses else None
        self._evidence[key] = result
        return result

    def refuses(self, call: CallFact, name: str | None, ctx: Ctx) -> bool:
        """Whether a call (whose library name is `name`, if any) refuses the request."""
        if name in REFUSALS:
            return True
        if name is None:
            called = self.resolver.resolve(call.func, ctx)
            name = called.qualname if isinstance(called, ClassEntity) else None
        if name is not None and name.rpartition(".")[2] in REFUSING_EXCEPTIONS:
            return True
        return bool(call.args) and (
            constant(self.resolver.resolve(call.args[0], ctx)) in REFUSED_STATUSES
        )

    def imported_auth_libraries(self, module: str) -> frozenset[str]:
        """The auth libraries (`flask_login`, ...) a module imports anything from."""
        found = set()
        for value in self.resolver.bindings.get(module, {}).values():
            if isinstance(value, Imported | ModuleRef):
                top = value.module.partition(".")[0]
                if top in AUTH_LIBRARIES:
                    found.add(top)
        return frozenset(found)


def library_name(resolver: Resolver, value: Value, ctx: Ctx) -> str | None:
    """The dotted name of a library callable (`flask_login.login_required`), or of a method of
    a library object (`flask_httpauth.HTTPBasicAuth.login_required` for `auth.login_required`);
    None for anything else."""
    found = resolver.resolve(value, ctx)
    if isinstance(found, ExternalEntity):
        return found.dotted
    if isinstance(found, InstanceEntity) and isinstance(found.cls, ExternalEntity):
        return f"{found.cls.dotted}.__call__"  # a library object called
    if isinstance(value, Ref) and "." in value.dotted:
        base: Value = Ref(value.dotted.rpartition(".")[0])
        attr = value.dotted.rpartition(".")[2]
    elif isinstance(value, Attr):
        base, attr = value.base, value.name
    else:
        return None
    owner = resolver.resolve(base, ctx)
    if isinstance(owner, InstanceEntity) and isinstance(owner.cls, ExternalEntity):
        return f"{owner.cls.dotted}.{attr}"
    return None
