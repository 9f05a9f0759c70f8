"""Resolve every registration call/decorator, following project helpers that receive the
app/blueprint (or rules, views) as arguments: `register_api(bp, UserAPI, "users", "/users/")`,
`init_app(app)`. A helper's registrations are instantiated once per call site, and once per
item of the loops around them (`for rule, view in routes:`) when those items are known, or
once per module of a package walked with `pkgutil` (`module_walks`).

A pluggy call `pm.hook.<name>(app=app)` runs every implementation of the hook in the tree
(functions and methods marked `@hookimpl`): which plugins the manager registers is assumed to
be those, as a manager loading the project's own plugin modules does.

A library the project imports that puts its own defaults in `app.config` (Flask-Security's
`init_app`, `extension_table.LIBRARY_SETTINGS`) gives every setting the project's code does not
set its default; a registration made only under a test on one of its switches
(`if state.passwordless:`, `app.extensions["security"]` passed as `state`) that is off is
marked `switched_off`, and not reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from analyzer.facts.python import MODULE_SCOPE, CallFact, FunctionFact, LoopFact, RegistrationFact
from analyzer.facts.values import (
    UNKNOWN,
    Attr,
    CallOf,
    Choice,
    ClassOf,
    Compare,
    Item,
    Lit,
    Local,
    Negation,
    Param,
    Ref,
    SelfOf,
    Seq,
    SuperOf,
    Value,
    mentions_param,
    reads_loop_item,
)
from analyzer.resolution.attribute_states import entered_state, object_state
from analyzer.resolution.classful_registrations import classful_registrations, registered_class
from analyzer.resolution.extension_table import (
    EXTENSION_CONSTRUCTORS,
    LIBRARY_SETTINGS,
    LibrarySettings,
)
from analyzer.resolution.flask_objects import constructed_objects
from analyzer.resolution.instance_lists import RUN_BY_FLASK
from analyzer.resolution.module_walks import walked_modules
from analyzer.resolution.resolve import (
    INSTANCE,
    RECEIVER,
    ClassEntity,
    ConfigEntity,
    ConstEntity,
    Ctx,
    ExternalEntity,
    FlaskObject,
    FunctionEntity,
    InstanceEntity,
    Opaque,
    Resolved,
    Resolver,
    RouteDecorator,
    SeqEntity,
    ViewEntity,
    attribute_key,
    bind_target,
    constant,
    iterated,
    method_of,
    truth,
    written_name,
)
from analyzer.resolution.rule_methods import (
    RULE_KINDS,
    SETUP_STATE,
    is_attribute_key,
    next_method,
    rule_arguments,
    setup_state_class,
    super_class,
)

MAX_HELPER_DEPTH = 6
# calls followed down to decide whether a function registers something: far past
# MAX_HELPER_DEPTH, so no helper that `expand` reaches is decided wrongly
MAX_DECIDING_DEPTH = 64
HOOKIMPL_MARKERS = frozenset(
    {ExternalEntity("pluggy.HookimplMarker"), ExternalEntity("pluggy._hooks.HookimplMarker")}
)
MAX_LOOP_ITEMS = 1024  # registrations made by one statement inside loops, all items together


@dataclass(frozen=True, slots=True)
class Registration:
    """A registration with its target, arguments and view resolved."""

    fact: RegistrationFact
    module: str
    file: str  # where it is declared: the outermost call of a helper, else the registration
    line: int
    target: Resolved
    args: tuple[Resolved, ...]
    kwargs: tuple[tuple[str, Resolved], ...]
    view: Resolved | None
    # made only under a test on a library's switch that is off: why (not reported)
    switched_off: str | None = None
    # where the registration itself is written, when a helper's call is `file:line`
    written: tuple[str, int] | None = None
    # a rule a blueprint's setup state adds with its `url_prefix` set to None: the prefixes
    # the blueprint is registered with do not apply
    unprefixed: bool = False

    @property
    def written_at(self) -> tuple[str, int]:
        """The registration's own file and line (a diagnostic about it names them once, however
        many calls reach it)."""
        return self.written or (self.file, self.line)

    def keyword(self, name: str) -> Resolved | None:
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def argument(self, index: int, name: str) -> Resolved | None:
        found = self.keyword(name)
        if found is not None:
            return found
        return self.args[index] if len(self.args) > index else None


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A registration whose target could not be resolved in any context."""

    fact: RegistrationFact
    file: str
    reason: str


def collect_registrations(resolver: Resolver) -> tuple[list[Registration], list[Unresolved]]:
    """All registrations in the project, helpers expanded at their call sites."""
    libraries = _libraries_used(resolver)
    _put_library_defaults(resolver, libraries)
    expander = _Expander(resolver, libraries)
    for module, facts in list(resolver.files.items()):
        if module != facts.module:
            continue  # an alias
        scopes = {r.scope for r in facts.registrations}
        for scope in [MODULE_SCOPE, *sorted(scopes - {MODULE_SCOPE})]:
            expander.expand(FunctionEntity(module, scope), {}, None)
        for function in facts.functions:
            if function.qualname not in scopes and expander.is_helper(
                FunctionEntity(module, function.qualname)
            ):
                expander.expand(FunctionEntity(module, function.qualname), {}, None)
            expander.decorated(module, function)
    expander.resolve_deferred()
    ran: set[tuple[FlaskObject, FlaskObject | None]] = set()
    # a `register` override registering more blueprints on its app makes more pairs: until none
    while pending := [
        pair for pair in _blueprints_and_apps(resolver, expander.found) if pair not in ran
    ]:
        for built, app in pending:
            ran.add((built, app))
            expander.run_own_methods(built, app)
    unresolved = [
        Unresolved(fact, file, reason)
        for key, (fact, file, reason) in expander.failures.items()
        if key not in expander.succeeded
    ]
    unbound = [r for r in expander.unbound if _key(r) not in expander.bound]
    return list(dict.fromkeys([*expander.found, *unbound])), unresolved


