"""Models that flow through calls: a model class or instance handed to a project helper that
uses its parameter like a model (`def get(model, id): return session_query(model)...`,
`def create(obj): db.session.add(obj)`), and a helper's result that carries the model back
(`cert = database.get(Certificate, id); cert.user`).

The database extraction writes such models as placeholders (`analyzer.facts.database`):
"@param:<name>" for a parameter, "@call:<line>:<callee>" for what a call returns, "@current_user"
for Flask-Login's proxy (the model the project's user loader returns), "@g:<attribute>" for an
attribute of Flask's `g` another module sets (the models the project's functions store there,
each resolved in the function storing it); a method
called on either (`model.get(id)`, `helper(id).serialize()`) is bound the same way, to the
class a caller passes or the helper returns. Here a placeholder is resolved in one function's
context: "@call" through the callee's `returns_model`, and, when that names one of the
callee's parameters, through the argument this very call passes there, or, when it is
"@receiver" (a mixin's `get(cls, id)`), through the class the call is made on
(`Project.get(id)`: a Project); a library method of `LIBRARY_RETURNS` called on an object built
on the library's class (`self.acquire_token(scopes)` in an Authlib `ResourceProtector`
subclass) returns the model the project hands to the library's factory. A use that still
names a parameter of the function is part of the function's parameter summary; each call site
binding a model to that parameter gets the summary's uses as its own, with its own model, so
two callers passing different models each get their own table (context-sensitive by call
site, transitively through helpers passing a parameter on).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from analyzer.facts.database import (
    CALL_MODEL,
    CURRENT_USER_MODEL,
    G_MODEL,
    PARAM_MODEL,
    RECEIVER_MODEL,
    AccessMode,
    Confidence,
    FunctionDbFacts,
    ModelArgument,
    is_placeholder,
    rel_model,
    split_rel_model,
)
from analyzer.facts.values import Attr, CallOf, ClassOf, Ref, SelfOf, Value
from analyzer.resolution.calls import callable_function, called_functions
from analyzer.resolution.resolve import (
    ClassChoiceEntity,
    ClassEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    InstanceEntity,
    Resolved,
    Resolver,
    written_name,
)
from analyzer.resolution.results import FunctionKey

# what a library method returns when a project class is built on the library's: the model
# handed to a factory (the factory's dotted name, the argument's position). Authlib 1.x's
# `ResourceProtector.acquire_token` returns the token its bearer validator loads, an instance of
# the model given to `create_bearer_token_validator(session, Token)`
LIBRARY_RETURNS: dict[str, tuple[str, int]] = dict.fromkeys(
    (
        "authlib.integrations.flask_oauth2.ResourceProtector.acquire_token",
        "authlib.integrations.flask_oauth2.resource_protector.ResourceProtector.acquire_token",
    ),
    ("authlib.integrations.sqla_oauth2.create_bearer_token_validator", 1),
)

ModelSite = tuple[str, str]  # (module the name is written in, model name or a parameter's)
# the model a relationship of a model leads to (None: no such relationship)
RelatedModel = Callable[[ModelSite, str], ModelSite | None]
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class ModelAccess:
    """A use of a model whose class is known only per call: its table ("model"), or the
    tables behind one of its relationships ("relationship", `attribute`); of the model the
    relationships `through` lead to from it, when not of that model itself (`p.author.x`)."""

    kind: str  # "model", "relationship" or "method" (`attribute` called on the class)
    mode: AccessMode
    attribute: str = ""
    through: tuple[str, ...] = ()
    confidence: Confidence = "high"  # "low": a best-effort rule (a changed instance committed)


@dataclass(frozen=True, slots=True)
class BoundAccess:
    """A use resolved at one place of a function: the model as written in `site[0]`."""

    access: ModelAccess
    site: ModelSite
    line: int
    on_g: bool = False  # made on an attribute of Flask's `g` set elsewhere ("@g:<attribute>")


class ModelFlow:
    """Resolves placeholders, per function, and binds parameters' uses to call sites."""

    def __init__(
        self,
        resolver: Resolver,
        functions: dict[FunctionKey, FunctionDbFacts],
        related: RelatedModel,
    ) -> None:
        self.resolver = resolver
        self.functions = functions
        self.related = related
        self._sites: dict[tuple[FunctionKey, str], tuple[ModelSite, ...]] = {}
        self._summaries: dict[tuple[FunctionKey, str], tuple[ModelAccess, ...]] = {}
        self._targets: dict[tuple[FunctionKey, int, str], tuple[FunctionKey, ...]] = {}
        self._login_users_found: tuple[ModelSite, ...] | None = None

    def sites(self, key: FunctionKey, ref: str, depth: int = 0) -> tuple[ModelSite, ...]:
        """The models `ref`, written in function `key`, may stand for: concrete names, or
        `(module, "@param:p")` for a parameter of `key` (bound by its callers), or a
        relationship of it (`(module, "@rel:author:@param:p")`)."""
        if (relationship := split_rel_model(ref)) is not None:
            return self._related_sites(key, *relationship, depth)
        if ref == CURRENT_USER_MODEL:
            return self._login_users()
        if ref.startswith(G_MODEL):
            return self._g_sites(ref[len(G_MODEL) :], depth)
        if not ref.startswith(CALL_MODEL):
            return ((key[0], ref),)
        memo = (key, ref)
        if memo in self._sites:
            return self._sites[memo]
        self._sites[memo] = ()  # a recursive helper adds nothing
        if depth > _MAX_DEPTH:
            return ()
        line_text, callee = ref[len(CALL_MODEL) :].split(":", 1)
        line = int(line_text)
        found: list[ModelSite] = list(self._library_returned(key, line, callee))
        found.extend(self._returned_classes(key, line, callee))
        for target in self.targets(key, line, callee):
            returned = self.functions.get(target)
            if returned is None or returned.returns_model is None:
                continue
            for module, name in self.sites(target, returned.returns_model, depth + 1):
                path, base = _unwound(name)
                if base.startswith(PARAM_MODEL):  # what the caller passes (or a relationship of it)
                    for argument in self._arguments(key, line, callee, target, base):
                        found.extend(self.sites(key, _wound(path, argument.model_ref), depth + 1))
                elif base == RECEIVER_MODEL:  # `M.get(id)`: an M
                    receivers = self._call_receivers(key, line, callee)
                    found.extend((where, _wound(path, model)) for where, model in receivers)
                else:
                    found.append((module, name))
        self._sites[memo] = tuple(dict.fromkeys(found))
        return self._sites[memo]

    def _login_users(self) -> tuple[ModelSite, ...]:
        """What Flask-Login's `current_user` is: the models the project's user loaders
        (`@login_manager.user_loader`) return instances of."""
        if self._login_users_found is None:
            self._login_users_found = ()  # a loader reading `current_user` adds nothing
            loaders = [
                callable_function(
                    self.resolver, self.resolver.resolve(fact.view, Ctx(module, fact.scope))
                )
                for module, facts in self.resolver.files.items()
                for fact in facts.registrations
                if fact.kind == "hook" and fact.attr == "user_loader" and fact.view is not None
            ]
            found = [
                site for key in loaders if key is not None for site in self.returned_models(key)
            ]
            self._login_users_found = tuple(dict.fromkeys(found))
        return self._login_users_found

    def _g_sites(self, attribute: str, depth: int) -> tuple[ModelSite, ...]:
        """What `g.<attribute>` holds: the concrete models every function storing an instance
        there gives it (`g.auth_user = APIKey.verify_token(token)`, resolved in that function)."""
        memo = (("", ""), G_MODEL + attribute)
        if memo in self._sites:
            return self._sites[memo]
        self._sites[memo] = ()  # `g.a = g.a.parent` adds nothing
        found = [
            site
            for key, facts in self.functions.items()
            for store in facts.g_stores
            if store.attribute == attribute
            for site in self.sites(key, store.model_ref, depth + 1)
            if not is_placeholder(site[1])
        ]
        self._sites[memo] = tuple(dict.fromkeys(found))
        return self._sites[memo]

    def _call_receivers(self, key: FunctionKey, line: int, callee: str) -> list[ModelSite]:
        """The classes the method `callee` is called on at `line` (`Project.get(id)`, an
        instance of one), or the function's own receiver (`cls.create(...)`, "@receiver")."""
        function = self.resolver.functions.get(key)
        found: list[ModelSite] = []
        for call in function.calls if function else ():
            if call.line != line or written_name(call.func) != callee:
                continue
            func = call.func
            if isinstance(func, Ref) and "." in func.dotted:
                base: Value = Ref(func.dotted.rsplit(".", 1)[0])
            elif isinstance(func, Attr):
                base = func.base
            else:
                continue
            if isinstance(base, ClassOf | SelfOf):
                found.append((key[0], RECEIVER_MODEL))
                continue
            owner = self.resolver.resolve(base, Ctx(*key))
            klass = owner.cls if isinstance(owner, InstanceEntity) else owner
            found.extend((c.module, c.qualname) for c in _classes(klass))
        return found

    def _returned_classes(self, key: FunctionKey, line: int, callee: str) -> list[ModelSite]:
        """The classes (not instances) the project function called `callee` at `line`
        returns: one, or each of those a key known only at run time picks from a dict of
        classes (`return {"file": File, "config": Config}[kind]`)."""
        function = self.resolver.functions.get(key)
        found: list[ModelSite] = []
        for call in function.calls if function else ():
            if call.line != line or written_name(call.func) != callee:
                continue
            func = self.resolver.called(call, Ctx(*key))
            if isinstance(func, FunctionEntity):
                value = CallOf(call.func, call.args, call.kwargs, call.line)
                returned = self.resolver.returned(func, value, Ctx(*key))
                found.extend((c.module, c.qualname) for c in _classes(returned))
        return found

    def _related_sites(
        self, key: FunctionKey, attribute: str, base: str, depth: int
    ) -> tuple[ModelSite, ...]:
        """The models the relationship `attribute` of what `base` stands for leads to."""
        if depth > _MAX_DEPTH:
            return ()
        found: list[ModelSite] = []
        for site in self.sites(key, base, depth + 1):
            if is_placeholder(site[1]):  # a parameter's: known per call
                found.append((site[0], rel_model(attribute, site[1])))
            elif (target := self.related(site, attribute)) is not None:
                found.append(target)
        return tuple(dict.fromkeys(found))

    def _library_returned(self, key: FunctionKey, line: int, callee: str) -> list[ModelSite]:
        """The models a library method of `LIBRARY_RETURNS` called at `line` returns, on an
        object of a library class or of a project class built on one."""
        function = self.resolver.functions.get(key)
        for call in function.calls if function else ():
            if call.line != line or not isinstance(call.func, Attr) or call.func.name != callee:
                continue
            owner = self.resolver.resolve(call.func.base, Ctx(*key))
            if not isinstance(owner, InstanceEntity):
                continue
            classes = (
                self.resolver.mro(owner.cls) if isinstance(owner.cls, ClassEntity) else (owner.cls,)
            )
            for klass in classes:
                rule = (
                    LIBRARY_RETURNS.get(f"{klass.dotted}.{callee}")
                    if isinstance(klass, ExternalEntity)
                    else None
                )
                if rule is not None:
                    return self._factory_arguments(*rule)
        return []

    def _factory_arguments(self, factory: str, slot: int) -> list[ModelSite]:
        """The names passed at `slot` to each call of the library function `factory`."""
        found: list[ModelSite] = []
        for key, function in self.resolver.functions.items():
            for call in function.calls:
                if len(call.args) <= slot or written_name(call.func) != factory.rsplit(".", 1)[-1]:
                    continue
                if self.resolver.resolve(call.func, Ctx(*key)) != ExternalEntity(factory):
                    continue
                model = self.resolver.resolve(call.args[slot], Ctx(*key))
                if isinstance(model, ClassEntity):
                    found.append((model.module, model.qualname))
        return found

    def targets(self, key: FunctionKey, line: int, callee: str) -> tuple[FunctionKey, ...]:
        """The project functions the calls named `callee` at `line` of `key` run."""
        memo = (key, line, callee)
        if memo not in self._targets:
            function = self.resolver.functions.get(key)
            found: list[FunctionKey] = []
            for call in function.calls if function else ():
                if call.line == line and written_name(call.func) == callee:
                    resolved = self.resolver.called(call, Ctx(*key))
                    found.extend(called_functions(self.resolver, call, Ctx(*key), resolved))
            self._targets[memo] = tuple(dict.fromkeys(found))
        return self._targets[memo]

    def returned_models(self, key: FunctionKey) -> tuple[ModelSite, ...]:
        """The concrete models function `key` returns instances of, when known."""
        facts = self.functions.get(key)
        if facts is None or facts.returns_model is None:
            return ()
        return tuple(s for s in self.sites(key, facts.returns_model) if not is_placeholder(s[1]))

    def bound_uses(self, key: FunctionKey) -> Iterator[BoundAccess]:
        """The concrete model uses of `key`: its own placeholders resolved, and the parameter
        summaries of the helpers it hands a model to."""
        facts = self.functions.get(key)
        if facts is None:
            return
        for access, ref, line in _placeholder_uses(facts):
            for site in self.sites(key, ref):
                if not is_placeholder(site[1]):
                    yield BoundAccess(access, site, line, ref.startswith(G_MODEL))
        for argument in facts.model_arguments:
            sites = [s for s in self.sites(key, argument.model_ref) if not is_placeholder(s[1])]
            if not sites:
                continue
            for access in self._handed_uses(key, argument, 0):
                for site in sites:
                    yield BoundAccess(access, site, argument.line)

    def summary(self, key: FunctionKey, parameter: str, depth: int = 0) -> tuple[ModelAccess, ...]:
        """How function `key` uses whatever model its caller passes as `parameter`."""
        memo = (key, parameter)
        if memo in self._summaries:
            return self._summaries[memo]
        self._summaries[memo] = ()  # a recursive helper adds nothing
        facts = self.functions.get(key)
        if facts is None or depth > _MAX_DEPTH:
            return ()
        placeholder = f"{PARAM_MODEL}{parameter}"
        found: list[ModelAccess] = []
        for access, ref, _ in _placeholder_uses(facts):
            for site in self.sites(key, ref):
                through = _through(site[1], placeholder)
                if through is not None:
                    found.append(_reached(access, through))
        for argument in facts.model_arguments:
            for site in self.sites(key, argument.model_ref):
                through = _through(site[1], placeholder)
                if through is not None:
                    handed = self._handed_uses(key, argument, depth + 1)
                    found.extend(_reached(access, through) for access in handed)
        self._summaries[memo] = tuple(dict.fromkeys(found))
        return self._summaries[memo]

    def _handed_uses(
        self, key: FunctionKey, argument: ModelArgument, depth: int
    ) -> list[ModelAccess]:
        """The uses the callees of `argument`'s call make of the parameter it binds."""
        found: list[ModelAccess] = []
        for target in self.targets(key, argument.line, argument.callee):
            parameter = self._parameter(target, argument.slot)
            if parameter is not None:
                found.extend(self.summary(target, parameter, depth))
        return found

    def _parameter(self, target: FunctionKey, slot: int | str) -> str | None:
        function = self.resolver.functions.get(target)
        if function is None:
            return None
        if isinstance(slot, str):
            return slot if any(p.name == slot for p in function.params) else None
        positional = [p.name for p in function.params if p.kind == "positional"]
        return positional[slot] if slot < len(positional) else None

    def _arguments(
        self, key: FunctionKey, line: int, callee: str, target: FunctionKey, placeholder: str
    ) -> list[ModelArgument]:
        """The arguments the call at `line` passes to `target`'s parameter `placeholder`."""
        facts = self.functions.get(key)
        parameter = placeholder[len(PARAM_MODEL) :]
        return [
            argument
            for argument in (facts.model_arguments if facts else ())
            if argument.line == line
            and argument.callee == callee
            and self._parameter(target, argument.slot) == parameter
        ]


