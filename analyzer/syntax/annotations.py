"""The one class a type annotation names, shared by the Python and database extractors: an
annotation is a promise about what a parameter holds or a function returns, even when the
code alone cannot tell (a class looked up in a registry at run time)."""

from __future__ import annotations

import ast

_OPTIONAL = frozenset({"Optional", "Union"})
_DEPTH = 4  # nested quotes and unions an annotation is unwrapped through


def annotated_class(annotation: ast.expr, depth: int = 0) -> ast.expr | None:
    """The expression naming the one class of `User`, `"User"`, `Optional[User]`,
    `Union[User, None]` or `User | None` (None for several classes, or anything else)."""
    if depth > _DEPTH:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            parsed = ast.parse(annotation.value.strip(), mode="eval").body
        except SyntaxError:
            return None
        return annotated_class(parsed, depth + 1)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        options = [annotation.left, annotation.right]
    elif isinstance(annotation, ast.Subscript) and _typing_name(annotation.value) in _OPTIONAL:
        inner = annotation.slice
        options = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
    elif _names_class(annotation):
        return annotation
    else:
        return None
    kept = [o for o in options if not (isinstance(o, ast.Constant) and o.value is None)]
    return annotated_class(kept[0], depth + 1) if len(kept) == 1 else None


def _typing_name(node: ast.expr) -> str | None:
    """`Optional` for `Optional` and `typing.Optional` (and so on)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id in ("typing", "t") else None
    return None


def _names_class(node: ast.expr) -> bool:
    """A plain dotted name (`User`, `models.User`): what a class is written as."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)