class _Expander:
    def __init__(self, resolver: Resolver, libraries: tuple[LibrarySettings, ...] = ()) -> None:
        self.resolver = resolver
        self.libraries = libraries
        self._keywords: frozenset[str] | None = None
        self.found: list[Registration] = []
        self.failures: dict[tuple[str, int, str], tuple[RegistrationFact, str, str]] = {}
        self.succeeded: set[tuple[str, int, str]] = set()
        # a helper's registrations read without its parameters bound: kept only when no call
        # of the helper binds them
        self.unbound: list[Registration] = []
        self.bound: set[tuple[str, int, str]] = set()
        # registrations read on their own under a test on a parameter, put off until every
        # call was read (see `resolve_deferred`)
        self.deferred: list[tuple[RegistrationFact, Ctx, str, tuple[str, int], bool, int]] = []
        self._by_scope: dict[tuple[str, str], list[RegistrationFact]] = {}
        for module, facts in resolver.files.items():
            for fact in facts.registrations:
                self._by_scope.setdefault((module, fact.scope), []).append(fact)
            for function in facts.functions:
                for fact in _extension_constructors(function):
                    self._by_scope.setdefault((module, fact.scope), []).append(fact)
                for fact in classful_registrations(resolver, module, function):
                    self._by_scope.setdefault((module, fact.scope), []).append(fact)
        self._helper: dict[FunctionEntity, bool] = {}
        self._deciding: set[FunctionEntity] = set()
        self._guessed = False  # a call cycle was met while deciding the current function
        self._guesses: list[FunctionEntity] = []  # "no" answers that rest on such a guess
        self._calls: dict[FunctionEntity, tuple[tuple[CallFact, FunctionEntity], ...]] = {}
        self._hookimpls: dict[str, list[FunctionEntity]] | None = None
        self._seen: set[tuple[FunctionEntity, tuple[tuple[str, Resolved], ...]]] = set()
        self._states: dict[tuple[ClassEntity, FlaskObject | None], dict[str, Resolved]] = {}

    def function(self, entity: FunctionEntity) -> FunctionFact | None:
        return self.resolver.functions.get((entity.module, entity.qualname))

    def is_helper(self, entity: FunctionEntity) -> bool:
        """Whether calling `entity` registers something (directly or through other helpers).

        A function met again while it is being decided (a call cycle) counts as no helper
        for now: a "no" that depends on such a guess is kept only once the outermost question
        is answered "no" too (then nothing on the cycle registers anything)."""
        known = self._helper.get(entity)
        if known is not None:
            return known
        if entity in self._deciding:
            self._guessed = True
            return False
        if len(self._deciding) >= MAX_DECIDING_DEPTH:
            fact = self.function(entity)
            self.resolver.note_bound(
                entity.module,
                fact.line if fact else 0,
                f"{entity.qualname} is reached through over {MAX_DECIDING_DEPTH} nested calls; "
                "what it registers is not followed from there",
            )
            self._guessed = True
            return False
        guessed_before, self._guessed = self._guessed, False
        self._deciding.add(entity)
        result = bool(self._by_scope.get((entity.module, entity.qualname))) or self.calls_helpers(
            entity
        )
        self._deciding.discard(entity)
        if result or not self._guessed:
            self._helper[entity] = result
        else:
            self._guesses.append(entity)
        if not self._deciding:
            if not result:
                self._helper.update(dict.fromkeys(self._guesses, False))
            self._guesses.clear()
        self._guessed = guessed_before or self._guessed
        return result

    def calls_helpers(self, entity: FunctionEntity) -> bool:
        return any(self.is_helper(callee) for _, callee in self._project_calls(entity))

    def _helper_calls(
        self, entity: FunctionEntity, ctx: Ctx
    ) -> Iterator[tuple[CallFact, FunctionEntity]]:
        """The calls `entity` makes, with arguments, to functions that register something."""
        found = self._function_calls(entity, ctx) if ctx.env else self._project_calls(entity)
        for call, callee in found:
            if self.is_helper(callee):
                yield call, callee

    def _project_calls(self, entity: FunctionEntity) -> tuple[tuple[CallFact, FunctionEntity], ...]:
        """`_function_calls` where no caller binds the parameters, memoized: this is the
        hottest step on large apps."""
        known = self._calls.get(entity)
        if known is None:
            known = tuple(self._function_calls(entity, Ctx(entity.module, entity.qualname)))
            self._calls[entity] = known
        return known

    def _function_calls(
        self, entity: FunctionEntity, ctx: Ctx
    ) -> Iterator[tuple[CallFact, FunctionEntity]]:
        """The calls with arguments `entity` makes to other project functions."""
        fact = self.function(entity)
        # a method: its calls on `self`/`cls` and the classes it builds run for the same class
        receiving = fact is not None and fact.class_qualname is not None
        for call in fact.calls if fact else ():
            if call.args or call.kwargs or (receiving and _on_own_class(call.func)):
                callees = self._callees(call, ctx, constructors=receiving)
                if not callees and call.loops:  # `plugin.register(app)`: per item of the loop
                    callees = self._looped_callees(call, ctx)
                for callee in callees:
                    if callee != entity:
                        yield call, callee

    def _looped_callees(self, call: CallFact, ctx: Ctx) -> list[FunctionEntity]:
        """The project functions a call in a loop runs for the loop's items, each once."""
        found: dict[FunctionEntity, None] = {}
        for env, _ in _loop_envs(self.resolver, call.loops, ctx):
            if env is not ctx.env:
                found.update(dict.fromkeys(self._callees(call, Ctx(ctx.module, ctx.scope, env))))
        return list(found)

    def _callees(
        self, call: CallFact, ctx: Ctx, *, constructors: bool = False
    ) -> list[FunctionEntity]:
        """The project function a call runs, or for `pm.hook.<name>(...)` (pluggy) every
        implementation of that hook in the tree; with `constructors`, a class's `__init__`
        for a call building it (`inst = cls()`)."""
        hook = _pluggy_hook(call.func)
        if hook is not None and hook in self.hook_implementations():
            return self.hook_implementations()[hook]
        callee = self.resolver.called(call, ctx)
        if constructors and isinstance(callee, ClassEntity):
            initialiser = self.resolver.initialiser(callee)
            if initialiser is not None:
                return [FunctionEntity(initialiser.module, f"{initialiser.qualname}.__init__")]
        return [callee] if isinstance(callee, FunctionEntity) else []

    def hook_implementations(self) -> dict[str, list[FunctionEntity]]:
        """Functions marked with a pluggy `HookimplMarker` (`@hookimpl`, `@hookimpl(...)`), by
        the hook they implement (their name, or `specname=`)."""
        if self._hookimpls is None:
            self._hookimpls = {}
            for (module, qualname), fact in self.resolver.functions.items():
                for decorator in fact.decorators:
                    name = self._implemented_hook(decorator, module, qualname)
                    if name is not None:
                        entity = FunctionEntity(module, qualname)
                        self._hookimpls.setdefault(name, []).append(entity)
        return self._hookimpls

    def _implemented_hook(self, decorator: Value, module: str, qualname: str) -> str | None:
        """The hook a decorator marks its function as implementing, if it is a pluggy marker."""
        ctx = Ctx(module)
        if _is_hookimpl_marker(self.resolver.resolve(decorator, ctx)):  # `@hookimpl`
            return qualname.rsplit(".", 1)[-1]
        if isinstance(decorator, CallOf) and _is_hookimpl_marker(
            self.resolver.resolve(decorator.func, ctx)
        ):  # `@hookimpl(specname=..., tryfirst=...)`
            given = constant(self.resolver.keyword(decorator, "specname", ctx))
            return given if isinstance(given, str) else qualname.rsplit(".", 1)[-1]
        return None

    def expand(
        self,
        entity: FunctionEntity,
        env: dict[str, Resolved],
        site: tuple[str, int] | None,
        depth: int = 0,
    ) -> None:
        """Resolve a function's registrations with `env` bound; `site` is the outermost call."""
        key = (entity, tuple(sorted(env.items(), key=lambda item: item[0])))
        if key in self._seen or depth > MAX_HELPER_DEPTH:
            return
        self._seen.add(key)
        ctx = Ctx(entity.module, entity.qualname, env)
        file = self.resolver.files[entity.module].path
        for fact in self._by_scope.get((entity.module, entity.qualname), ()):
            self.resolve_one(fact, ctx, file, site or (file, fact.line), depth)
        for call, callee in self._helper_calls(entity, ctx):
            callee_fact = self.function(callee)
            if callee_fact is None:
                continue
            for env_in_loop, _ in _loop_envs(self.resolver, call.loops, ctx):
                call_ctx = Ctx(ctx.module, ctx.scope, env_in_loop)
                if call.loops and callee not in self._callees(
                    call, call_ctx, constructors=RECEIVER in ctx.env
                ):
                    continue  # `plugin.register(app)`: another item's function
                bound = self.bind(callee, callee_fact, call, call_ctx)
                if _enclosing(callee.qualname) == entity.qualname:  # a closure: the caller's
                    bound = {**env_in_loop, **bound}  # names are its own too
                self.expand(callee, bound, site or (file, call.line), depth + 1)

    def resolve_deferred(self) -> None:
        """The registrations put off, read on their own, for those no call made with its
        parameters bound (a helper nobody calls)."""
        for fact, ctx, file, site, walked, depth in self.deferred:
            if (ctx.module, fact.line, fact.attr) not in self.bound:
                self.resolve_in(fact, ctx, file, site, walked=walked, depth=depth, final=True)
        self.deferred.clear()

    def bind(
        self, callee: FunctionEntity, fact: FunctionFact, call: CallFact, ctx: Ctx
    ) -> dict[str, Resolved]:
        """The helper's parameters bound at this call (a wrapped view stands for the view)."""
        bound = self.bound_arguments(callee, fact, call.args, call.kwargs, ctx)
        receiver = self.receiver(callee, fact, call, ctx)
        if receiver is not None:
            bound[RECEIVER] = receiver
        instance = ctx.env.get(INSTANCE)
        if instance is not None and _on_instance(call.func):  # `self._add_urls()`
            bound[INSTANCE] = instance
            bound.setdefault(RECEIVER, ctx.env[RECEIVER])
        return bound

    def bound_arguments(
        self,
        callee: FunctionEntity,
        fact: FunctionFact,
        args: tuple[Value, ...],
        kwargs: tuple[tuple[str, Value], ...],
        ctx: Ctx,
    ) -> dict[str, Resolved]:
        """`fact`'s parameters bound to arguments written where `ctx` is."""
        bound = self.resolver.bind_arguments(fact, args, kwargs, ctx, callee_module=callee.module)
        positional = [p.name for p in fact.params if p.kind == "positional"]
        for name, value in [*zip(positional, args, strict=False), *kwargs]:
            if isinstance(value, CallOf | Choice) and name in bound:  # a (wrapped) view passed on
                bound[name] = self.resolve_argument(value, ctx)
            elif name in bound and (extension := self.extension_object(value)) is not None:
                bound[name] = extension
        return bound

    def run_own_methods(self, blueprint: FlaskObject, app: FlaskObject | None) -> None:
        """What Flask runs on a blueprint built from a project subclass of `Blueprint`: its
        `__init__` (with the constructor's arguments) and its `register(app, options)`, which
        each app registering it calls (`app`, when known: what the override registers on its
        `app` parameter goes there); the rules they add on `self`, directly or through the
        methods they call on it, are this blueprint's."""
        cls = self.resolver.resolve(blueprint.ctor.func, blueprint.ctx)
        if not isinstance(cls, ClassEntity):
            return
        ctor = blueprint.ctor
        built = CallFact(ctor.func, ctor.line, ctor.args, ctor.kwargs)
        for name in RUN_BY_FLASK:
            method = self.resolver.class_member(cls, name, instance=True)
            fact = self.function(method) if isinstance(method, FunctionEntity) else None
            if not isinstance(method, FunctionEntity) or fact is None:
                continue  # Flask's own
            if name == "__init__":
                env = self.bind(method, fact, built, blueprint.ctx)
            else:
                env = _app_bound(fact, app)
            self.expand(method, {**env, RECEIVER: cls, INSTANCE: blueprint}, None)

    def receiver(
        self, callee: FunctionEntity, fact: FunctionFact, call: CallFact, ctx: Ctx
    ) -> ClassEntity | None:
        """The class a method runs for: the class it is called on (`api_bp.register(app)`, a
        subclass maybe) or whose instance it is called on (`self._add_resources()`), or the
        class being built (`cls()` runs `__init__`); None for a plain function."""
        if fact.class_qualname is None:
            return None
        built = self.resolver.called(call, ctx)
        if isinstance(built, ClassEntity):
            return built
        owner = method_of(call.func)
        if owner is None:
            return None
        found = self.resolver.resolve(owner[0], ctx)
        if isinstance(found, InstanceEntity) and isinstance(found.cls, ClassEntity):
            found = found.cls
        if isinstance(found, ClassEntity) and found != ClassEntity(
            callee.module, fact.class_qualname
        ):
            return found
        return None

    def extension_object(self, written: Value) -> Resolved | None:
        """`app.extensions["security"]`: the extension object a library the project uses
        registers under that key (an instance of its class)."""
        match written:
            case Item(base=Attr(name="extensions") | Ref() as base, key=Lit(value=str() as key)):
                if isinstance(base, Ref) and not base.dotted.endswith(".extensions"):
                    return None
                for library in self.libraries:
                    if library.extension == key:
                        return InstanceEntity(ExternalEntity(min(library.classes)))
        return None

    def switched_off(self, fact: RegistrationFact, ctx: Ctx) -> str | None:
        """Why a registration is not made: one of the tests it is made under is a library
        switch that is off (else None)."""
        for test in fact.tests:
            for library in self.libraries:
                key = self.switch_key(library, test, ctx)
                value = None if key is None else self.resolver.setting(ConstEntity(key), None)
                if isinstance(value, ConstEntity) and not value.value:
                    where = f" ({value.origin})" if value.origin else ""
                    what = f"{library.library}'s {key}"
                    return f"made only when {what} is on; it is {value.value!r}{where}"
        return None

    def switch_key(self, library: LibrarySettings, test: Value, ctx: Ctx) -> str | None:
        """The setting a test reads when it is one of `library`'s switches: its extension's
        attribute (`state.passwordless`, unless some call passes `passwordless=`), or the
        setting itself (`app.config["SECURITY_PASSWORDLESS"]`, `app.config.get(...)`)."""
        match test:
            case Attr(base=base, name=name) if name in library.switches:
                if name in self.keywords():
                    return None  # `Security(app, passwordless=True)` decides, not the setting
                owner = self.extension_object(base) or self.resolver.resolve(base, ctx)
                if (
                    isinstance(owner, InstanceEntity)
                    and isinstance(owner.cls, ExternalEntity)
                    and owner.cls.dotted in library.classes
                ):
                    return library.prefix + name.upper()
                return None
            case (
                Item(base=config, key=Lit(value=str() as key))
                | CallOf(func=Attr(base=config, name="get"), args=(Lit(value=str() as key), *_))
            ):
                pass
            case CallOf(func=Ref(dotted), args=(Lit(value=str() as key), *_)) if dotted.endswith(
                ".get"
            ):
                config = Ref(dotted.removesuffix(".get"))
            case _:
                return None
        switch = library.defaults.get(key.removeprefix(library.prefix))
        if not (key.startswith(library.prefix) and isinstance(switch, bool)):
            return None
        return key if isinstance(self.resolver.resolve(config, ctx), ConfigEntity) else None

    def keywords(self) -> frozenset[str]:
        """Every keyword some call of the project passes."""
        if self._keywords is None:
            self._keywords = frozenset(
                key
                for function in self.resolver.functions.values()
                for call in function.calls
                for key, _ in call.kwargs
            )
        return self._keywords

    def decorated(self, module: str, function: FunctionFact) -> None:
        """Apply the project's own decorators and decorator factories to the function they
        decorate (`@expose`, `@route(bp, "/x")`)."""
        if function.class_qualname is not None:
            return
        ctx = Ctx(module, _enclosing(function.qualname))
        view = FunctionEntity(module, function.qualname)
        path = self.resolver.files[module].path
        for decorator in function.decorators:
            if isinstance(decorator, CallOf):
                self.apply(decorator, view, ctx, (path, decorator.line))
            else:
                found = self.resolver.resolve(decorator, ctx)
                self.decorate(found, {}, view, (path, function.line))

    def apply(
        self, decorator: CallOf, view: FunctionEntity, ctx: Ctx, site: tuple[str, int]
    ) -> None:
        """`@helper(...)` on `view`: what `helper` registers, then what its result does."""
        helper = self.resolver.resolve(decorator.func, ctx)
        fact = self.function(helper) if isinstance(helper, FunctionEntity) else None
        if not isinstance(helper, FunctionEntity) or fact is None:
            return
        call = CallFact(decorator.func, decorator.line, decorator.args, decorator.kwargs)
        self.apply_bound(helper, self.bind(helper, fact, call, ctx), view, site)

    def apply_bound(
        self,
        helper: FunctionEntity,
        bound: dict[str, Resolved],
        view: Resolved,
        site: tuple[str, int],
        depth: int = 0,
    ) -> None:
        """A decorator factory called with `bound` on `view`: what it registers, then what the
        decorator it returns does, through the project functions it hands the call on to
        (`return self._mroute("GET", rule)` -> `return self.route(rule, methods=...)`)."""
        fact = self.function(helper)
        if fact is None or fact.returns is None:
            return
        self.expand(helper, bound, site)
        inner = Ctx(helper.module, helper.qualname, bound)
        handed = self.handed_on(fact.returns, inner) if depth < MAX_HELPER_DEPTH else None
        if handed is not None:
            callee, callee_fact, call = handed
            callee_env = self.bind(callee, callee_fact, call, inner)
            self.apply_bound(callee, callee_env, view, site, depth + 1)
            return
        returned = self.resolver.resolve(fact.returns, inner)
        match returned:
            case RouteDecorator(owner, attr, args, kwargs):  # `return bp.route(rule)`
                registration = RegistrationFact("route", attr, helper.qualname, UNKNOWN, site[1])
                self.found.append(
                    Registration(registration, helper.module, *site, owner, args, kwargs, view)
                )
            case FunctionEntity():  # a decorator defined in the factory, closing over its names
                self.decorate(returned, bound, view, site)

    def handed_on(
        self, returned: Value, ctx: Ctx
    ) -> tuple[FunctionEntity, FunctionFact, CallFact] | None:
        """The project function a decorator factory returns the result of, with the call."""
        if not isinstance(returned, CallOf):
            return None
        call = CallFact(returned.func, returned.line, returned.args, returned.kwargs)
        callee = self.resolver.called(call, ctx)
        fact = self.function(callee) if isinstance(callee, FunctionEntity) else None
        if not isinstance(callee, FunctionEntity) or fact is None or fact.returns is None:
            return None
        return callee, fact, call

    def overridden_route(
        self, fact: RegistrationFact, target: Resolved, ctx: Ctx, site: tuple[str, int]
    ) -> bool:
        """`@bp.get(rule)` on a blueprint or app built from a project class overriding the
        decorator, or the `route` Flask's own `get`/`post`... call (`self.route(rule,
        methods=[...])`): the override decides what is registered, followed as a decorator
        factory run on that object; whether it was."""
        if fact.kind != "route" or fact.view is None or not isinstance(target, FlaskObject):
            return False
        cls = self.resolver.resolve(target.ctor.func, target.ctx)
        if not isinstance(cls, ClassEntity):
            return False
        call = CallFact(Attr(fact.target, fact.attr), fact.line, fact.args, fact.kwargs)
        method = self.resolver.class_member(cls, fact.attr, instance=True)
        if not isinstance(method, FunctionEntity) and fact.attr != "route":
            method = self.resolver.class_member(cls, "route", instance=True)
            chosen = Seq((Lit(fact.attr.upper()),))  # Flask's `_method_route`
            call = replace(call, kwargs=(*fact.kwargs, ("methods", chosen)))
        method_fact = self.function(method) if isinstance(method, FunctionEntity) else None
        if not isinstance(method, FunctionEntity) or method_fact is None:
            return False
        bound = self.bind(method, method_fact, call, ctx)
        bound.update({RECEIVER: cls, INSTANCE: target})
        self.apply_bound(method, bound, self.resolve_argument(fact.view, ctx), site)
        return True

    def decorate(
        self, decorator: Resolved, env: dict[str, Resolved], view: Resolved, site: tuple[str, int]
    ) -> None:
        """What a project function used as a decorator registers, its first parameter the view
        (`env`: the names it closes over)."""
        fact = self.function(decorator) if isinstance(decorator, FunctionEntity) else None
        first = [p for p in fact.params if p.kind == "positional"] if fact else []
        if isinstance(decorator, FunctionEntity) and first and self.is_helper(decorator):
            self.expand(decorator, {**env, first[0].name: view}, site)

    def resolve_one(
        self, fact: RegistrationFact, ctx: Ctx, file: str, site: tuple[str, int], depth: int = 0
    ) -> None:
        for env, walked in _loop_envs(self.resolver, fact.loops, ctx):
            env_ctx = Ctx(ctx.module, ctx.scope, env)
            if self.skipped_for_item(fact, env_ctx):
                if env:  # not made for this call: the reading without it bound does not count
                    self.bound.add((ctx.module, fact.line, fact.attr))
                continue
            for alternative in self.alternatives(fact, env_ctx):
                self.resolve_in(alternative, env_ctx, file, site, walked=walked, depth=depth)

    def skipped_for_item(self, fact: RegistrationFact, ctx: Ctx) -> bool:
        """Whether a test the registration is made under is false here: one reading the
        loop's item (`if c["with_id"]:` in a loop over commands known statically), or only
        what the call binds, the parameters and the object's attributes (`if
        rule.startswith("!/"):`, `if self.prefix:`), and constants."""
        for test in fact.tests:
            tested = test.operand if isinstance(test, Negation) else test
            if reads_loop_item(tested) and truth(self.resolver.resolve(test, ctx)) is False:
                return True
            if ctx.env and _decided_by_call(tested, ctx.env):
                found = self.resolver.resolve(test, ctx)
                if truth(found) is False and not (isinstance(found, ConstEntity) and found.origin):
                    return True
        return False

    def alternatives(self, fact: RegistrationFact, ctx: Ctx) -> list[RegistrationFact]:
        """The registration once per value its target, arguments and view may take, where a
        name is bound differently in the two branches of an `if`/`else` (`blueprint_func =
        make_github_blueprint` / `make_google_blueprint`): each branch may run."""
        written = Seq(
            (fact.target, fact.view or Lit(None), *fact.args, *(v for _, v in fact.kwargs))
        )
        alternatives = self.resolver.alternatives(written, ctx)
        if alternatives == (written,):
            return [fact]
        names = tuple(k for k, _ in fact.kwargs)
        found = []
        for alternative in alternatives:
            if not isinstance(alternative, Seq):
                continue
            target, view, *rest = alternative.items
            args, kwargs = rest[: len(fact.args)], rest[len(fact.args) :]
            found.append(
                replace(
                    fact,
                    target=target,
                    view=None if fact.view is None else view,
                    args=tuple(args),
                    kwargs=tuple(zip(names, kwargs, strict=True)),
                )
            )
        return found

    def resolve_in(
        self,
        fact: RegistrationFact,
        ctx: Ctx,
        file: str,
        site: tuple[str, int],
        *,
        walked: bool = False,
        depth: int = 0,
        final: bool = False,
    ) -> None:
        """One registration in one context; `walked`: made for one module of a package walk,
        where a module lacking the name used is skipped (the code guards it, or would fail);
        `final`: read after every call was, not to be put off again."""
        resolve = self.resolve_argument
        on_itself = isinstance(fact.target, SelfOf) or (
            fact.kind in RULE_KINDS and super_class(self.resolver, fact.target, ctx) is not None
        )  # `self.add_url_rule(...)`, `super().add_url_rule(...)`: on the object run on
        target = ctx.env.get(INSTANCE) if on_itself else None
        if target is None:
            target = self.resolver.resolve(fact.target, ctx)
        key = (ctx.module, fact.line, fact.attr)
        if isinstance(target, Opaque):
            if key not in self.failures:
                self.failures[key] = (fact, file, target.reason)
            return
        self.succeeded.add(key)
        unprefixed = False
        if fact.kind in RULE_KINDS and isinstance(target, FlaskObject):
            made = self.rule_method(fact, target, ctx, site, depth)
            if made is None:
                self.bound.add(key)
                return  # a project method ran instead: its rules are read there
            unprefixed = made
        if self.project_method(target, fact.attr):
            return  # the project's own `add_resource`: followed as a helper, like any call
        # a rule added on `self` is bound by the object the method runs on, not by the caller's
        # arguments (`self._add_urls(app.config)`)
        bound = INSTANCE in ctx.env if isinstance(fact.target, SelfOf) else bool(ctx.env)
        if not bound and not final and any(_reads_param(test) for test in fact.tests):
            # read on its own, a test on a parameter (`if state.passwordless:`) is not
            # decided: the calls binding it decide, and this reading counts only without them
            self.deferred.append((fact, ctx, file, site, walked, depth))
            return
        off = fact.tests and self.switched_off(fact, ctx)  # noted as Flask's own, unreported
        if not off and self.overridden_route(fact, target, ctx, site):
            if bound:
                self.bound.add(key)
            return
        if fact.kind == "classful_view":
            view = registered_class(self.resolver, target, ctx)
            if view is None:
                return  # the project's own `register`: followed as a helper, like any call
            target = view
        args, kwargs = self.resolver.arguments(fact.args, fact.kwargs, ctx, resolve)
        if walked and any(
            isinstance(a, Opaque) and a.missing for a in [*args, *dict(kwargs).values()]
        ):
            return
        if bound:
            self.bound.add(key)
        # read on its own, a function's registration that depends on its parameters (or a
        # method's on `self`/`cls`) is kept only if no call resolves it with them bound
        depends = _mentions_param(fact) or _mentions_own_class(fact)
        found = self.unbound if not bound and depends else self.found
        found.append(
            Registration(
                fact=fact,
                module=ctx.module,
                file=site[0],
                line=site[1],
                target=target,
                args=tuple(args),
                kwargs=tuple(kwargs),
                view=None if fact.view is None else resolve(fact.view, ctx),
                switched_off=(
                    self.switched_off(fact, ctx) if fact.tests and fact.kind != "hook" else None
                ),
                written=None if site == (file, fact.line) else (file, fact.line),
                unprefixed=unprefixed,
            )
        )

    def rule_method(
        self,
        fact: RegistrationFact,
        target: FlaskObject,
        ctx: Ctx,
        site: tuple[str, int],
        depth: int,
    ) -> bool | None:
        """Run the project method a rule added to `target` reaches, if any: an `add_url_rule`
        override of its class, with the attributes the object holds at this call (those the
        `with` blocks around it set: `attribute_states`), or for a blueprint the `add_url_rule`
        of its project setup state. None when one ran (its own rules are read there), else
        whether the library's `add_url_rule` drops the blueprint's `url_prefix` (a setup
        state's method setting `self.url_prefix = None` around it)."""
        arguments = rule_arguments(fact)
        if arguments is None:
            return False
        args, kwargs = arguments
        receiver = ctx.env.get(RECEIVER)
        on_itself = isinstance(fact.target, SelfOf) or super_class(self.resolver, fact.target, ctx)
        if ctx.env.get(INSTANCE) == target and on_itself and isinstance(receiver, ClassEntity):
            runs_for, after = receiver, super_class(self.resolver, fact.target, ctx)
            carried = {k: v for k, v in ctx.env.items() if is_attribute_key(k)}
            state = carried or self.object_state(runs_for, target)
            setting_up = SETUP_STATE in ctx.env
        else:
            found = self.resolver.resolve(target.ctor.func, target.ctx)
            if not isinstance(found, ClassEntity):
                return False  # the library's own class: no project method runs
            runs_for, after, setting_up = found, None, False
            state = self.object_state(runs_for, target)
        state = entered_state(self.resolver, fact.managers, target, runs_for, state, ctx)
        method = next_method(self.resolver, runs_for, "add_url_rule", after)
        marks: dict[str, Resolved] = {SETUP_STATE: ConstEntity(True)} if setting_up else {}
        if method is None and setting_up:  # the library's setup state adds it, so prefixed
            prefix = state.get(attribute_key("url_prefix", runs_for.qualname))
            return prefix == ConstEntity(None)
        if method is None and target.kind == "blueprint":
            blueprint_class = self.resolver.resolve(target.ctor.func, target.ctx)
            setup = None
            if isinstance(blueprint_class, ClassEntity):
                setup = setup_state_class(self.resolver, blueprint_class)
            method = (
                None if setup is None else next_method(self.resolver, setup, "add_url_rule", None)
            )
            if setup is None or method is None:
                return False
            runs_for, state, marks = (
                setup,
                self.object_state(setup, None),
                {SETUP_STATE: ConstEntity(True)},
            )
        if method is None:
            return False
        fact_run = self.function(method)
        if fact_run is None:
            return False
        env = self.bound_arguments(method, fact_run, args, kwargs, ctx)
        self.expand(
            method, {**env, **state, **marks, RECEIVER: runs_for, INSTANCE: target}, site, depth + 1
        )
        return None

    def object_state(self, cls: ClassEntity, built: FlaskObject | None) -> dict[str, Resolved]:
        """What an object of `cls` holds between calls (`attribute_states`), its `__init__`
        given the arguments `built` was constructed with."""
        key = (cls, built)
        known = self._states.get(key)
        if known is None:
            init_env: dict[str, Resolved] = {}
            owner = self.resolver.initialiser(cls)
            init = (
                None
                if owner is None
                else self.function(FunctionEntity(owner.module, f"{owner.qualname}.__init__"))
            )
            if built is not None and owner is not None and init is not None:
                ctor = built.ctor
                init_env = self.bound_arguments(
                    FunctionEntity(owner.module, init.qualname),
                    init,
                    ctor.args,
                    ctor.kwargs,
                    built.ctx,
                )
            known = self._states[key] = object_state(self.resolver, cls, init_env)
        return known

    def project_method(self, target: Resolved, attr: str) -> bool:
        """Whether `target.attr` is a method of a project class (mwdb's `Service.add_resource`,
        not Flask-RESTful's), whose body says what it registers."""
        if not (isinstance(target, InstanceEntity) and isinstance(target.cls, ClassEntity)):
            return False
        return isinstance(self.resolver.member(target, attr), FunctionEntity)

    def resolve_argument(self, value: Value, ctx: Ctx) -> Resolved:
        """A registration argument; a view wrapped by a decorator the analyzer cannot follow
        (`login_required(index)`), or by one of the project's that uses `functools.wraps`,
        stands for the view itself: Flask names the endpoint after it."""
        if isinstance(value, Choice) and not value.either:  # the view one branch picks
            known = truth(self.resolver.resolve(value.test, ctx))
            if known is not None:
                return self.resolve_argument(value.then if known else value.otherwise, ctx)
        found = self.resolver.resolve(value, ctx)
        if isinstance(found, FunctionEntity) and _enclosing(found.qualname) == ctx.scope:
            inner = self.wrapped(found)  # `@wraps(f) def wrapper(...)` defined right here
            wrapped_here = None if inner is None else self.resolve_argument(inner, ctx)
            if isinstance(wrapped_here, FunctionEntity | ViewEntity):
                return wrapped_here
        named_after = isinstance(found, FunctionEntity) and self.wraps(found)
        if (
            isinstance(value, CallOf)
            and value.args
            and (named_after or not isinstance(found, FunctionEntity | ClassEntity | ViewEntity))
        ):
            wrapped = self.resolve_argument(value.args[0], ctx)
            # a class the wrapper is named after (`wrapper.__name__ = cls.__name__`) names the
            # endpoint as its view would
            if isinstance(wrapped, FunctionEntity | ViewEntity) or (
                named_after and isinstance(wrapped, ClassEntity)
            ):
                return wrapped
        return found

    def wraps(self, entity: FunctionEntity) -> bool:
        """Whether a function is decorated with `functools.wraps(...)` (so it keeps the wrapped
        view's name, which Flask uses as the endpoint)."""
        return self.wrapped(entity) is not None

    def wrapped(self, entity: FunctionEntity) -> Value | None:
        """What `functools.wraps(...)` on the function names, as written; or, for a function
        the function defining it renames after another (`wrapper.__name__ =
        view.__name__`), that other one."""
        fact = self.function(entity)
        ctx = Ctx(entity.module)
        for decorator in fact.decorators if fact else ():
            if (
                isinstance(decorator, CallOf)
                and decorator.args
                and self.resolver.resolve(decorator.func, ctx) == ExternalEntity("functools.wraps")
            ):
                return decorator.args[0]
        outer = self.function(FunctionEntity(entity.module, _enclosing(entity.qualname)))
        for call in outer.calls if outer else ():
            match call:
                case CallFact(
                    func=Ref(dotted="setattr"),
                    args=(Local(qualname=renamed), Lit(value="__name__"), Attr(base, "__name__")),
                ) if renamed == entity.qualname:
                    return base
        return None


