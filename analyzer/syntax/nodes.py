"""What the hand-written ast walks visit: this runs on every node of every file, so node
kinds are told apart by exact type (an ast from `ast.parse` holds no subclasses of them) and
children are read only through the fields that may hold nodes worth visiting.
"""

from __future__ import annotations

import ast


def _subclasses(*bases: type) -> frozenset[type]:
    found: set[type] = set()
    pending = list(bases)
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return frozenset(found)


# nodes with nothing below them worth visiting: names, contexts, constants, operators
_LEAVES = _subclasses(
    ast.Name, ast.expr_context, ast.Constant, ast.operator, ast.boolop, ast.cmpop, ast.unaryop
)
# the node types worth visiting; anything else a field holds (a leaf, a str, None) is not
BRANCHES = _subclasses(ast.AST) - _LEAVES
# fields that never hold a node worth visiting (names, flags, operators)
_NODELESS_FIELDS = frozenset(
    {"ctx", "id", "attr", "name", "arg", "asname", "module", "level", "kind", "conversion"}
    | {"is_async", "type_comment", "op", "ops", "tag", "simple", "lineno"}
)


def _child_fields(kind: type) -> tuple[str, ...]:
    own: tuple[str, ...] = getattr(kind, "_fields", ())
    return tuple(name for name in own if name not in _NODELESS_FIELDS)


# by node type: the fields that may hold nodes worth visiting, in source order
CHILD_FIELDS: dict[type, tuple[str, ...]] = {kind: _child_fields(kind) for kind in BRANCHES}
