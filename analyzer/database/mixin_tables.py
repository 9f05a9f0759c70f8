"""Mapped classes a mixin's `declared_attr` makes per model (one table per model using it).

SQLAlchemy runs a mixin's declared_attr once for each mapped subclass, with that class as its
first parameter. A mixin can make a mapped class there, named after the model's table:

    class LabelMixin:
        @declared_attr
        def labels(self):
            self.Label = type("%sLabel" % self.__name__, (Label, BaseModel),
                              {"__tablename__": "%s_label" % self.__tablename__, ...})
            return relationship(self.Label)

so each model using it gets `<table>_label`, reached as `Model.Label` and the relationship
`labels`. Only the class the code makes with a `__tablename__` built from the model's name or
table counts; which models use the mixin is known only once imports are resolved.
"""

from __future__ import annotations

import ast

from analyzer.database.names import callee_name, dotted_name
from analyzer.database.table_naming import owner_template
from analyzer.facts.database import MixinTable

_OWNER_ATTRIBUTES = frozenset({"__name__", "__tablename__"})
_RELATIONSHIP_CALLS = frozenset({"relationship", "relation", "dynamic_loader"})


def made_tables(node: ast.ClassDef) -> list[MixinTable]:
    """The classes the class's declared_attr methods make per model."""
    found: list[MixinTable] = []
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and is_declared_attr(statement):
            found.extend(_made_in(node.name, statement))
    return found


def is_declared_attr(function: ast.FunctionDef) -> bool:
    """Decorated `@declared_attr` (or `.directive`/`.cascading`): run once per mapped class."""
    return any(
        (dotted_name(d) or "").split(".")[-1] in ("declared_attr", "directive", "cascading")
        for d in function.decorator_list
    )


def _made_in(mixin: str, function: ast.FunctionDef) -> list[MixinTable]:
    params = [*function.args.posonlyargs, *function.args.args]
    if not params:
        return []
    owner = params[0].arg
    returned = {
        dotted_name(statement.value.args[0])
        for statement in ast.walk(function)
        if isinstance(statement, ast.Return)
        and isinstance(statement.value, ast.Call)
        and callee_name(statement.value) in _RELATIONSHIP_CALLS
        and statement.value.args
    }
    found: list[MixinTable] = []
    for statement in ast.walk(function):
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            continue
        target = statement.targets[0]
        if not (isinstance(target, ast.Attribute) and dotted_name(target.value) == owner):
            continue
        template = _made_table(statement.value, owner)
        if template is not None:
            made = f"{owner}.{target.attr}"
            relationship = function.name if made in returned else None
            found.append(MixinTable(mixin, target.attr, relationship, template, statement.lineno))
    return found


def _made_table(value: ast.expr, owner: str) -> str | None:
    """The table template of `type(name, bases, {"__tablename__": ..., ...})`."""
    if not (isinstance(value, ast.Call) and callee_name(value) == "type" and len(value.args) == 3):
        return None
    namespace = value.args[2]
    if not isinstance(namespace, ast.Dict):
        return None
    for key, item in zip(namespace.keys, namespace.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "__tablename__":
            return owner_template(item, owner, _OWNER_ATTRIBUTES)
    return None