def _libraries_used(resolver: Resolver) -> tuple[LibrarySettings, ...]:
    """The libraries of `LIBRARY_SETTINGS` some module of the project imports."""
    imported = {i.target for facts in resolver.files.values() for i in facts.imports}
    return tuple(
        library
        for library in LIBRARY_SETTINGS
        if any(t == library.module or t.startswith(f"{library.module}.") for t in imported)
    )


def _put_library_defaults(resolver: Resolver, libraries: tuple[LibrarySettings, ...]) -> None:
    """What the libraries' `init_app` does (`app.config.setdefault(prefix + key, default)`):
    each setting the project's code does not set gets the library's default."""
    settings = resolver.settings()
    for library in libraries:
        for key, value in library.defaults.items():
            name = library.prefix + key
            settings.setdefault(
                name,
                ConstEntity(
                    value,
                    f"{name} is not set by the project's code: {library.library}'s default "
                    f"({library.version}), which configuration the analyzer does not read may "
                    "change",
                ),
            )


def _extension_constructors(function: FunctionFact) -> Iterator[RegistrationFact]:
    """`Swagger(app, ...)`: an extension initialised by its constructor, as an `init_app`
    registration whose target is the call itself (`known_extensions` says which count)."""
    for call in function.calls:
        if (call.args or call.kwargs) and _called_name(call.func) in EXTENSION_CONSTRUCTORS:
            yield RegistrationFact(
                "init_app",
                "__init__",
                function.qualname,
                CallOf(call.func, call.args, call.kwargs, call.line),
                call.line,
                call.args,
                call.kwargs,
                loops=call.loops,
            )


