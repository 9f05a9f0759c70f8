"""Names as written in the ast, read the same way by every database extractor."""

from __future__ import annotations

import ast


def dotted_name(node: ast.AST) -> str | None:
    """ "a.b.c" for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def callee_name(call: ast.Call) -> str | None:
    """The last segment of what is called: "execute" for `cur.execute(...)`, "text" for `text()`."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def is_camel(name: str) -> bool:
    """A class-like name ("User", "OAuth2Token"), not a CONSTANT or a variable."""
    return name[:1].isupper() and not name.isupper()
