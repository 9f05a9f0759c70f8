"""marshmallow schemas a function applies: those it calls `dump`/`load` (and their kin) on, and
those it hands to a decorator (`@validate_schema(input_schema, output_schema)`), which loads
the request with one and dumps the view's result with the other.

An applied schema counts both ways, since which argument a decorator loads and which it dumps
is its own business: loading runs the schema's hooks (`@pre_load`, `@post_load`,
`@validates`, `@validates_schema`, `@pre_dump`, `@post_dump` methods) and its fields'
`validate=` functions, for the call graph to follow; dumping reads, through each `Nested`
field, the relationship of the same name (or the field's `attribute=`) on the schema's model,
and so on through the nested schema, on the relationship's target model.

A schema's model is marshmallow-sqlalchemy's `class Meta: model = M`; otherwise the model of
the object the applying function returns, when the model flow knows it; otherwise the model
whose class name starts the schema's (`PendingCertificateOutputSchema` -> PendingCertificate,
the longest such); otherwise the model whose relationships (backrefs included) match the
most of the schema's Nested field names (a unique best, at least one match): a schema
serialises an object's relationships by their names, so the model that has them is the one
it is written for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from analyzer.facts.python import FunctionFact
from analyzer.facts.values import CallOf, Lit, Value
from analyzer.resolution.resolve import (
    ClassEntity,
    Ctx,
    ExternalEntity,
    FunctionEntity,
    InstanceEntity,
    Resolved,
    Resolver,
    SeqEntity,
    method_of,
    written_name,
)
from analyzer.resolution.results import FunctionKey

ModelSite = tuple[str, str]  # (module, class name) of a model
_APPLY_METHODS = frozenset({"dump", "dumps", "load", "loads", "validate"})
_HOOKS = frozenset(
    {"pre_load", "post_load", "validates", "validates_schema", "pre_dump", "post_dump"}
)
_MAX_NESTING = 8


class ModelRelations(Protocol):
    """The project's models and their relationships (backrefs too) -> each target model."""

    def model_sites(self) -> list[ModelSite]: ...

    def relationships_of(self, site: ModelSite) -> dict[str, ModelSite | None]: ...


@dataclass(frozen=True, slots=True)
class _Field:
    relationship: str  # the attribute it serialises
    nested: ClassEntity | None  # the Nested field's schema, when found