def _called_name(func: Value) -> str | None:
    return None if type(func) is Local else written_name(func)


def _is_hookimpl_marker(entity: Resolved) -> bool:
    return isinstance(entity, InstanceEntity) and entity.cls in HOOKIMPL_MARKERS


def _pluggy_hook(func: Value) -> str | None:
    """`pm.hook.<name>`: the name of the pluggy hook a call runs."""
    # by exact type (value classes have no subclasses): asked of every call with arguments
    if type(func) is Ref:
        owner, _, name = func.dotted.rpartition(".")
        return name if owner.endswith(".hook") else None
    if type(func) is Attr:
        base = func.base
        if (type(base) is Attr and base.name == "hook") or (
            type(base) is Ref and base.dotted.endswith(".hook")
        ):
            return func.name
    return None


def _mentions_own_class(fact: RegistrationFact) -> bool:
    """Whether a registration's target or arguments are read from `self` or `cls`."""
    values = [fact.target, *fact.args, *(v for _, v in fact.kwargs), fact.view or Lit(None)]
    values += [loop.iterable for loop in fact.loops]
    return any(_on_own_class(v) for v in values)


def _decided_by_call(test: Value, env: Mapping[str, Resolved]) -> bool:
    """Whether a test reads only constants and what a call binds (a parameter, an attribute
    of the object, in `env`), at least one of those: `rule.startswith("!/")`, `self.prefix`."""
    leaves: list[bool] = []  # one per parameter or attribute read: whether `env` binds it
    stack = [test]
    while stack:
        value = stack.pop()
        match value:
            case Lit():
                pass
            case Param(name=name):
                leaves.append(name in env)
            case Attr(base=SelfOf(class_qualname=owner), name=name):
                leaves.append(attribute_key(name, owner) in env)
            case Attr(base=base):
                stack.append(base)
            case CallOf(func=Attr() as func, args=args, kwargs=kwargs):
                stack += [func, *args, *(v for _, v in kwargs)]
            case Compare(left=left, right=right):
                stack += [left, right]
            case Negation(operand=operand):
                stack.append(operand)
            case Item(base=base, key=key):
                stack += [base, key]
            case _:
                return False
    return bool(leaves) and all(leaves)