def _classes(entity: Resolved) -> tuple[ClassEntity, ...]:
    """The project classes `entity` is one of: itself, or a run-time choice's classes."""
    if isinstance(entity, ClassEntity):
        return (entity,)
    return entity.classes if isinstance(entity, ClassChoiceEntity) else ()


def _unwound(ref: str) -> tuple[tuple[str, ...], str]:
    """The relationships a "@rel:" reference follows, first first, and the one it starts at."""
    path: list[str] = []
    while (relationship := split_rel_model(ref)) is not None:
        path.append(relationship[0])
        ref = relationship[1]
    return tuple(reversed(path)), ref


def _wound(path: tuple[str, ...], ref: str) -> str:
    """The reference to what the relationships `path` lead to from `ref`."""
    for attribute in path:
        ref = rel_model(attribute, ref)
    return ref


def _through(ref: str, placeholder: str) -> tuple[str, ...] | None:
    """The relationships leading from the parameter `placeholder` to `ref` (`()`: `ref` is
    the parameter itself), None when `ref` is not reached from it."""
    path, base = _unwound(ref)
    return path if base == placeholder else None


def _reached(access: ModelAccess, through: tuple[str, ...]) -> ModelAccess:
    """`access`, made of the model `through` leads to from the one it was made of."""
    if not through:
        return access
    return dataclasses.replace(access, through=through + access.through)


def _placeholder_uses(facts: FunctionDbFacts) -> Iterator[tuple[ModelAccess, str, int]]:
    """The function's model and relationship uses whose model is a placeholder."""
    for use in facts.model_uses:
        if is_placeholder(use.model_ref):
            yield ModelAccess("model", use.mode, confidence=use.confidence), use.model_ref, use.line
    for rel in facts.relationship_uses:
        if is_placeholder(rel.model_ref):
            yield ModelAccess("relationship", rel.mode, rel.attribute), rel.model_ref, rel.line
    for call in facts.placeholder_method_calls:
        yield ModelAccess("method", "read", call.method), call.model_ref, call.line
