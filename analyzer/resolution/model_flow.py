"""Models that flow through calls: a model class or instance handed to a project helper that
uses its parameter like a model (`def get(model, id): return session_query(model)...`,
`def create(obj): db.session.add(obj)`), and a helper's result that carries the model back
(`cert = database.get(Certificate, id); cert.user`).

The database extraction writes such models as placeholders (`analyzer.facts.database`):
"@param:<name>" for a parameter, "@call:<line>:<callee>" for what a call returns. Here a
placeholder is resolved in one function's context: "@call" through the callee's
`returns_model`, and, when that names one of the callee's parameters, through the argument
this very call passes there. A use that still names a parameter of the function is part of
the function's parameter summary; each call site binding a model to that parameter gets the
summary's uses as its own, with its own model, so two callers passing different models each
get their own table (context-sensitive by call site, transitively through helpers passing a
parameter on).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.facts.database import (
    CALL_MODEL,
    PARAM_MODEL,
    AccessMode,
    FunctionDbFacts,
    ModelArgument,
    is_placeholder,
)
from analyzer.resolution.calls import callable_function
from analyzer.resolution.resolve import Ctx, Resolver, written_name
from analyzer.resolution.results import FunctionKey

ModelSite = tuple[str, str]  # (module the name is written in, model name or a parameter's)
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class ModelAccess:
    """A use of a model whose class is known only per call: its table ("model"), or the
    tables behind one of its relationships ("relationship", `attribute`)."""

    kind: str  # "model" or "relationship"
    mode: AccessMode
    attribute: str = ""


@dataclass(frozen=True, slots=True)
class BoundAccess:
    """A use resolved at one place of a function: the model as written in `site[0]`."""

    access: ModelAccess
    site: ModelSite
    line: int


class ModelFlow:
    """Resolves placeholders, per function, and binds parameters' uses to call sites."""

    def __init__(self, resolver: Resolver, functions: dict[FunctionKey, FunctionDbFacts]) -> None:
        self.resolver = resolver
        self.functions = functions
        self._sites: dict[tuple[FunctionKey, str], tuple[ModelSite, ...]] = {}
        self._summaries: dict[tuple[FunctionKey, str], tuple[ModelAccess, ...]] = {}
        self._targets: dict[tuple[FunctionKey, int, str], tuple[FunctionKey, ...]] = {}

    def sites(self, key: FunctionKey, ref: str, depth: int = 0) -> tuple[ModelSite, ...]:
        """The models `ref`, written in function `key`, may stand for: concrete names, or
        `(module, "@param:p")` for a parameter of `key` (bound by its callers)."""
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
        found: list[ModelSite] = []
        for target in self.targets(key, line, callee):
            returned = self.functions.get(target)
            if returned is None or returned.returns_model is None:
                continue
            for module, name in self.sites(target, returned.returns_model, depth + 1):
                if name.startswith(PARAM_MODEL):
                    for argument in self._arguments(key, line, callee, target, name):
                        found.extend(self.sites(key, argument.model_ref, depth + 1))
                else:
                    found.append((module, name))
        self._sites[memo] = tuple(dict.fromkeys(found))
        return self._sites[memo]

    def targets(self, key: FunctionKey, line: int, callee: str) -> tuple[FunctionKey, ...]:
        """The project functions the calls named `callee` at `line` of `key` run."""
        memo = (key, line, callee)
        if memo not in self._targets:
            function = self.resolver.functions.get(key)
            found: list[FunctionKey] = []
            for call in function.calls if function else ():
                if call.line == line and written_name(call.func) == callee:
                    target = callable_function(self.resolver, self.resolver.called(call, Ctx(*key)))
                    if target is not None:
                        found.append(target)
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
                if not site[1].startswith(PARAM_MODEL):
                    yield BoundAccess(access, site, line)
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
        found: list[ModelAccess] = [
            access
            for access, ref, _ in _placeholder_uses(facts)
            if any(site[1] == placeholder for site in self.sites(key, ref))
        ]
        for argument in facts.model_arguments:
            if any(site[1] == placeholder for site in self.sites(key, argument.model_ref)):
                found.extend(self._handed_uses(key, argument, depth + 1))
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


def _placeholder_uses(facts: FunctionDbFacts) -> Iterator[tuple[ModelAccess, str, int]]:
    """The function's model and relationship uses whose model is a placeholder."""
    for use in facts.model_uses:
        if is_placeholder(use.model_ref):
            yield ModelAccess("model", use.mode), use.model_ref, use.line
    for rel in facts.relationship_uses:
        if is_placeholder(rel.model_ref):
            yield ModelAccess("relationship", rel.mode, rel.attribute), rel.model_ref, rel.line