def _on_instance(func: Value) -> bool:
    """`self.method` or `super().method`: a call a method makes on the object it runs on."""
    owner = method_of(func)
    if owner is None:
        return False
    base = owner[0]
    return isinstance(base, SelfOf) or (isinstance(base, CallOf) and isinstance(base.func, SuperOf))


def _blueprints_met(resolver: Resolver, found: list[Registration]) -> list[FlaskObject]:
    """The blueprints the project builds (bound, returned by a factory) or registers."""
    met = dict.fromkeys(constructed_objects(resolver))
    for registration in found:
        met.update(
            dict.fromkeys(
                value
                for value in (registration.target, *registration.args)
                if isinstance(value, FlaskObject)
            )
        )
    return [o for o in met if o.kind == "blueprint"]


def _blueprints_and_apps(
    resolver: Resolver, found: list[Registration]
) -> list[tuple[FlaskObject, FlaskObject | None]]:
    """Each blueprint met, with None, and with each app registering it."""
    pairs: list[tuple[FlaskObject, FlaskObject | None]] = [
        (built, None) for built in _blueprints_met(resolver, found)
    ]
    for registration in found:
        app, registered = registration.target, registration.argument(0, "blueprint")
        if (
            registration.fact.kind == "register_blueprint"
            and isinstance(app, FlaskObject)
            and app.kind == "app"
            and isinstance(registered, FlaskObject)
            and registered.kind == "blueprint"
        ):
            pairs.append((registered, app))
    return list(dict.fromkeys(pairs))