class SchemaRules:
    """Schemas applied by functions, and what applying one runs and reads."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        # marshmallow's class registry: `Nested("UserSchema")` names a schema class
        self.schema_classes = {
            klass.qualname.rsplit(".", 1)[-1]: klass
            for key in resolver.classes
            if self.is_schema(klass := ClassEntity(*key))
        }
        self._applied: dict[FunctionKey, list[ClassEntity]] = {}

    def is_schema(self, klass: ClassEntity) -> bool:
        return any(
            isinstance(base, ExternalEntity) and base.dotted.split(".")[0].startswith("marshmallow")
            for base in self.resolver.mro(klass)
        )

    def applied(self, key: FunctionKey) -> list[ClassEntity]:
        """The schema classes function `key` applies (see the module docstring)."""
        if key in self._applied:
            return self._applied[key]
        function = self.resolver.functions.get(key)
        if function is None:
            return []
        found: list[ClassEntity] = []
        module = key[0]
        for decorator in function.decorators:
            if isinstance(decorator, CallOf):
                values = (*decorator.args, *(v for _, v in decorator.kwargs))
                for value in values:
                    found.extend(self._schemas(value, Ctx(module)))
        for call in function.calls:
            method = method_of(call.func)
            if method is not None and method[1] in _APPLY_METHODS:
                found.extend(self._schemas(method[0], Ctx(*key)))
        self._applied[key] = list(dict.fromkeys(found))
        return self._applied[key]

    def hooks(self, schema: ClassEntity) -> list[FunctionKey]:
        """The functions loading with `schema` runs: hooks, field validators, nested ones'."""
        found: list[FunctionKey] = []
        for klass in self._nested_closure(schema):
            for owner in self._project_mro(klass):
                fact = self.resolver.classes[(owner.module, owner.qualname)]
                for method in fact.methods:
                    key = (owner.module, f"{owner.qualname}.{method}")
                    function = self.resolver.functions.get(key)
                    if function is not None and _is_hook(function):
                        found.append(key)
                for _, value in fact.class_attrs:
                    found.extend(self._validators(value, owner.module))
        return list(dict.fromkeys(found))

    def dumped(
        self, schema: ClassEntity, models: ModelRelations, dumped: ModelSite | None = None
    ) -> list[tuple[ModelSite, str]]:
        """(model, relationship) pairs dumping with `schema` reads, nested schemas' too;
        `dumped`: the model of the object dumped, when known (the view returns one), which
        beats the guess by field names but not a `Meta.model`."""
        found: list[tuple[ModelSite, str]] = []
        seen: set[tuple[ClassEntity, ModelSite | None]] = set()
        start = self.meta_model(schema) or dumped
        stack: list[tuple[ClassEntity, ModelSite | None, int]] = [(schema, start, 0)]
        while stack:
            klass, model, depth = stack.pop()
            model = model or self.model_of(klass, models)
            if (klass, model) in seen or depth > _MAX_NESTING:
                continue
            seen.add((klass, model))
            relationships = models.relationships_of(model) if model else {}
            for field in self._fields(klass):
                target = None
                if model is not None and field.relationship in relationships:
                    found.append((model, field.relationship))
                    target = relationships[field.relationship]
                elif model is not None:
                    continue  # a known model's plain attribute: no related rows below it
                if field.nested is not None:
                    stack.append((field.nested, target, depth + 1))
        return list(dict.fromkeys(found))

    def meta_model(self, schema: ClassEntity) -> ModelSite | None:
        """marshmallow-sqlalchemy's `class Meta: model = M`."""
        meta = self.resolver.class_member(schema, "Meta", instance=False)
        if isinstance(meta, ClassEntity):
            model = self.resolver.class_member(meta, "model", instance=False)
            if isinstance(model, ClassEntity):
                return (model.module, model.qualname)
        return None

    def model_of(self, schema: ClassEntity, models: ModelRelations) -> ModelSite | None:
        """`class Meta: model = M`, else the model whose relationships its Nested fields name."""
        if (meta := self.meta_model(schema)) is not None:
            return meta
        name = schema.qualname.rsplit(".", 1)[-1]
        prefixed = [
            site
            for site in models.model_sites()
            if name.startswith(site[1]) and name[len(site[1]) : len(site[1]) + 1].isupper()
        ]
        if prefixed:
            return max(prefixed, key=lambda site: len(site[1]))
        names = {field.relationship for field in self._fields(schema)}
        if not names:
            return None
        scored = sorted(
            (
                (len(names & set(models.relationships_of(site))), site)
                for site in models.model_sites()
            ),
            reverse=True,
        )
        if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        return scored[0][1]

    def _fields(self, schema: ClassEntity) -> list[_Field]:
        found: dict[str, _Field] = {}
        for owner in reversed(self._project_mro(schema)):
            fact = self.resolver.classes[(owner.module, owner.qualname)]
            for name, value in fact.class_attrs:
                field = self._nested_field(name, value, owner.module)
                if field is not None:
                    found[name] = field
        return list(found.values())

    def _nested_field(self, name: str, value: Value, module: str) -> _Field | None:
        """`fields.Nested(S, attribute="x")`, `fields.List(fields.Nested("S"))`."""
        if not isinstance(value, CallOf) or written_name(value.func) not in ("Nested", "List"):
            return None
        attribute = dict(value.kwargs).get("attribute")
        relationship = (
            attribute.value
            if isinstance(attribute, Lit) and isinstance(attribute.value, str)
            else name
        )
        if written_name(value.func) == "List":
            inner = value.args[0] if value.args else None
            return self._nested_field(relationship, inner, module) if inner is not None else None
        nested: ClassEntity | None = None
        if value.args:
            target = value.args[0]
            if isinstance(target, Lit) and isinstance(target.value, str):
                nested = self.schema_classes.get(target.value.rsplit(".", 1)[-1])
            else:
                resolved = self.resolver.resolve(target, Ctx(module))
                nested = resolved if isinstance(resolved, ClassEntity) else None
        return _Field(relationship, nested)

    def _nested_closure(self, schema: ClassEntity) -> list[ClassEntity]:
        found = [schema]
        for klass in found:
            if len(found) > 64:
                break
            for field in self._fields(klass):
                if field.nested is not None and field.nested not in found:
                    found.append(field.nested)
        return found

    def _validators(self, value: Value, module: str) -> Iterator[FunctionKey]:
        """The `validate=` function(s) of a field (`fields.Str(validate=validators.name)`)."""
        if not isinstance(value, CallOf):
            return
        given = dict(value.kwargs).get("validate")
        if given is None:
            return
        resolved = self.resolver.resolve(given, Ctx(module))
        items = resolved.items if isinstance(resolved, SeqEntity) else (resolved,)
        for item in items:
            if isinstance(item, FunctionEntity):
                yield (item.module, item.qualname)

    def _project_mro(self, klass: ClassEntity) -> list[ClassEntity]:
        return [k for k in self.resolver.mro(klass) if isinstance(k, ClassEntity)]

    def _schemas(self, value: Value, ctx: Ctx) -> list[ClassEntity]:
        """Schema classes `value` holds: a schema, its class, or a factory returning one."""
        found: list[ClassEntity] = []
        for entity in self._entities(value, ctx):
            klass = entity.cls if isinstance(entity, InstanceEntity) else entity
            if isinstance(klass, ClassEntity) and self.is_schema(klass):
                found.append(klass)
        return found

    def _entities(self, value: Value, ctx: Ctx) -> list[Resolved]:
        resolved = self.resolver.resolve(value, ctx)
        if not isinstance(resolved, FunctionEntity):
            return [resolved]
        factory = self.resolver.functions.get((resolved.module, resolved.qualname))
        if factory is None or factory.returns is None:
            return []
        inner = Ctx(resolved.module, resolved.qualname)
        return [
            self.resolver.resolve(option, inner)
            for option in self.resolver.alternatives(factory.returns, inner)
        ]


def _is_hook(function: FunctionFact) -> bool:
    for decorator in function.decorators:
        func = decorator.func if isinstance(decorator, CallOf) else decorator
        if written_name(func) in _HOOKS:
            return True
    return False
