"""The model class a relationship of a model leads to, for the call graph.

The database extraction writes an instance reached through a relationship as
"@rel:<attribute>:<model ref>" (`owner = post.author`, `for tag in post.tags.all()`); the methods
called on it (`owner.is_blocked_by(user)`, `tag.serialize()`) are the target model's. The
target is named in `relationship(...)` by a name importable where the model is defined, or, as
SQLAlchemy's registry finds it, by the class name alone. Relationships of a base model count;
backrefs do not (the table resolution knows those).
"""

from __future__ import annotations

from analyzer.facts.database import split_rel_model
from analyzer.facts.values import Ref
from analyzer.resolution.resolve import ClassEntity, Ctx, Resolver


class RelatedModels:
    """Resolves model references, "@rel:" ones included, to the model class they name."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._by_name: dict[str, ClassEntity] | None = None

    def model_class(self, module: str, model_ref: str, depth: int = 0) -> ClassEntity | None:
        """The class `model_ref`, written in `module`, names (None: unknown, or a placeholder
        known only per call)."""
        related = split_rel_model(model_ref)
        if related is None:
            if model_ref.startswith("@"):
                return None
            found = self.resolver.resolve(Ref(model_ref), Ctx(module))
            if isinstance(found, ClassEntity):
                return found
            site = self.resolver.locate(module, model_ref)  # `app.models.User`: absolute
            return ClassEntity(*site) if site in self.resolver.classes else None
        attribute, base = related
        owner = self.model_class(module, base, depth + 1) if depth < 8 else None
        return self.target(owner, attribute) if owner is not None else None

    def target(self, model: ClassEntity, attribute: str) -> ClassEntity | None:
        """The model the relationship `attribute` of `model` (or of a base of it) leads to."""
        if (model.module, model.qualname) not in self.resolver.classes:
            return None
        for klass in self.resolver.mro(model):
            if not isinstance(klass, ClassEntity):
                break
            facts = self.resolver.files.get(klass.module)
            for fact in facts.db.models if facts is not None and facts.db is not None else ():
                if fact.class_name != klass.qualname:
                    continue
                for relationship in fact.relationships:
                    if relationship.attribute == attribute and not relationship.proxied:
                        return self._named(klass.module, relationship.target_ref)
        return None

    def _named(self, module: str, target_ref: str) -> ClassEntity | None:
        found = self.resolver.resolve(Ref(target_ref), Ctx(module))
        if isinstance(found, ClassEntity):
            return found
        if self._by_name is None:
            self._by_name = {}
            for name, facts in self.resolver.files.items():
                if name != facts.module or facts.db is None:
                    continue
                for fact in facts.db.models:  # classes written as such (no version class)
                    if (name, fact.class_name) in self.resolver.classes:
                        self._by_name.setdefault(
                            fact.class_name, ClassEntity(name, fact.class_name)
                        )
        return self._by_name.get(target_ref.rsplit(".", 1)[-1])