def _app_bound(register: FunctionFact, app: FlaskObject | None) -> dict[str, Resolved]:
    """`register(self, app, options)`'s `app` parameter bound to the app registering it."""
    positional = [p.name for p in register.params if p.kind == "positional"]
    return {positional[0]: app} if app is not None and positional else {}


def _on_own_class(func: Value) -> bool:
    """`self.method`, `cls.method` or `cls` itself: a call a method makes for its class."""
    while isinstance(func, Attr):
        func = func.base
    return isinstance(func, SelfOf | ClassOf)


def _key(reg: Registration) -> tuple[str, int, str]:
    return reg.module, reg.fact.line, reg.fact.attr


def _mentions_param(fact: RegistrationFact) -> bool:
    values = [*fact.args, *(v for _, v in fact.kwargs), fact.view or Lit(None)]
    values += [loop.iterable for loop in fact.loops]  # `for url in urls:` over a parameter
    return any(mentions_param(v) for v in values)


def _reads_param(test: Value) -> bool:
    """Whether an `if` test reads a parameter of the enclosing function (`state.passwordless`,
    `not app.debug`, `mode == "x"`)."""
    match test:
        case Negation(operand=operand):
            return _reads_param(operand)
        case Compare(left=left, right=right):
            return _reads_param(left) or _reads_param(right)
    return mentions_param(test)


def _enclosing(qualname: str) -> str:
    """The function a nested function is defined in (`f.<locals>.g` -> `f`), else the module."""
    outer, found, _ = qualname.rpartition(".<locals>.")
    return outer if found else MODULE_SCOPE


def _loop_envs(
    resolver: Resolver, loops: tuple[LoopFact, ...], ctx: Ctx
) -> Iterator[tuple[Mapping[str, Resolved], bool]]:
    """The caller's bindings extended with each combination of loop items (once, unextended,
    when a loop's items are not known: the registration then reports what is missing), and
    whether a loop walks the modules of a package."""
    envs: list[Mapping[str, Resolved]] = [ctx.env]
    walked = False
    for loop in loops:
        extended: list[Mapping[str, Resolved]] = []
        for env in envs:
            loop_ctx = Ctx(ctx.module, ctx.scope, env)
            items = iterated(resolver.resolve(loop.iterable, loop_ctx))
            if not isinstance(items, SeqEntity):
                modules = walked_modules(resolver, loop.iterable, loop_ctx)
                walked = walked or modules is not None
                items = modules or items
            if isinstance(items, Opaque) and items.known_items:
                # a sequence partly known: once per known item, and once unextended (the
                # registration then reports what is missing)
                extended.append(env)
                items = SeqEntity(items.known_items)
            if not isinstance(items, SeqEntity):
                extended.append(env)
                continue
            for item in items.items:
                bound = dict(env)
                bind_target(loop.target, item, bound)
                extended.append(bound)
        envs = extended[:MAX_LOOP_ITEMS]
    for env in envs:
        yield env, walked
